// The Synchronization view: summary, status table, Sync now runs with live progress (SSE),
// cancel, the reconcile and its dry run, and the sync log (runs with their inbound counts, and
// per-record attempts in both directions).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/index.js';
import type { SyncRunRow, SyncStatus } from '../../store/index.js';
import { countByStatus, findRun, listAttempts, listCustomers, listRunObjects, listRuns, searchAttempts, streamAttempts, type AttemptFilter, type SyncLogRow } from '../../store/index.js';
import { OBJECT_ADAPTERS, PREVIEW_MAX_CONFLICTS, PREVIEW_MAX_MS, PREVIEW_MAX_RECORDS, previewReconcile, pullStarted, pushPlan, readSyncSettings, RUN_TRIGGERS, type ReconcilePreview, type RunTrigger } from '../../sync/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { sendExport } from '../export-stream.js';
import { idCursorQuery, iso, limitQuery, logCursor, logCursorQuery, opaqueCursor, opaqueCursorQuery, recordIdQuery, STATUS_LABELS, statusListQuery, textQuery, timestampQuery, workspaceParam } from '../schemas.js';
import { checkTimeRange, exportFormatQuery } from '../log-query.js';

const runParams = workspaceParam.extend({ runId: z.string().min(1).max(100) });

/** One record's attempt in the sync log. */
export const attemptSchema = z.object({
  id: z.string(),
  objectType: z.string().meta({ description: "HubSpot's name for the record's object type: `contacts` (a customer); other types follow" }),
  recordId: z.string().meta({ description: 'The local record the attempt pushed or changed (a customer id for contacts)' }),
  customerId: z.string().nullable().meta({ description: 'The customer, for contacts (same as recordId); null for other object types' }),
  customerName: z.string().nullable().meta({ description: "The customer's name, else email, else id; null for other object types" }),
  direction: z.enum(['push', 'pull']).meta({ description: '`push`: written to HubSpot; `pull`: HubSpot\'s change applied locally' }),
  operation: z.string().meta({ description: 'push: `create`, `update`, or `archive` (a record deleted locally, archived in HubSpot: propagated deletes); pull: `create` (a new local record), `link` (an existing one found by its key) or `update`' }),
  outcome: z.enum(['success', 'error']),
  message: z.string().nullable().meta({ description: "HubSpot's message (or hubsync's reason) when the attempt failed; for a pull, the values that could not be stored" }),
  correlationId: z.string().nullable(),
  hubspotId: z.string().nullable(),
  at: z.string(),
});

/** One attempt of the workspace's sync log (its search and export): the attempt with its record and run. */
export const logAttemptSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    objectType: z.string().meta({ description: '`contacts`, `companies`, `deals` or `notes`' }),
    recordId: z.string(),
    recordName: z.string().nullable().meta({ description: "The record's name when the attempt was recorded (a customer's first and last name, a company's or deal's name, a note's title)" }),
    email: z.string().nullable().meta({ description: "A customer's email (lower-cased) when the attempt was recorded; null for other types" }),
    direction: z.enum(['push', 'pull']),
    operation: z.string(),
    outcome: z.enum(['success', 'error']),
    message: z.string().nullable().meta({ description: "HubSpot's message (or hubsync's reason) when the attempt failed" }),
    correlationId: z.string().nullable().meta({ description: "HubSpot's correlation id of the call, to quote to HubSpot support" }),
    hubspotId: z.string().nullable(),
    runId: z.string(),
    trigger: z.enum(RUN_TRIGGERS).nullable().meta({ description: "The run's trigger" }),
    runApiCalls: z.number().nullable().meta({ description: 'HubSpot calls the attempt\'s run spent (a batch of up to 100 records shares one call, so calls are counted per run)' }),
  })
  .meta({ id: 'SyncLogAttempt' });

type LogAttempt = z.infer<typeof logAttemptSchema>;

/** The CSV export's columns, in order (the JSON row's fields). */
const LOG_ATTEMPT_COLUMNS = Object.keys(logAttemptSchema.shape) as (keyof LogAttempt)[];

