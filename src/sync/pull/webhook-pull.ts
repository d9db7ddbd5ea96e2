// Webhooks in, for two-way workspaces. HubSpot waits 5 s for an answer, so receiving a delivery
// (`WebhookInbox.receive`, called by POST /api/hubspot/webhooks once its signature is checked)
// only records which records changed — per workspace connected to the event's portal, one row
// per record in `inbound_changes` — and sends a `sync.webhook` job. The job does the HubSpot
// reads: it drains the workspace's rows 100 at a time, reads those records by id (one batch
// read per type, however many events each record had) and merges them through the pull
// engine's own apply (`PullEngine.pullByIds`); records HubSpot no longer has are deletions.
//
// An `associationChange` is recorded as a change of the record holding the link (a contact for
// its companies, a deal for its contacts and company), whose associations a read by id always
// reads (./links.pull.ts); a `deal.propertyChange` of `dealstage` into a won stage brings the
// deal's contacts in (./closed-won.ts).
//
// Events are hints, never data: the record is read as it is now, and the merge compares with
// the base, so a duplicated, late or out-of-order event costs at most a read that changes
// nothing. A job's reads that change something are one sync run with trigger `webhook`
// (PushEngine.recordPull); while another run holds the workspace the rows wait (that run pulls
// the same changes itself), and the sweep wakes the job again. A workspace that is
// disconnected, has two-way off, or has not had its initial reconcile yet when its job runs
// makes no call; its rows are dropped, and the poll (checkpoint and archived listing) or the
// initial reconcile catches up once it is on again. Jobs are wake-ups: a row whose job was lost is found by the minute sweep.
import { z } from 'zod';
import { defineJob, eraseDefinition, type JobQueue } from '../../jobs/index.js';
import { recordChangeOf, type WebhookEvent } from '../../hubspot/index.js';
import { SYSTEM_ACTOR } from '../../audit/index.js';
import type { Clock } from '../../lib/index.js';
import type { Db, InboundChange, InboundChangeRow } from '../../store/index.js';
import { deleteInboundIfUnchanged, dropInboundChanges, findRunningRun, hasUsableConnection, readInboundChanges, recordInboundChanges, twoWayWorkspacesOnPortals, workspacesWithInbound } from '../../store/index.js';
import type { PushEngine } from '../push-run.js';
import { readSyncSettings } from '../sync-settings.js';
import { pullStarted } from './checkpoints.js';
import { linkedHubSpotIds } from './deletions.js';
import { BATCH_READ_SIZE, type PullEngine, type PullRunLog } from './pull-engine.js';

/**
 * How long one `sync.webhook` job reads before it hands over (well inside its timeout): short,
 * so a workspace flooded with events lets the other workspaces' jobs take their turn.
 */
export const WEBHOOK_SLICE_MS = 10_000;
/** The sweep wakes a job only for rows waiting at least this long (their own job should have run). */
export const WEBHOOK_SWEEP_MIN_AGE_MS = 30_000;

/** Drains one workspace's inbound changes; at most one runs and one waits per workspace (sends while one waits are merged). */
export const syncWebhookJob = defineJob({
  name: 'sync.webhook',
  payload: z.object({ workspaceId: z.string().min(1) }),
  retry: { limit: 5, baseMs: 2_000, maxMs: 60_000 },
  timeoutMs: 30_000,
  exclusiveKey: (p: { workspaceId: string }) => `${p.workspaceId}:webhook`,
  concurrency: 4,
});

/** Every minute: wakes the job of any workspace whose rows a lost wake-up left behind. */
export const syncWebhookSweepJob = defineJob({
  name: 'sync.webhook-sweep',
  payload: z.object({}),
  retry: { limit: 0 },
  timeoutMs: 30_000,
  exclusiveKey: () => 'all',
});

/** The webhook jobs, for the queue's catalog. */
export const WEBHOOK_JOBS = [eraseDefinition(syncWebhookJob), eraseDefinition(syncWebhookSweepJob)];

const WEBHOOK_ACTOR = { ...SYSTEM_ACTOR, label: 'HubSpot webhook' };

/** What one delivery came to. */
export interface WebhookReceipt {
  /** Events in the delivery. */
  events: number;
  /** Rows recorded (an event counts once per two-way workspace on its portal; a contact or company merge counts as its merged record's change; an association change for the record holding the link). */
  recorded: number;
}

