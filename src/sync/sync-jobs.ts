// Sync work as jobs (src/jobs). `sync.push` runs a Sync now run in whichever process takes the
// job, in slices of SLICE_BUDGET_MS; `sync.flush` is the on-change push: it drains the
// pending-changes set of a workspace in batches of BATCH_SIZE, and archives its propagated
// deletes (archive-deletions.ts); `sync.flush-sweep` (every
// minute) wakes a flush for any workspace whose rows a lost or early wake-up left behind;
// `sync.tick` (every minute) sends a `sync.scheduled` for each workspace whose reconcile
// schedule is due in that minute, delayed to its jittered instant, which starts the run; the
// tick also sends a `sync.pull` for each two-way workspace whose poll interval has passed.
// With two-way sync on, a run started by a person or the schedule (Sync now, Reconcile now, the
// scheduled reconcile) pulls HubSpot's changes of every pulled type first, inside its
// `sync.push` job, then pushes; once the workspace's first pull began, a flush pulls before it
// pushes too (a push sends whole records). Pulls on their own are recorded as `pull` runs
// (./pull-runs.ts). The webhook jobs (`sync.webhook`, ./pull/webhook-pull.ts) are worked beside them.
// The jobs are wake-ups: the run row and the pending-changes set hold what must be done, so a
// job run twice, merged or lost costs at most a repeated check (docs/ARCHITECTURE.md, "Jobs").
import { z } from 'zod';
import { SYSTEM_ACTOR, type Actor } from '../audit/index.js';
import type { CustomerChangeListener } from '../customers/index.js';
import { defineJob, eraseDefinition, JobTimeoutError, type JobQueue } from '../jobs/index.js';
import { isAppError, type Clock } from '../lib/index.js';
import {
  deletePendingIfUnchanged,
  findRun,
  findRunningRun,
  hasUsableConnection,
  listPullsDue,
  listScheduledWorkspaces,
  markPending,
  pageIdsByStatus,
  readPending,
  workspacesWithPending,
  workspacesWithPendingArchives,
  type Db,
} from '../store/index.js';
import { hasPendingArchives } from './archive-deletions.js';
import { OBJECT_ADAPTERS } from './objects/index.js';
import { BATCH_SIZE, type PushEngine } from './push-run.js';
import { pullStarted, WEBHOOK_JOBS, workWebhookJobs, type PullEngine } from './pull/index.js';
import { pullOnItsOwn } from './pull-runs.js';
import { firingsBetween, MINUTE_MS, startOfMinute } from './schedule.js';
import { readSyncSettings } from './sync-settings.js';
import { PUSHABLE_STATUSES } from './sync-status.js';
import { TAG_JOBS, wakeTagLists } from './tag-jobs.js';

/** How long one slice of a job pushes before it hands over to the next slice (well inside timeoutMs). */
export const SLICE_BUDGET_MS = 20_000;
/** How long after a change its flush is sent, so a burst of changes is pushed in full batches. */
export const FLUSH_DELAY_MS = 300;
/** The sweep wakes a flush only for changes pending at least this long. */
export const SWEEP_MIN_AGE_MS = 30_000;
/** How long a flush waits after ending a dead process's on-change run before pushing its customers again. */
export const DEAD_RUN_SETTLE_MS = 2_000;

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const contactsKey = (p: { workspaceId: string }): string => `${p.workspaceId}:contacts`;
const retry = { limit: 5, baseMs: 2_000, maxMs: 60_000 };

export const syncPushJob = defineJob({
  name: 'sync.push',
  payload: z.object({ workspaceId: z.string().min(1), runId: z.string().min(1) }),
  retry,
  // The lease (timeout + 5 s grace) stays under the 60 s after which a run with no heartbeat
  // counts as interrupted, so a dead process's run is resumed before anyone gives it up.
  timeoutMs: 45_000,
  exclusiveKey: contactsKey,
  concurrency: 4,
});

export const syncFlushJob = defineJob({
  name: 'sync.flush',
  payload: z.object({ workspaceId: z.string().min(1) }),
  retry,
  timeoutMs: 45_000,
  exclusiveKey: contactsKey,
  concurrency: 4,
});

export const syncFlushSweepJob = defineJob({
  name: 'sync.flush-sweep',
  payload: z.object({}),
  retry: { limit: 0 },
  timeoutMs: 30_000,
  exclusiveKey: () => 'all',
});