function logAttemptJson(a: SyncLogRow): LogAttempt {
  return {
    id: a.id,
    at: iso(a.at),
    objectType: a.object_type,
    recordId: a.record_id,
    recordName: a.record_name,
    email: a.record_email,
    direction: a.direction as LogAttempt['direction'],
    operation: a.operation,
    outcome: a.outcome as LogAttempt['outcome'],
    message: a.message,
    correlationId: a.correlation_id,
    hubspotId: a.hubspot_id,
    runId: a.run_id,
    trigger: a.run_trigger as RunTrigger | null,
    runApiCalls: a.run_api_calls,
  };
}

/** A run's counters, for the whole run and for each object type in it. */
const runCounters = {
  total: z.number(),
  processed: z.number(),
  created: z.number(),
  updated: z.number(),
  failed: z.number(),
  skipped: z.number(),
};

export const runSchema = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
    trigger: z.enum(RUN_TRIGGERS),
    startedBy: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    phase: z.string().describe('queued (its job waits for a worker), pulling (two-way: HubSpot\'s changes come in first), planning, pushing, done'),
    ...runCounters,
    inbound: z
      .object({
        pulled: z.number().describe('HubSpot records the run\'s pull read'),
        created: z.number().describe('Local records it created'),
        updated: z.number().describe('Local records it updated or linked'),
        conflicts: z.number().describe('Fields both sides changed differently, decided by the later change'),
        deletions: z.number().describe('Records deleted on one side for the other: local records unlinked or deleted because HubSpot archived theirs, and HubSpot records the run archived because they were deleted here (propagated deletes)'),
      })
      .describe('What the run\'s pull did locally (two-way sync); zeros for a push-only run'),
    apiCalls: z.number(),
    cancelRequested: z.boolean(),
    error: z.string().nullable(),
    objects: z
      .array(
        z.object({
          objectType: z.string(),
          ...runCounters,
          note: z.string().nullable().describe('Why the type was left out of the run (scopes missing), else null'),
        }),
      )
      .optional()
      .describe('The run per object type, in push order (on one run and its events; counted as each type ends)'),
  })
  .meta({ id: 'SyncRun' });

const planCounts = { creates: z.number(), updates: z.number() };

/** A reconcile's dry run: what it would do now (src/sync/reconcile-preview.ts). */
export const previewSchema = z
  .object({
    dryRun: z.literal(true),
    inbound: z
      .object({
        complete: z.boolean().describe(`Every HubSpot record the pull would read was read (it stops at ${PREVIEW_MAX_RECORDS} records or ${PREVIEW_MAX_MS / 1000} s; the counts cover what it read)`),
        pulled: z.number().describe('HubSpot records read'),
        ...planCounts,
        links: z.number().describe('Local records found by their key (email) and linked'),
        deletions: z.number().describe('Local records it would unlink (or delete) because HubSpot archived theirs'),
        conflicts: z.number().describe('Fields both sides changed differently (every one is in `conflicts`, up to its limit)'),
        problems: z.number().describe('HubSpot values that could not be stored locally'),
      })
      .nullable()
      .describe('The pull: what would change locally; null when two-way sync is off (a reconcile only pushes)'),
    outbound: z
      .object({ ...planCounts, deletions: z.number(), objects: z.array(z.object({ objectType: z.string(), ...planCounts, deletions: z.number(), note: z.string().nullable() })) })
      .describe('The push after the pull: records HubSpot would get (created), linked records it would update, and records deleted here it would archive (propagated deletes), per object type in push order'),
    conflicts: z
      .array(
        z.object({
          objectType: z.string(),
          recordId: z.string(),
          hubspotId: z.string(),
          field: z.string(),
          localValue: z.string(),
          hubspotValue: z.string(),
          localChangedAt: z.string().nullable(),
          hubspotChangedAt: z.string().nullable(),
          winner: z.enum(['local', 'hubspot']),
          winningValue: z.string(),
        }),
      )
      .describe(`Each field conflict with the side whose later change wins (at most ${PREVIEW_MAX_CONFLICTS})`),
  })
  .meta({ id: 'ReconcilePreview' });

function previewJson(preview: ReconcilePreview): z.infer<typeof previewSchema> {
  const at = (ms: number) => (ms > 0 ? iso(ms) : null);
  return { dryRun: true, ...preview, conflicts: preview.conflicts.map((c) => ({ ...c, localChangedAt: at(c.localChangedAt), hubspotChangedAt: at(c.hubspotChangedAt) })) };
}