/** Receives webhook deliveries: records them and wakes the workspaces' jobs. Nothing here calls HubSpot. */
export class WebhookInbox {
  constructor(private readonly deps: { db: Db; clock: Clock; jobs: JobQueue }) {}

  /**
   * Records what the events say changed, for every two-way workspace with a usable connection
   * to the event's portal, then sends each of those workspaces' `sync.webhook` job.
   */
  async receive(events: readonly WebhookEvent[]): Promise<WebhookReceipt> {
    const { db, clock, jobs } = this.deps;
    const changes = events.flatMap((event) => {
      const change = recordChangeOf(event);
      return change ? [{ ...change, portalId: event.portalId }] : [];
    });
    const targets = await twoWayWorkspacesOnPortals(db, changes.map((c) => c.portalId));
    const rows: InboundChange[] = changes.flatMap(({ portalId, ...change }) => targets.filter((t) => t.portalId === portalId).map((t) => ({ ...change, workspaceId: t.workspaceId })));
    if (rows.length === 0) return { events: events.length, recorded: 0 };
    await db.transaction().execute((trx) => recordInboundChanges(trx, rows, clock.now()));
    // After the commit: the job reads the rows.
    for (const workspaceId of new Set(rows.map((r) => r.workspaceId))) await jobs.send(syncWebhookJob, { workspaceId });
    return { events: events.length, recorded: rows.length };
  }
}

/**
 * Reads one batch of a workspace's rows (≤ 100, any types) from HubSpot and applies them: one
 * `pullByIds` per type. A deletion of a record nothing here is linked to needs no read.
 */
async function pullRows(db: Db, pull: PullEngine, workspaceId: string, rows: readonly InboundChangeRow[], log: PullRunLog): Promise<void> {
  const byType = new Map<string, InboundChangeRow[]>();
  for (const row of rows) {
    const group = byType.get(row.object_type);
    if (group) group.push(row);
    else byType.set(row.object_type, [row]);
  }
  for (const [objectType, group] of byType) {
    const deleted = group.filter((r) => r.kind === 'deletion').map((r) => r.hubspot_id);
    const linked = await linkedHubSpotIds(db, workspaceId, objectType, deleted);
    const ids = group.filter((r) => r.kind !== 'deletion' || linked.has(r.hubspot_id)).map((r) => r.hubspot_id);
    if (ids.length > 0) await pull.pullByIds(workspaceId, objectType, ids, { log });
  }
}

/** Works the webhook jobs in this process (`serve`, `worker`), beside the sync jobs. */
export async function workWebhookJobs(deps: { db: Db; clock: Clock; jobs: JobQueue; pull: PullEngine; push: PushEngine }, options: { concurrency?: number } = {}): Promise<void> {
  const { db, clock, jobs, pull, push } = deps;
  await jobs.work(
    syncWebhookJob,
    async ({ workspaceId }, { signal }) => {
      // Before the initial reconcile two-way has not started: that reconcile lists every record.
      if (!(await hasUsableConnection(db, workspaceId)) || !(await readSyncSettings(db, workspaceId)).twoWay || !(await pullStarted(db, workspaceId))) {
        await dropInboundChanges(db, workspaceId);
        return;
      }
      // A run holds the workspace and pulls these changes itself: the rows wait for the sweep. A
      // webhook run whose process died no longer holds it.
      const running = await findRunningRun(db, workspaceId);
      if (running && !(running.trigger === 'webhook' && (await push.endIfDead(running)))) return;
      const until = Date.now() + WEBHOOK_SLICE_MS;
      // Null: a run started meanwhile (the rows of the batch in hand stay, as above).
      const more = await push.recordPull(workspaceId, { kind: 'webhook', actor: WEBHOOK_ACTOR }, async (log) => {
        while (!signal.aborted && Date.now() < until) {
          const rows = await readInboundChanges(db, workspaceId, BATCH_READ_SIZE);
          if (rows.length === 0) return false;
          await pullRows(db, pull, workspaceId, rows, log);
          // A row that had another event meanwhile stays: its record is read again.
          await deleteInboundIfUnchanged(db, rows);
        }
        return true;
      });
      return more && !signal.aborted ? 'continue' : undefined;
    },
    options,
  );
  await jobs.work(syncWebhookSweepJob, async () => {
    for (const workspaceId of await workspacesWithInbound(db, clock.now() - WEBHOOK_SWEEP_MIN_AGE_MS)) await jobs.send(syncWebhookJob, { workspaceId });
  });
  await jobs.schedule(syncWebhookSweepJob, '* * * * *', {});
}
