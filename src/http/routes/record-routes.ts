// Route pieces every record type's API shares (customers, organizations, deals): the bulk upsert's
// answer and the streamed CSV import route.
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { CsvImportResult, UpsertItemResult } from '../../records/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { workspaceParam } from '../schemas.js';

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