/**
 * Once a minute across all processes: sends the scheduled reconciles due in the minute it was
 * fired for (its createdAt) and in the few minutes before, however late it runs; so a retry, a
 * late, merged or repeated tick can neither skip a firing nor send one twice.
 */
export const syncTickJob = defineJob({
  name: 'sync.tick',
  payload: z.object({}),
  retry: { limit: 2, baseMs: 1_000, maxMs: 5_000 },
  timeoutMs: 30_000,
  exclusiveKey: () => 'all',
});

/**
 * One workspace's scheduled reconcile, sent by the tick with a delay to its jittered instant,
 * once per firing (onceKey workspace + instant), so a minute handled twice sends it once.
 */
export const syncScheduledJob = defineJob({
  name: 'sync.scheduled',
  payload: z.object({ workspaceId: z.string().min(1), fireAt: z.number().int() }),
  retry: { limit: 2, baseMs: 5_000, maxMs: 30_000 },
  timeoutMs: 30_000,
  exclusiveKey: (p: { workspaceId: string }) => `${p.workspaceId}:schedule`,
});

/**
 * A two-way workspace's poll: pulls HubSpot's changes (src/sync/pull), in slices like a push.
 * Its key is the push's, but the queue keeps keys exclusive per job name only, so a pull also
 * steps aside while a run is running (a run started by a person or the schedule pulls itself).
 */
export const syncPullJob = defineJob({
  name: 'sync.pull',
  payload: z.object({ workspaceId: z.string().min(1) }),
  retry,
  timeoutMs: 45_000,
  exclusiveKey: contactsKey,
  concurrency: 4,
});

/** Every sync job, for the queue's catalog. */
export const SYNC_JOBS = [
  eraseDefinition(syncPullJob),
  eraseDefinition(syncPushJob),
  eraseDefinition(syncFlushJob),
  eraseDefinition(syncFlushSweepJob),
  eraseDefinition(syncTickJob),
  eraseDefinition(syncScheduledJob),
  ...WEBHOOK_JOBS,
  ...TAG_JOBS,
];

/**
 * How many minutes before its own a tick hands out firings again. pg-boss turns a minute's cron
 * tick into its job up to a minute late when loaded, and a tick sent while the last one still
 * waits is merged into it: the firings of such a minute are handed out by the next tick.
 */
export const TICK_CATCH_UP_MINUTES = 3;
/** The most minutes one tick hands out (a tick that waited out a long stop does not replay it). */
const TICK_MAX_MINUTES = 10;

/**
 * The tick's work for the minute holding `tick` (the minute the tick was fired for, not the
 * clock's): for every connected workspace, sends a `sync.scheduled` job for each firing of its
 * schedule from TICK_CATCH_UP_MINUTES before that minute to the end of the current one, no
 * earlier than the schedule was saved or the workspace connected, to start at the firing's
 * instant (at once when that has passed); each firing once, by its onceKey, so ticks that
 * overlap, repeat or retry send nothing twice. Returns the workspaces with a firing in the span.
 */
export async function sendDueReconciles(deps: { db: Db; jobs: JobQueue; clock: Clock }, tick: number): Promise<string[]> {
  const now = deps.clock.now();
  const end = startOfMinute(Math.max(tick, now)) + MINUTE_MS;
  const start = Math.max(startOfMinute(tick) - TICK_CATCH_UP_MINUTES * MINUTE_MS, end - TICK_MAX_MINUTES * MINUTE_MS);
  const sent: string[] = [];
  for (const { workspaceId, schedule, timezone, since } of await listScheduledWorkspaces(deps.db)) {
    const firings = firingsBetween(schedule, timezone, workspaceId, Math.max(start, since), end);
    for (const firing of firings) {
      const fireAt = firing.getTime();
      await deps.jobs.send(syncScheduledJob, { workspaceId, fireAt }, { delayMs: Math.max(0, fireAt - now), onceKey: `${workspaceId}@${fireAt}` });
    }
    if (firings.length > 0) sent.push(workspaceId);
  }
  return sent;
}

const ON_CHANGE_ACTOR: Actor = { type: 'system', id: null, label: 'On-change push' };
const SCHEDULE_ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'Reconcile schedule' };
const POLL_ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'Two-way poll' };