/** A run with its summary per object type. */
async function runWithObjects(ctx: AppContext, run: SyncRunRow): Promise<z.infer<typeof runSchema>> {
  const order = OBJECT_ADAPTERS.map((a) => a.objectType as string);
  const objects = (await listRunObjects(ctx.db, run.id)).sort((a, b) => order.indexOf(a.object_type) - order.indexOf(b.object_type));
  return {
    ...runJson(run),
    objects: objects.map((o) => ({ objectType: o.object_type, total: o.total, processed: o.processed, created: o.created, updated: o.updated, failed: o.failed, skipped: o.skipped, note: o.note })),
  };
}

export function runJson(run: SyncRunRow): z.infer<typeof runSchema> {
  return {
    id: run.id,
    status: run.status as z.infer<typeof runSchema>['status'],
    trigger: run.trigger as RunTrigger,
    startedBy: run.started_by,
    startedAt: iso(run.started_at),
    finishedAt: run.finished_at === null ? null : iso(run.finished_at),
    phase: run.phase,
    total: run.total,
    processed: run.processed,
    created: run.created,
    updated: run.updated,
    failed: run.failed,
    skipped: run.skipped,
    inbound: { pulled: run.pulled, created: run.pulled_created, updated: run.pulled_updated, conflicts: run.conflicts, deletions: run.deletions },
    apiCalls: run.api_calls,
    cancelRequested: run.cancel_requested === 1,
    error: run.error,
  };
}


/** What a Sync now would do with one object type's records, from their counts by status. */
function summaryOf(c: Record<SyncStatus, number>) {
  const plan = pushPlan(c);
  return {
    total: Object.values(c).reduce((a, b) => a + b, 0),
    willCreate: plan.creates,
    willUpdate: plan.updates,
    synced: c.synced,
    cantSync: c.no_email,
    duplicate: c.duplicate,
    failed: c.error + c.outdated,
    byStatus: c,
  };
}

