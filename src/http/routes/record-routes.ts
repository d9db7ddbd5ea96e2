// Route pieces every record type's API shares (customers, organizations, deals): the bulk upsert's
// answer, the streamed CSV import route (with its opt-in NDJSON progress) and the record's
// conflict history.
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../lib/index.js';
import { ImportCancelledError, type CsvImportOptions, type CsvImportProgress, type CsvImportResult, type UpsertItemResult } from '../../records/index.js';
import { findLiveRecord, listConflicts, type SyncConflictRow } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { errorEnvelope } from '../errors.js';
import { keepReadingBody } from '../request-guard.js';
import { iso, workspaceParam } from '../schemas.js';

/** The bulk upsert's answer: counts by outcome and a result per item. */
export function bulkUpsertSummary(results: UpsertItemResult[]) {
  const count = (status: string) => results.filter((r) => r.status === status).length;
  return { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('error'), results };
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** An NDJSON import answer sends a progress line at most this often. */
export const IMPORT_PROGRESS_EVERY_MS = 250;

const NDJSON = 'application/x-ndjson';

/**
 * `POST /api/workspaces/:workspace/<path>/import`: a CSV body (text/csv), streamed into `importCsv`.
 *
 * The plain answer is the import's result as JSON, once the whole file is in. A client that
 * wants to show progress on a large file asks for NDJSON instead (`Accept: application/x-ndjson`
 * or `?progress=ndjson`): the answer then starts at once (200) and is one JSON object a line —
 * `{"type":"progress",rowsRead,created,updated,unchanged,rejected}` at most every
 * IMPORT_PROGRESS_EVERY_MS, `{"type":"rejected",line,message,values}` for each refused row (its
 * cells as read, so a report of every rejected row can be built), and last either
 * `{"type":"result",…}` (exactly the JSON answer) or `{"type":"error",error:{code,message,details}}`
 * (the error envelope: the status line has already gone out). Errors found before the stream
 * starts (authentication, media type, workspace) are ordinary error answers.
 *
 * A client that goes away mid-import (closes the connection: a cancelled upload) stops it: the
 * rows saved before stay saved (each batch is its own transaction), a batch being saved finishes,
 * nothing after it is saved, and the import is logged as cancelled — no answer is left to send.
 */
export function csvImportRoute(
  app: App,
  ctx: AppContext,
  path: 'customers' | 'organizations' | 'deals',
  importCsv: (workspaceId: string, body: Readable, options?: CsvImportOptions) => Promise<CsvImportResult>,
): void {
  app.post(
    `/api/workspaces/:workspace/${path}/import`,
    {
      bodyLimit: 2 * 1024 * 1024 * 1024,
      config: { accepts: ['text/csv'], streamedBody: true },
      schema: {
        tags: [path],
        summary: `Import ${path} from CSV (Content-Type: text/csv); header row names the fields; streamed`,
        description: `With \`Accept: ${NDJSON}\` or \`?progress=ndjson\` the answer is NDJSON: progress lines (at most every ${IMPORT_PROGRESS_EVERY_MS} ms), a line per rejected row with its cells, then the result (or the error envelope) as the last line.`,
        params: workspaceParam,
        querystring: z.object({ progress: z.enum(['ndjson']).optional().describe('Answer with NDJSON progress lines (as Accept: application/x-ndjson)') }).strict(),
      },
    },
    async (request, reply) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      const body = request.body as Readable;
      const accept = request.headers.accept ?? '';
      // The client closing the connection before the answer is complete cancels the import.
      const gone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) gone.abort();
      });
      const cancelled = (error: unknown) => {
        if (!(error instanceof ImportCancelledError)) return error;
        request.log.info({ workspaceId: workspace.id, resource: path, imported: error.imported }, 'CSV import cancelled: the client closed the request');
        return new AppError('BAD_REQUEST', `${error.message} The client closed the request.`, { cancelled: true, imported: error.imported });
      };
      if (request.query.progress !== 'ndjson' && !accept.toLowerCase().includes(NDJSON)) {
        try {
          return await importCsv(workspace.id, body, { signal: gone.signal });
        } catch (error) {
          throw cancelled(error);
        }
      }

      keepReadingBody(request);
      const out = new PassThrough();
      // Lines are small and few (progress is throttled; rejected rows are bounded by the file), so
      // they are written without waiting on the client: a client that reads the answer only once
      // its upload is done (browsers over HTTP/1.1) must not stall the import reading the upload.
      const send = (line: object) => {
        if (!out.writableEnded && !out.destroyed) out.write(`${JSON.stringify(line)}\n`);
      };
      let sentAt = Number.NEGATIVE_INFINITY;
      const progress = (p: CsvImportProgress, always: boolean) => {
        const now = ctx.clock.now();
        if (!always && now - sentAt < IMPORT_PROGRESS_EVERY_MS) return;
        sentAt = now;
        send({ type: 'progress', rowsRead: p.rowsRead, created: p.created, updated: p.updated, unchanged: p.unchanged, rejected: p.failed });
      };
      progress({ rowsRead: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }, true);
      void importCsv(workspace.id, body, {
        signal: gone.signal,
        onProgress: (p) => progress(p, false),
        onRowError: (error, cells) => send({ type: 'rejected', line: error.line, message: error.message, values: cells }),
      })
        .then((result) => {
          progress(result, true);
          send({ type: 'result', ...result });
        })
        .catch((raw: unknown) => {
          const error = cancelled(raw);
          send({ type: 'error', ...errorEnvelope(error instanceof Error ? error : new Error(String(error)), request).body });
        })
        .finally(() => out.end());
      return reply.header('content-type', `${NDJSON}; charset=utf-8`).header('cache-control', 'no-store').send(out);
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