/** Runs started by a person or a schedule are executed by `sync.push` jobs only (CLI and on-change runs run where they started). */
const JOB_TRIGGERS = new Set(['manual', 'schedule']);

/** Whether the workspace has a usable HubSpot connection; without one, its changes stay parked. */
async function connected(db: Db, workspaceId: string): Promise<boolean> {
  return hasUsableConnection(db, workspaceId);
}

/**
 * Sends one `sync.flush` per workspace FLUSH_DELAY_MS after the first change of a burst. The
 * change listener runs inside the writing transaction, so the send waits for the timer (after
 * commit, in practice); a flush that ran too early is caught up by the sweep.
 */
export class FlushScheduler {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly jobs: JobQueue,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = FLUSH_DELAY_MS,
  ) {}

  wake(workspaceId: string): void {
    if (this.#timers.has(workspaceId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(workspaceId);
      this.#send(workspaceId);
    }, this.delayMs);
    this.#timers.set(workspaceId, timer);
  }

  /** Sends what is waiting at once (before the process stops). */
  async flushNow(): Promise<void> {
    const waiting = [...this.#timers.entries()];
    this.#timers.clear();
    for (const [workspaceId, timer] of waiting) {
      clearTimeout(timer);
      await this.#send(workspaceId);
    }
  }

  #send(workspaceId: string): Promise<void> {
    return this.jobs.send(syncFlushJob, { workspaceId }).then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
  }
}

/**
 * The change listener of the on-change push: in the writing transaction, after the statuses
 * were refreshed, adds to the pending-changes set the changed customers a push would now send
 * (created, restored, mapped fields edited, imported) — an edit to an unmapped field leaves a
 * Synced customer Synced and adds nothing.
 */
/**
 * What the on-change push records per object type: its pending-changes type, table and setting.
 * There is one on-change setting for people and what happens to them, `pushContactsOnChange`:
 * deals and notes (activities) follow it. Activities are only appended, each one Not synced,
 * so every activity told is pushable (`table: null`). The flush drains the types the push
 * engine has an adapter for, in its order (companies before the contacts and deals that
 * associate to them); rows of a type without one wait for it.
 */
const ON_CHANGE = {
  contacts: { table: 'customers', setting: 'pushContactsOnChange' },
  companies: { table: 'organizations', setting: 'pushCompaniesOnChange' },
  deals: { table: 'deals', setting: 'pushContactsOnChange' },
  notes: { table: null, setting: 'pushContactsOnChange' },
} as const;

/** The pending-changes types the flush drains, in push order. */
const FLUSHED_TYPES: readonly string[] = OBJECT_ADAPTERS.map((a) => a.objectType);

/**
 * Records changed records in the pending-changes set, inside the change's transaction, when
 * the workspace's setting for their type (ON_CHANGE) is on, and wakes the workspace's flush
 * when the flush drains that type.
 */
export function pendingChangesListener(
  deps: { clock: Clock; flushes: FlushScheduler },
  objectType: keyof typeof ON_CHANGE = 'contacts',
): CustomerChangeListener {
  const { table, setting } = ON_CHANGE[objectType];
  return async (db, workspaceId, ids) => {
    if (ids.length === 0 || !(await readSyncSettings(db, workspaceId))[setting]) return;
    // Activities are appended Not synced: every one told is pushable.
    const pushable: string[] = table === null ? [...ids] : [];
    for (let i = 0; i < ids.length && table !== null; i += 500) {
      const chunk = ids.slice(i, i + 500);
      pushable.push(...(await pageIdsByStatus(db, workspaceId, PUSHABLE_STATUSES, undefined, chunk.length, chunk, table)));
    }
    if (pushable.length === 0) return;
    await markPending(db, workspaceId, objectType, pushable, deps.clock.now());
    if (FLUSHED_TYPES.includes(objectType)) deps.flushes.wake(workspaceId);
  };
}

/** Whether any type the flush drains has changes (or archives) waiting in the workspace. */
async function hasPending(db: Db, workspaceId: string): Promise<boolean> {
  for (const type of FLUSHED_TYPES) if ((await readPending(db, workspaceId, type, 1)).length > 0 || (await hasPendingArchives(db, workspaceId, type))) return true;
  return false;
}

export interface SyncJobDeps {
  db: Db;
  clock: Clock;
  push: PushEngine;
  jobs: JobQueue;
  /** Pulls two-way workspaces; without it nothing is pulled. */
  pull?: PullEngine;
}