export function syncRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/sync/summary',
      {
        schema: {
          tags: ['sync'],
          summary:
            'How many customers will be created, updated, are synced, or cannot be synced; `objects`: the same for every object type a run pushes, in push order, with `note` when a run leaves it out; `twoWay`: whether two-way sync is on and has started (its initial reconcile began pulling: until then, preview it with a dry run)',
          params: workspaceParam,
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        // Customers are the contacts type, always pushed: their counts are read once, for both.
        let c: Record<SyncStatus, number> | undefined;
        const objects = [];
        for (const { adapter, note } of await ctx.push.typesFor(ctx.db, workspace.id)) {
          const counts = await adapter.countByStatus(ctx.db, workspace.id);
          if (adapter.objectType === 'contacts') c = counts;
          objects.push({ objectType: adapter.objectType, note, ...summaryOf(counts) });
        }
        c ??= await countByStatus(ctx.db, workspace.id);
        const twoWay = { enabled: (await readSyncSettings(ctx.db, workspace.id)).twoWay, started: await pullStarted(ctx.db, workspace.id) };
        return { ...summaryOf(c), noEmail: c.no_email, objects, twoWay };
      },
    );

    app.get(
      '/api/workspaces/:workspace/sync/records',
      {
        schema: {
          tags: ['sync'],
          summary: 'Every customer with its sync status, last error and HubSpot id',
          params: workspaceParam,
          querystring: z
            .object({
              status: statusListQuery,
              q: textQuery(200),
              sort: z.enum(['created', '-created']).default('created'),
              after: opaqueCursorQuery('cus'),
              limit: limitQuery(500, 50),
            })
            .strict(),
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const page = await listCustomers(ctx.db, {
          workspaceId: workspace.id,
          search: request.query.q,
          statuses: request.query.status,
          sort: request.query.sort,
          after: request.query.after,
          limit: request.query.limit,
        });
        const last = page.customers.at(-1);
        return {
          records: page.customers.map((c) => ({
            customerId: c.id,
            name: [c.firstName, c.lastName].filter(Boolean).join(' '),
            email: c.email,
            status: c.sync.status,
            statusLabel: STATUS_LABELS[c.sync.status],
            hubspotId: c.sync.hubspotId,
            lastError: c.sync.error,
            updatedAt: iso(c.updatedAt),
            syncedAt: c.sync.syncedAt === null ? null : iso(c.sync.syncedAt),
          })),
          nextCursor: page.hasMore && last ? opaqueCursor(last.id) : null,
        };
      },
    );

    /** Sync now and Reconcile now: a run started by hand (a person, an API key). */
    const startManualRun = async (request: FastifyRequest, reply: FastifyReply, slug: string) => {
      const access = await workspaceAccess(ctx, request, slug);
      const { run, joined } = await ctx.push.start(access.workspace.id, { kind: 'manual', actor: access.actor });
      return reply.status(joined ? 200 : 202).send(runJson(run));
    };

    app.post(
      '/api/workspaces/:workspace/sync/runs',
      {
        schema: {
          tags: ['sync'],
          summary: 'Sync now: create, update and retry in one run',
          description:
            '202 with the new run. 409 SYNC_ALREADY_RUNNING (details.runId) while a run is running. 200 with the newest run, not a new one, when it succeeded less than 10 s ago and nothing became pending since it started (a burst of clicks starts one run).',
          params: workspaceParam,
          response: { 200: runSchema, 202: runSchema },
        },
      },
      (request, reply) => startManualRun(request, reply, request.params.workspace),
    );

    // A reconcile pushes everything pending, as Sync now does; with two-way sync on, its run
    // pulls HubSpot's changes first (src/sync/pull-runs.ts). One run at a time per workspace.
    // Its dry run answers what it would do, changing nothing.
    app.post(
      '/api/workspaces/:workspace/sync/reconcile',
      {
        schema: {
          tags: ['sync'],
          summary: 'Reconcile now: the scheduled reconcile, started by hand; `{ "dryRun": true }` answers what it would do instead (200, ReconcilePreview)',
          description:
            '202 with the new run; 409 SYNC_ALREADY_RUNNING (details.runId) while a run is running; 200 with a run that just succeeded, as Sync now. With `dryRun`, 200 with the preview: HubSpot is read (never written), no local data changes and no run is recorded.',
          params: workspaceParam,
          // No body at all (null) is a reconcile, as before dry runs existed.
          body: z.object({ dryRun: z.boolean().optional().describe('Answer what the reconcile would do, without doing it') }).strict().nullish(),
          response: { 200: z.union([runSchema, previewSchema]), 202: runSchema },
        },
      },
      async (request, reply) => {
        if (request.body?.dryRun !== true) return startManualRun(request, reply, request.params.workspace);
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const preview = await previewReconcile({ db: ctx.db, clock: ctx.clock, gateway: ctx.hubspot, push: ctx.push, pull: ctx.pull }, workspace.id);
        return reply.status(200).send(previewJson(preview));
      },
    );

    app.get(
      '/api/workspaces/:workspace/sync/runs',
      { schema: { tags: ['sync'], summary: 'Sync runs, newest first', params: workspaceParam, querystring: z.object({ before: idCursorQuery('run'), limit: limitQuery(200, 20) }).strict() } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const runs = await listRuns(ctx.db, workspace.id, request.query.before, request.query.limit);
        return { runs: runs.map(runJson) };
      },
    );

    app.get('/api/workspaces/:workspace/sync/runs/:runId', { schema: { tags: ['sync'], summary: 'One run with its progress', params: runParams, response: { 200: runSchema } } }, async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      const run = await findRun(ctx.db, workspace.id, request.params.runId);
      if (!run) throw new AppError('NOT_FOUND', 'Sync run was not found.');
      return runWithObjects(ctx, run);
    });

    app.post('/api/workspaces/:workspace/sync/runs/:runId/cancel', { schema: { tags: ['sync'], summary: 'Ask a running sync to stop after its current batch (a run still waiting for a worker ends at once)', params: runParams, response: { 202: runSchema } } }, async (request, reply) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      return reply.status(202).send(runJson(await ctx.push.cancel(workspace.id, request.params.runId)));
    });

    app.get('/api/workspaces/:workspace/sync/runs/:runId/events', { schema: { tags: ['sync'], summary: 'Server-Sent Events: `progress` with the run, then `done`', params: runParams } }, async (request, reply) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      const first = await findRun(ctx.db, workspace.id, request.params.runId);
      if (!first) throw new AppError('NOT_FOUND', 'Sync run was not found.');
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      let closed = false;
      request.raw.on('close', () => (closed = true));
      let last = '';
      // The run's row is the truth whichever process runs it, so progress is read from it.
      while (!closed) {
        const run = await findRun(ctx.db, workspace.id, request.params.runId);
        if (!run) break;
        const json = JSON.stringify(await runWithObjects(ctx, run));
        if (json !== last) {
          out.write(`event: progress\ndata: ${json}\n\n`);
          last = json;
        }
        if (run.status !== 'running') {
          out.write(`event: done\ndata: ${json}\n\n`);
          break;
        }
        await ctx.clock.sleep(400);
      }
      out.end();
    });

    app.get(
      '/api/workspaces/:workspace/sync/attempts',
      {
        schema: {
          tags: ['sync'],
          summary: 'The sync log: every push and pull attempt, newest first, filtered; `format=csv|ndjson` downloads the whole filtered view',
          description:
            'Filters combine (AND). `cursor` is the `nextCursor` of the page before (stable while new attempts arrive). With `format`, the response streams every matching attempt (`cursor` and `limit` do not apply) as CSV with a header row or NDJSON, the same fields as the JSON rows. 400 VALIDATION_FAILED (`details.field`) for a bad parameter.',
          params: workspaceParam,
          querystring: z
            .object({
              recordId: recordIdQuery,
              objectType: z.enum(['contacts', 'companies', 'deals', 'notes']).optional(),
              email: z.string().trim().toLowerCase().min(1).max(254).optional().describe("A customer's email (any case)"),
              outcome: z.enum(['success', 'error']).optional(),
              direction: z.enum(['push', 'pull']).optional(),
              runId: idCursorQuery('run').describe('One run (run_…)'),
              from: timestampQuery.describe('From this time (inclusive), ISO 8601 with a zone'),
              to: timestampQuery.describe('Up to this time (exclusive)'),
              cursor: logCursorQuery('att'),
              limit: limitQuery(500, 50),
              format: exportFormatQuery,
            })
            .strict(),
          response: { 200: z.object({ attempts: z.array(logAttemptSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const q = request.query;
        checkTimeRange(q.from, q.to);
        const filter: AttemptFilter = { workspaceId: workspace.id, recordId: q.recordId, objectType: q.objectType, email: q.email, outcome: q.outcome, direction: q.direction, runId: q.runId, from: q.from, to: q.to };
        if (q.format !== 'json') {
          const chunks = (async function* () {
            for await (const rows of streamAttempts(ctx.db, filter)) yield rows.map(logAttemptJson);
          })();
          return sendExport(reply, q.format, `sync-log-${request.params.workspace}`, LOG_ATTEMPT_COLUMNS, chunks);
        }
        const rows = await searchAttempts(ctx.db, filter, { after: q.cursor, limit: q.limit + 1 });
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        return { attempts: page.map(logAttemptJson), nextCursor: rows.length > q.limit && last ? logCursor(last.at, last.id) : null };
      },
    );

    app.get(
      '/api/workspaces/:workspace/sync/runs/:runId/attempts',
      {
        schema: {
          tags: ['sync'],
          summary: "One run's record attempts, pushed and pulled, with HubSpot's messages; `recordId` keeps one record's, `direction` one side's",
          params: runParams,
          querystring: z
            .object({ outcome: z.enum(['success', 'error']).optional(), direction: z.enum(['push', 'pull']).optional(), recordId: recordIdQuery, after: idCursorQuery('att'), limit: limitQuery(500, 100) })
            .strict(),
          response: { 200: z.object({ attempts: z.array(attemptSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const { after, outcome, direction, recordId } = request.query;
        const rows = await listAttempts(ctx.db, workspace.id, request.params.runId, { after, outcome, direction, recordId, limit: request.query.limit + 1 });
        const page = rows.slice(0, request.query.limit);
        return {
          attempts: page.map((a) => ({
            id: a.id,
            objectType: a.object_type,
            recordId: a.record_id,
            customerId: a.customer_id,
            customerName: a.customer_id === null ? null : a.customer_name || a.customer_email || a.customer_id,
            direction: a.direction as 'push' | 'pull',
            operation: a.operation,
            outcome: a.outcome as 'success' | 'error',
            message: a.message,
            correlationId: a.correlation_id,
            hubspotId: a.hubspot_id,
            at: iso(a.at),
          })),
          nextCursor: rows.length > request.query.limit ? page.at(-1)!.id : null,
        };
      },
    );
  };
}
