// Route pieces every record type's API shares (customers, organizations, deals): the bulk upsert's
// answer, the streamed CSV import route and the record's conflict history.
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../lib/index.js';
import type { CsvImportResult, UpsertItemResult } from '../../records/index.js';
import { findLiveRecord, listConflicts, type SyncConflictRow } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { iso, workspaceParam } from '../schemas.js';

/** The bulk upsert's answer: counts by outcome and a result per item. */
export function bulkUpsertSummary(results: UpsertItemResult[]) {
  const count = (status: string) => results.filter((r) => r.status === status).length;
  return { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('error'), results };
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** `POST /api/workspaces/:workspace/<path>/import`: a CSV body (text/csv), streamed into `importCsv`. */
export function csvImportRoute(app: App, ctx: AppContext, path: 'customers' | 'organizations' | 'deals', importCsv: (workspaceId: string, body: Readable) => Promise<CsvImportResult>): void {
  app.post(
    `/api/workspaces/:workspace/${path}/import`,
    {
      bodyLimit: 2 * 1024 * 1024 * 1024,
      config: { accepts: ['text/csv'], streamedBody: true },
      schema: {
        tags: [path],
        summary: `Import ${path} from CSV (Content-Type: text/csv); header row names the fields; streamed`,
        params: workspaceParam,
      },
    },
    async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      return importCsv(workspace.id, request.body as Readable);
    },
  );
}

/** How many of a record's conflicts the conflicts route answers (the newest). */
export const CONFLICTS_SHOWN = 100;

/** A value two-way sync overrode: a field both sides changed differently, and which side won. */
export const conflictSchema = z
  .object({
    id: z.string(),
    field: z.string(),
    property: z.string(),
    localValue: z.string(),
    hubspotValue: z.string(),
    localChangedAt: z.string().nullable(),
    hubspotChangedAt: z.string(),
    winner: z.enum(['local', 'hubspot']),
    runId: z.string(),
    at: z.string(),
  })
  .meta({ id: 'SyncConflict' });

function conflictJson(r: SyncConflictRow): z.infer<typeof conflictSchema> {
  return {
    id: r.id,
    field: r.field,
    property: r.property,
    localValue: r.local_value,
    hubspotValue: r.hubspot_value,
    // A local value never stamped (stored before field times were kept) has no time.
    localChangedAt: r.local_changed_at > 0 ? iso(r.local_changed_at) : null,
    hubspotChangedAt: iso(r.hubspot_changed_at),
    winner: r.winner as 'local' | 'hubspot',
    runId: r.run_id,
    at: iso(r.at),
  };
}

/** What tells the record types' conflicts routes apart: the id parameter, the HubSpot object type the pull records, the noun of a 404. */
const CONFLICT_KINDS = {
  customers: { param: 'customerId', objectType: 'contacts', noun: 'Customer' },
  organizations: { param: 'organizationId', objectType: 'companies', noun: 'Organization' },
  deals: { param: 'dealId', objectType: 'deals', noun: 'Deal' },
} as const;

const recordId = z.string().min(1).max(100);

/**
 * `GET /api/workspaces/:workspace/<path>/:<id>/conflicts`: the values two-way sync overrode on
 * one live record, newest first (members may read; an unknown or deleted record is a 404).
 */
export function conflictsRoute<P extends keyof typeof CONFLICT_KINDS>(app: App, ctx: AppContext, path: P): void {
  const { param, objectType, noun } = CONFLICT_KINDS[path];
  app.get(
    `/api/workspaces/:workspace/${path}/:${param}/conflicts`,
    {
      schema: {
        tags: [path],
        summary: `The values two-way sync overrode on this ${noun.toLowerCase()}, newest first (the last ${CONFLICTS_SHOWN})`,
        params: workspaceParam.extend({ [param]: recordId } as Record<typeof param, typeof recordId>),
        response: { 200: z.object({ conflicts: z.array(conflictSchema) }) },
      },
    },
    async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      const id = request.params[param];
      if (!(await findLiveRecord(ctx.db, path, workspace.id, id))) throw notFound(noun);
      return { conflicts: (await listConflicts(ctx.db, workspace.id, objectType, id, CONFLICTS_SHOWN)).map(conflictJson) };
    },
  );
}