/**
 * Sends a `sync.pull` for every two-way workspace whose poll interval has passed since its last
 * pull, once per workspace and minute. Returns those workspaces. Every pull reads contacts (the
 * other types with their settings), so the contacts checkpoint's time is the poll's clock.
 */
export async function sendDuePulls(deps: { db: Db; jobs: JobQueue; clock: Clock }, tick: number): Promise<string[]> {
  const minute = startOfMinute(tick);
  const due = await listPullsDue(deps.db, 'contacts', deps.clock.now());
  for (const workspaceId of due) await deps.jobs.send(syncPullJob, { workspaceId }, { onceKey: `${workspaceId}:pull@${minute}` });
  return due;
}

/** Works the sync jobs in this process (`serve`, `worker`); `concurrency` overrides the definitions'. */
export async function workSyncJobs(deps: SyncJobDeps, options: { concurrency?: number } = {}): Promise<void> {
  const { db, clock, push, jobs, pull } = deps;
  const work = options.concurrency ? { concurrency: options.concurrency } : {};

  await jobs.work(
    syncPushJob,
    async ({ workspaceId, runId }, { signal, attempt }) => {
      const until = Date.now() + SLICE_BUDGET_MS;
      let run = await findRun(db, workspaceId, runId);
      // A Sync now sent while this job waited was merged into it: run the workspace's run.
      if (run?.status !== 'running') run = await findRunningRun(db, workspaceId);
      if (!run || !JOB_TRIGGERS.has(run.trigger)) return;
      // On the last attempt the queue has no retry left: a failure here ends the run failed
      // with the reason, instead of leaving it running with no job to carry it on.
      const lastAttempt = attempt > syncPushJob.retry.limit;
      const giveUp = (why: string) => push.failRun(run.id, `The sync job failed ${attempt} times and will not be retried: ${why}`);
      let outcome: 'ended' | 'paused';
      try {
        // Two-way: the run pulls HubSpot's changes first (the push engine's RunPull).
        outcome = await push.resume(workspaceId, run.id, () => signal.aborted || Date.now() >= until);
      } catch (error) {
        if (lastAttempt) await giveUp(error instanceof Error ? error.message : String(error));
        throw error;
      }
      if (outcome === 'paused') {
        if (lastAttempt && signal.reason instanceof JobTimeoutError) await giveUp(signal.reason.message);
        return signal.aborted ? undefined : 'continue';
      }
      // Changes that waited for this run (their flush found it running) go now.
      if (await hasPending(db, workspaceId)) await jobs.send(syncFlushJob, { workspaceId });
      // Customers it linked may be waiting for their tags' lists.
      await wakeTagLists(db, jobs, workspaceId);
    },
    work,
  );

  await jobs.work(
    syncFlushJob,
    async ({ workspaceId }, { signal }) => {
      const until = Date.now() + SLICE_BUDGET_MS;
      let pulled = false;
      // Types whose archives wait for nothing this flush can do (the type is not pushed now).
      const idle = new Set<string>();
      while (!signal.aborted && Date.now() < until) {
        // The first type in push order with changes (or propagated deletes) waiting: companies
        // go before the contacts and deals whose associations need them.
        let rows: Awaited<ReturnType<typeof readPending>> = [];
        let objectType = '';
        for (const type of FLUSHED_TYPES) {
          rows = await readPending(db, workspaceId, type, BATCH_SIZE);
          if (rows.length > 0 || (!idle.has(type) && (await hasPendingArchives(db, workspaceId, type)))) {
            objectType = type;
            break;
          }
        }
        if (objectType === '') return;
        // Disconnected (or the credentials were refused): the changes stay parked, no HubSpot
        // call is made; connecting again wakes a flush (HubSpotGateway.onConnected).
        if (!(await connected(db, workspaceId))) return;
        const running = await findRunningRun(db, workspaceId);
        if (running) {
          // A Sync now run holds the workspace: it pushes these too; its job sends a flush when
          // done. An on-change run is only ever run by a flush holding this one's key, so one
          // found running was left by a flush whose process died (SIGKILL): ended as
          // interrupted once its process is known dead, it no longer blocks the workspace.
          if ((running.trigger !== 'on_change' && running.trigger !== 'pull') || !(await push.endIfDead(running))) return;
          // A batch the dead process still had in flight lands before the same customers go again.
          await sleepUnlessAborted(DEAD_RUN_SETTLE_MS, signal);
          continue;
        }
        // Two-way: a push sends whole records, so HubSpot's changes come in first (one search per
        // pulled type when nothing changed there), or the push would overwrite them with older
        // local values. Before the first reconcile began the pull, two-way has not started.
        if (pull && !pulled && (await pullStarted(db, workspaceId))) {
          pulled = true;
          const summary = await pullOnItsOwn({ push, pull }, workspaceId, ON_CHANGE_ACTOR, () => signal.aborted || Date.now() >= until);
          if (summary?.paused || summary?.superseded || summary?.cancelled) return signal.aborted ? undefined : 'continue';
          if (summary === null && (await findRunningRun(db, workspaceId))) continue;
        }
        const run = await push.pushRecords(objectType, workspaceId, rows.map((r) => r.record_id), ON_CHANGE_ACTOR);
        if (!run && rows.length === 0) idle.add(objectType);
        // Credentials refused, HubSpot unreachable: keep the changes, try again later.
        if (run && run.status !== 'succeeded') throw new Error(`The on-change push stopped: ${run.error ?? run.status}`);
        await deletePendingIfUnchanged(db, rows);
        if (objectType === 'contacts' && run) await wakeTagLists(db, jobs, workspaceId);
      }
      return 'continue';
    },
    work,
  );

  await jobs.work(syncFlushSweepJob, async () => {
    // Only changes their own wake-up should have pushed by now: a burst in progress is left to its flush.
    const waiting = new Set<string>();
    for (const type of FLUSHED_TYPES) for (const workspaceId of await workspacesWithPending(db, type, clock.now() - SWEEP_MIN_AGE_MS)) waiting.add(workspaceId);
    for (const workspaceId of await workspacesWithPendingArchives(db, clock.now() - SWEEP_MIN_AGE_MS)) waiting.add(workspaceId);
    for (const workspaceId of waiting) {
      if (await connected(db, workspaceId)) await jobs.send(syncFlushJob, { workspaceId });
    }
  });
  await jobs.schedule(syncFlushSweepJob, '* * * * *', {});

  await jobs.work(
    syncPullJob,
    async ({ workspaceId }, { signal }) => {
      if (!pull || !(await connected(db, workspaceId))) return;
      // A run holds the workspace (a person's or the schedule's pulls first itself); the next
      // tick asks again. A pull run whose process died no longer does.
      const running = await findRunningRun(db, workspaceId);
      if (running && !(running.trigger === 'pull' && (await push.endIfDead(running)))) return;
      const until = Date.now() + SLICE_BUDGET_MS;
      const summary = await pullOnItsOwn({ push, pull }, workspaceId, POLL_ACTOR, () => signal.aborted || Date.now() >= until);
      // Changes that waited while this pull's run held the workspace go now.
      if (await hasPending(db, workspaceId)) await jobs.send(syncFlushJob, { workspaceId });
      return summary?.paused && !signal.aborted ? 'continue' : undefined;
    },
    work,
  );

  // Two-way: HubSpot's webhooks are read by their own jobs (./pull/webhook-pull.ts).
  if (pull) await workWebhookJobs({ db, clock, jobs, pull, push }, work);

  await jobs.work(syncTickJob, async (_tick, { createdAt }) => {
    await sendDueReconciles({ db, jobs, clock }, createdAt);
    if (pull) await sendDuePulls({ db, jobs, clock }, createdAt);
  });
  await jobs.work(syncScheduledJob, async ({ workspaceId }) => {
    // Disconnected or the schedule turned off since the tick: the firing is dropped.
    if (!(await connected(db, workspaceId))) return;
    if ((await readSyncSettings(db, workspaceId)).reconcileSchedule === null) return;
    try {
      await push.start(workspaceId, { kind: 'schedule', actor: SCHEDULE_ACTOR });
    } catch (error) {
      // A run already going (whoever started it) does the reconcile's work.
      if (isAppError(error) && (error.code === 'SYNC_ALREADY_RUNNING' || error.code === 'HUBSPOT_NOT_CONNECTED')) return;
      throw error;
    }
  });
  await jobs.schedule(syncTickJob, '* * * * *', {});
}
