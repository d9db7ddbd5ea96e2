// The push engine, one for every object type: a run pushes every record whose status calls for
// it (Not synced, Needs update, Error, Outdated) in batches of up to 100 through the
// rate-governed client, one object type after another in the registry's order
// (./objects/index.ts), each type's propagated deletes first (./archive-deletions.ts). What
// differs between types — the table, the key, the mapping, how outcomes are stored — is the
// type's adapter (./objects/object-adapter.ts); a batch's calls and the isolation of refused
// records are in ./push-batch.ts.
//
// Run states (sync_runs.status):
//   running      owned by one process, which heartbeats after every batch;
//   succeeded    every planned customer was attempted (some may have ended as Error);
//   failed       stopped early by something that affects all records (credentials refused,
//                daily limit reached, HubSpot unreachable after retries);
//   cancelled    an operator asked it to stop; finished batches stay done;
//   interrupted  its process died (found by a stale heartbeat or at start-up).
// Allowed moves (RUN_TRANSITIONS, ./run-types.ts): running → succeeded | failed | cancelled |
// interrupted. Nothing leaves the final states; a new run starts fresh from the stored statuses.
//
// A running run's phase (sync_runs.phase) says what it is doing:
//   queued       its `sync.push` job waits for a worker (just started, or between slices, or
//                handed back): no process owns it, so it is never taken for interrupted; a
//                cancel ends it at once, and a job that fails for good ends it failed;
//   pulling      with two-way sync on, a process brings HubSpot's changes in first (the run's
//                inbound counts grow page by page; a cancel stops it after the page);
//   planning     a process took it over; pushing: batches are going out; done: it ended.
// A pull made on its own (a poll, the one an on-change push makes first) is a run too, with
// trigger `pull`, but only once it changed something (`recordPull`): it goes pulling → done.
//
// Why it cannot duplicate or lie: new records are written with batch upsert keyed by the
// adapter's key (email for contacts), so a batch replayed after a crash matches the records it
// already created; a record is marked Synced only from the hash of the values HubSpot accepted,
// compared with the hash of its values now, so an edit made while its batch was in flight
// leaves it Needs update.
//
// Only what changed: in a two-way workspace, an update of a linked record whose merge base
// (`synced_values`) is known sends only the properties that differ from the base — none, and no
// call is made — so a HubSpot edit to another property since the last pull is not overwritten.
// Creates, and records without a base, send everything. On success the base becomes the old one
// with the accepted properties over it.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/index.js';
import { isHubSpotApiError, type HubSpotClient } from '../hubspot/index.js';
import { missingScopesFor, type HubSpotGateway, type SyncedObjectType } from '../integration/index.js';
import { AppError, newId, type Clock } from '../lib/index.js';
import type { Db, RunPhase, SyncAttemptRow, SyncRunObjectRow, SyncRunRow } from '../store/index.js';
import {
  attemptLabel,
  countRunAttempts,
  countRunObject,
  findConnection,
  findLatestRun,
  findRun,
  findRunById,
  findRunningRun,
  insertAttempts,
  insertRun,
  insertRunObjects,
  interruptRun,
  interruptStaleRuns,
  isUniqueViolation,
  lockWorkspaceForRunStart,
  NO_INBOUND_COUNTS,
  saveRunProgress,
  setRunPhase,
  updateRun,
  updateRunIfRunning,
} from '../store/index.js';
import { archivePendingDeletions, hasPendingArchives } from './archive-deletions.js';
import { changedProperties, recordHash } from './field-mapping.js';
import { adapterFor, OBJECT_ADAPTERS, type ObjectAdapter, type PushSuccess } from './objects/index.js';
import { BATCH_SIZE, pushBatch, type ItemOutcome, type PushItem } from './push-batch.js';
import { dedupCustomers } from './dedup.js';
import type { RunTrigger } from './run-trigger.js';
import { assertRunTransition, type PullRunLog, type RunStatus } from './run-types.js';
import { NO_SYNC_METRICS, type SyncMetrics } from './sync-metrics.js';
import { readSyncSettings } from './sync-settings.js';
import { PUSHABLE_STATUSES } from './sync-status.js';
import type { WebhookEmitter } from '../webhooks/index.js';

export { BATCH_SIZE, inputsNamedByError, type ItemOutcome, type PushItem } from './push-batch.js';
/**
 * Batches in flight at once per run. A batch's turn is its call (80–250 ms) plus recording it
 * in the database, which on a busy machine takes as long again; 8 would keep a 19 requests/s
 * portal busy through that, and the portal's shared rate budget keeps the total within its
 * limits. 10, because a run's first ten calls set its end on a rate-limited portal: each of
 * the last ten calls of a 200-call run waits for one of the first ten's slots to free, a window
 * after its response. With ten workers those ten go out as soon as the first two pages are
 * read, instead of two of them waiting for a call and its recording to finish first.
 */
export const BATCHES_IN_FLIGHT = 10;
const HEARTBEAT_STALE_MS = 60_000;
/**
 * How long a finished run answers Sync now in its place. A burst of clicks (or a retrying
 * client) must not start run after run when each finishes in milliseconds: a Sync now that
 * arrives less than this after the newest run ended `succeeded`, while nothing became pending
 * since that run started (see hasWorkSince), gets that run back instead of a new one.
 */
export const RECENT_RUN_MS = 10_000;
/** How long a run that runs in this process waits before pulling again when another pull held the workspace. */
const PULL_RETRY_MS = 1_000;

const FINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

export interface PushEngineDeps {
  db: Db;
  clock: Clock;
  gateway: HubSpotGateway;
  /** Identifies this process as a run owner. */
  owner?: string;
  /**
   * Hands a new run to the job queue instead of running it in this process (src/sync/sync-jobs.ts);
   * whichever process takes the job calls `resume`. Without it, `start` runs the engine here.
   */
  dispatch?: (run: SyncRunRow) => Promise<void>;
  /** The object types a run pushes, in order; by default every registered one (./objects/index.ts). */
  adapters?: readonly ObjectAdapter[];
  /** Brings HubSpot's changes in before a run pushes (two-way sync); without it runs only push. */
  pull?: RunPull;
  /** Told of the records each batch recorded and of each run that ends (GET /metrics). */
  metrics?: SyncMetrics;
  /** Webhooks out: `run.finished`, `customer.synced` and `customer.sync_failed` are recorded in the transactions that end a run and record a batch. */
  events?: WebhookEmitter;
}

/** The `run.finished` event's data: the run as it ended. */
export function runFinishedData(run: SyncRunRow): Record<string, unknown> {
  return {
    runId: run.id,
    status: run.status,
    trigger: run.trigger,
    startedAt: new Date(Number(run.started_at)).toISOString(),
    finishedAt: run.finished_at === null ? null : new Date(Number(run.finished_at)).toISOString(),
    processed: run.processed,
    created: run.created,
    updated: run.updated,
    failed: run.failed,
    pulled: run.pulled,
    conflicts: run.conflicts,
    error: run.error,
  };
}

/**
 * A run's pull (./pull-runs.ts): whether the run still has to pull before it pushes, and one
 * slice of that pull, recorded on the run — 'paused' when the slice ended, or another pull held
 * the workspace, with more to read.
 */
export interface RunPull {
  pending(db: Db, run: SyncRunRow): Promise<boolean>;
  pull(run: SyncRunRow, shouldPause: () => boolean): Promise<'done' | 'paused'>;
}

/** True when `owner` names a process on this machine that no longer exists. */
export function ownerIsGone(owner: string, host = hostname()): boolean {
  const [ownerHost, pid] = owner.split(':');
  if (ownerHost !== host || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Hands out the run's batches in id order, one caller at a time: keyset pages of pushable ids,
 * a page of BATCHES_IN_FLIGHT batches at a time, the next one loaded in the background once half
 * of the current one is handed out (so the batches in flight never wait for a page). The first
 * page is one batch, so the run's first call does not wait for eight batches to be read and
 * hashed (up to half a second in a process already pushing another run): on a rate-limited
 * portal the run cannot end sooner than a window after its first call. Before each page it
 * checks whether the run was cancelled; between pages the run's progress writes tell it
 * (`stop`), each one reading the cancel back.
 */
class BatchSource {
  #after: string | undefined;
  #ready: PushItem[][] = [];
  #exhausted = false;
  #loading: Promise<void> | undefined;
  #turn: Promise<unknown> = Promise.resolve();
  cancelled = false;
  /** Why the run was asked to stop, when the asker said (a disconnect does). */
  cancelReason: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    private readonly runId: string,
    private readonly adapter: ObjectAdapter,
    private readonly mapping: unknown,
    /** Two-way sync is on: a linked record with a base sends only what differs from it. */
    private readonly onlyChanges: boolean,
    /** Records this run already saw fail are not retried when it resumes (another slice, another process). */
    private readonly failedSince: number,
    /** Only these records (an on-change batch) instead of every pushable one. */
    private readonly onlyIds?: readonly string[],
  ) {}

  /** The next batch, or null when there is none left or the run was cancelled. */
  next(): Promise<PushItem[] | null> {
    const result = this.#turn.then(() => this.#take());
    this.#turn = result.catch(() => undefined);
    return result;
  }

  /** The run was asked to stop: no batch is handed out any more. */
  stop(reason: string | null): void {
    this.cancelled = true;
    this.cancelReason = reason;
  }

  async #take(): Promise<PushItem[] | null> {
    while (!this.cancelled) {
      const batch = this.#ready.shift();
      if (batch) {
        if (this.#ready.length < BATCHES_IN_FLIGHT / 2) this.#loadAhead();
        return batch;
      }
      if (this.#exhausted) return null;
      this.#loadAhead();
      await this.#loading;
    }
    return null;
  }

  /** Starts loading the next page unless one is loading or none is left; `#loading` rejects with its error. */
  #loadAhead(): void {
    if (this.#loading !== undefined || this.#exhausted || this.cancelled) return;
    const loading = this.#loadPage().finally(() => {
      if (this.#loading === loading) this.#loading = undefined;
    });
    // Observed here so a page nobody waits for any more (the run stopped) is no unhandled
    // rejection; whoever awaits `#loading` still gets the error.
    loading.catch(() => undefined);
    this.#loading = loading;
  }

  async #loadPage(): Promise<void> {
    const run = await findRun(this.db, this.workspaceId, this.runId);
    if (run?.cancel_requested) {
      this.stop(run.error);
      return;
    }
    await this.#load();
  }

  async #load(): Promise<void> {
    const size = this.#after === undefined ? BATCH_SIZE : BATCH_SIZE * BATCHES_IN_FLIGHT;
    const ids = await this.adapter.pageIds(this.db, this.workspaceId, PUSHABLE_STATUSES, this.#after, size, this.onlyIds);
    if (ids.length === 0) {
      this.#exhausted = true;
      return;
    }
    this.#after = ids.at(-1);
    const records = await this.adapter.load(this.db, this.workspaceId, ids);
    const items = records
      .filter((record) => !(record.status === 'error' && (record.lastAttemptAt ?? 0) >= this.failedSince))
      .map((record): PushItem => {
        const properties = this.adapter.properties(record.record, this.mapping);
        const base = this.onlyChanges && record.hubspotId !== null ? (record.base ?? null) : null;
        return {
          record,
          properties,
          changed: base === null ? null : changedProperties(properties, base),
          hash: recordHash(properties, this.adapter.links?.(record.record)),
          warning: this.adapter.warning?.(record.record, this.mapping) ?? null,
        };
      });
    for (let i = 0; i < items.length; i += BATCH_SIZE) this.#ready.push(items.slice(i, i + BATCH_SIZE));
  }
}

export class PushEngine {
  readonly #deps: PushEngineDeps;
  readonly #owner: string;
  readonly #adapters: readonly ObjectAdapter[];
  readonly #active = new Map<string, Promise<unknown>>();
  readonly #metrics: SyncMetrics;

  constructor(deps: PushEngineDeps) {
    this.#deps = deps;
    this.#metrics = deps.metrics ?? NO_SYNC_METRICS;
    this.#adapters = deps.adapters ?? OBJECT_ADAPTERS;
    this.#owner = deps.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Marks runs whose process is gone as interrupted (all but this process's when `allOthers`). */
  async recoverInterruptedRuns(allOthers: boolean): Promise<number> {
    const now = this.#deps.clock.now();
    return interruptStaleRuns(this.#deps.db, { heartbeatBefore: now - HEARTBEAT_STALE_MS, ...(allOthers ? { orOwnerNot: this.#owner } : {}), now });
  }

  /**
   * Ends `run` as interrupted when the process that owns it is dead: gone from this machine
   * (its pid no longer exists), or silent past the heartbeat staleness. Returns whether it did.
   * The on-change flush calls this for an on-change run it finds running: that run's own flush
   * would otherwise leave it `running` for good, and every later flush would wait behind it.
   */
  async endIfDead(run: SyncRunRow): Promise<boolean> {
    const now = this.#deps.clock.now();
    if (run.status !== 'running' || run.owner === this.#owner) return false;
    if (!ownerIsGone(run.owner) && run.heartbeat_at >= now - HEARTBEAT_STALE_MS) return false;
    return interruptRun(this.#deps.db, run.id, run.owner, { now, error: 'The process running this sync stopped before it finished; the next run picks up where it left off.' });
  }

  /**
   * Starts a run in the background and returns it (`joined: false`). A start while one runs
   * gets SYNC_ALREADY_RUNNING with the running run's id. A start that arrives less than
   * RECENT_RUN_MS after the newest run succeeded, with nothing pending since that run began,
   * gets that run back (`joined: true`) instead of starting another. Starts for one workspace
   * are decided one at a time (a workspace lock), so a burst of clicks starts one run.
   */
  async start(workspaceId: string, trigger: { kind: RunTrigger; actor: Actor }): Promise<{ run: SyncRunRow; joined: boolean }> {
    await this.#deps.gateway.clientFor(workspaceId); // fails early when not connected
    await interruptStaleRuns(this.#deps.db, { heartbeatBefore: this.#deps.clock.now() - HEARTBEAT_STALE_MS, now: this.#deps.clock.now() });
    const started = await this.#deps.db.transaction().execute(async (trx) => {
      await lockWorkspaceForRunStart(trx, workspaceId);
      const running = await findRunningRun(trx, workspaceId);
      // A queued run has no process yet: its starter's pid says nothing about it.
      if (running && running.phase !== 'queued' && ownerIsGone(running.owner)) {
        await updateRun(trx, running.id, { status: 'interrupted', finished_at: this.#deps.clock.now(), error: 'The process running this sync stopped before it finished; the next run picks up where it left off.' });
      } else if (running) {
        throw new AppError('SYNC_ALREADY_RUNNING', `A sync is already running (started ${new Date(running.started_at).toISOString()} by ${running.started_by}).`, { runId: running.id });
      }
      const latest = await findLatestRun(trx, workspaceId);
      const now = this.#deps.clock.now();
      // A pull run (a poll's) pushed nothing: it never answers for a Sync now.
      if (
        latest?.status === 'succeeded' &&
        latest.trigger !== 'pull' &&
        latest.finished_at !== null &&
        now - latest.finished_at < RECENT_RUN_MS &&
        !(await this.#hasWorkSince(trx, workspaceId, latest.started_at)) &&
        // Two-way: HubSpot was not pulled to the end since it started (two-way just turned on).
        !(await this.#deps.pull?.pending(trx, latest))
      ) {
        return { run: latest, joined: true };
      }
      return { run: await this.#insertRun(trx, workspaceId, trigger), joined: false };
    });
    if (started.joined) return started;
    const run = started.run;
    if (this.#deps.dispatch) {
      // Sent after the run row is committed, so whichever process takes the job finds it.
      try {
        await this.#deps.dispatch(run);
      } catch (error) {
        await this.#finish(run, 'failed', 'The sync could not be queued.');
        throw error;
      }
      return started;
    }
    const done = this.#runHere(run).finally(() => this.#active.delete(run.id));
    this.#active.set(run.id, done);
    return started;
  }

  async #hasWorkSince(db: Db, workspaceId: string, since: number): Promise<boolean> {
    for (const { adapter, note } of await this.typesFor(db, workspaceId)) if (note === null && (await adapter.hasWorkSince(db, workspaceId, PUSHABLE_STATUSES, since))) return true;
    return false;
  }

  /**
   * The workspace's object types in push order, each with why a run leaves it out (null when
   * it is pushed): turned off in the sync settings (no note is kept for those), or scopes the
   * connection lacks (named, so the run's summary says what to grant).
   */
  async typesFor(db: Db, workspaceId: string): Promise<{ adapter: ObjectAdapter; note: string | null }[]> {
    const settings = await readSyncSettings(db, workspaceId);
    const connection = await findConnection(db, workspaceId);
    const granted = connection ? (JSON.parse(connection.scopes) as string[]) : null;
    const types: { adapter: ObjectAdapter; note: string | null }[] = [];
    for (const adapter of this.#adapters) {
      if (adapter.setting !== undefined && !settings[adapter.setting]) continue;
      const missing = granted === null ? [] : missingScopesFor(adapter.objectType as SyncedObjectType, granted);
      types.push({ adapter, note: missing.length === 0 ? null : `Not pushed: the HubSpot connection lacks ${missing.join(', ')}. Reconnect HubSpot granting them.` });
    }
    return types;
  }

  /**
   * Inserts a running run owned by this process, with its plan per object type
   * (sync_run_objects); `only` gives the one type and ids it is limited to (an on-change push).
   */
  async #insertRun(db: Db, workspaceId: string, trigger: { kind: RunTrigger; actor: Actor }, only?: { adapter: ObjectAdapter; ids: readonly string[] }): Promise<SyncRunRow> {
    const id = newId('run', this.#deps.clock);
    const planned: SyncRunObjectRow[] = [];
    const plan = (objectType: string, counts: { total: number; skipped: number }, note: string | null): void => {
      planned.push({ run_id: id, object_type: objectType, ...counts, processed: 0, created: 0, updated: 0, failed: 0, note });
    };
    if (only) {
      plan(only.adapter.objectType, { total: only.ids.length, skipped: 0 }, null);
    } else {
      for (const { adapter, note } of await this.typesFor(db, workspaceId)) {
        const counts = await adapter.countByStatus(db, workspaceId);
        plan(adapter.objectType, { total: note === null ? PUSHABLE_STATUSES.reduce((sum, s) => sum + counts[s], 0) : 0, skipped: counts.duplicate + counts.no_email }, note);
      }
    }
    const run = this.#runRow(id, workspaceId, trigger, {
      // A run sent to the job queue waits for a worker; one run here (CLI, on-change) plans at once.
      phase: this.#deps.dispatch && !only ? 'queued' : 'planning',
      total: planned.reduce((sum, p) => sum + p.total, 0),
      skipped: planned.reduce((sum, p) => sum + p.skipped, 0),
    });
    await insertRun(db, run);
    await insertRunObjects(db, planned);
    return run;
  }

  /** A new running run owned by this process, its counters at zero but those given. */
  #runRow(id: string, workspaceId: string, trigger: { kind: RunTrigger; actor: Actor }, start: { phase: RunPhase; total: number; skipped: number }): SyncRunRow {
    const now = this.#deps.clock.now();
    return {
      id,
      workspace_id: workspaceId,
      status: 'running',
      trigger: trigger.kind,
      started_by: trigger.actor.label,
      owner: this.#owner,
      started_at: now,
      heartbeat_at: now,
      ...NO_INBOUND_COUNTS,
      finished_at: null,
      ...start,
      processed: 0,
      created: 0,
      updated: 0,
      failed: 0,
      api_calls: 0,
      cancel_requested: 0,
      error: null,
    };
  }

  /**
   * Records a pull made on its own — a poll, the pull an on-change push makes first (trigger
   * `pull`), the reads a webhook asked for (`webhook`) — as a run inserted by the pull with its
   * first page that changes something locally, so a pull that changes nothing leaves no run
   * (`pull` passes `log` on to PullEngine.pull or pullByIds, as often as it likes: the run is
   * inserted once). The run ends with `pull`: succeeded (a paused pull too: the next one carries
   * on from the checkpoint, as a run of its own if it changes anything), cancelled when asked to,
   * failed with what stopped it (the error is rethrown). Null when a run started meanwhile and
   * this pull stepped aside: that run pulls itself.
   *
   * @example await push.recordPull(workspaceId, { kind: 'pull', actor }, (log) => pull.pull(workspaceId, { log }));
   */
  async recordPull<T>(workspaceId: string, trigger: { kind: RunTrigger; actor: Actor }, pull: (log: PullRunLog) => Promise<T>): Promise<T | null> {
    const { db } = this.#deps;
    const id = newId('run', this.#deps.clock);
    const begin = async (trx: Db): Promise<void> => {
      if (!(await findRun(trx, workspaceId, id))) await insertRun(trx, this.#runRow(id, workspaceId, trigger, { phase: 'pulling', total: 0, skipped: 0 }));
    };
    let result: T;
    try {
      result = await pull({ id, begin });
    } catch (error) {
      // The one-running-run index refused the pull's run: another run holds the workspace.
      if (isUniqueViolation(error) && !(await findRun(db, workspaceId, id)) && (await findRunningRun(db, workspaceId))) return null;
      const run = await findRun(db, workspaceId, id);
      if (run?.status === 'running') await this.#endOnError(run, error).catch(() => undefined);
      throw error;
    }
    const run = await findRun(db, workspaceId, id);
    if (run?.status === 'running') await this.#finish(run, run.cancel_requested ? 'cancelled' : 'succeeded', run.cancel_requested ? run.error : null);
    return result;
  }

  /** Resolves when the run finishes (for the CLI and tests). */
  async wait(runId: string): Promise<void> {
    await this.#active.get(runId);
  }

  /**
   * Runs a run that is still `running` in this process — a run sent as a job, or one whose job
   * was handed back or taken over after its process died — until it ends or `shouldPause`
   * says to stop (a slice's budget spent, the queue stopping). Pushing starts again from the
   * stored statuses: what earlier slices recorded as Synced is not pending any more, and what
   * this run already saw fail is skipped. Returns 'paused' when the run is still running.
   */
  async resume(workspaceId: string, runId: string, shouldPause: () => boolean): Promise<'ended' | 'paused'> {
    const { db, clock } = this.#deps;
    let run = await findRun(db, workspaceId, runId);
    if (!run || run.status !== 'running') return 'ended';
    // Two-way: HubSpot's changes come in first (recorded on the run), so the push sends the
    // merged values. Conditional: a queued run cancelled meanwhile stays cancelled.
    if (this.#deps.pull && (await this.#deps.pull.pending(db, run))) {
      if (!(await setRunPhase(db, run.id, 'pulling', { owner: this.#owner, heartbeat_at: clock.now() }))) return 'ended';
      let pulled: 'done' | 'paused';
      try {
        pulled = await this.#deps.pull.pull(run, shouldPause);
      } catch (error) {
        return this.#endOnError(run, error);
      }
      // Read again: the pull added its counts and API calls to the row, or a cancel came.
      run = await findRun(db, workspaceId, runId);
      if (!run || run.status !== 'running') return 'ended';
      if (run.cancel_requested) {
        await this.#finish(run, 'cancelled', run.error);
        return 'ended';
      }
      if (pulled === 'paused') {
        await setRunPhase(db, run.id, 'queued');
        return 'paused';
      }
    }
    // Taken over from another process: the counters carry on from the recorded attempts, since
    // a process killed between recording a batch and writing the run's counters would otherwise
    // leave that batch uncounted. (This process's own earlier slice left them exact.)
    const counters = run.owner === this.#owner ? {} : await countRunAttempts(db, workspaceId, run.id);
    // Conditional: a queued run cancelled meanwhile stays cancelled, and nothing is sent.
    if (!(await setRunPhase(db, run.id, 'planning', { owner: this.#owner, heartbeat_at: clock.now(), ...counters }))) return 'ended';
    const outcome = await this.#execute({ ...run, ...counters, owner: this.#owner }, shouldPause);
    // Paused (slice spent, handed back, timed out): it waits for its job to be taken again.
    if (outcome === 'paused') await setRunPhase(this.#deps.db, run.id, 'queued');
    return outcome;
  }

  /** Runs a run started here (no job queue: the CLI) to its end; a pull another pull held up is tried again. */
  async #runHere(run: SyncRunRow): Promise<void> {
    while ((await this.resume(run.workspace_id, run.id, () => false)) === 'paused') await this.#deps.clock.sleep(PULL_RETRY_MS);
  }

  /**
   * Ends a running run as failed with `reason` (its job failed for good: no attempt left).
   * False when it had already ended.
   */
  async failRun(runId: string, reason: string): Promise<boolean> {
    const finishedAt = this.#deps.clock.now();
    const failed = await updateRunIfRunning(this.#deps.db, runId, { status: 'failed', phase: 'done', finished_at: finishedAt, error: reason });
    if (failed) {
      const run = await findRunById(this.#deps.db, runId);
      if (run) this.#metrics.runEnded(run, 'failed', finishedAt);
      if (run) await this.#deps.events?.emit(this.#deps.db, run.workspace_id, [{ type: 'run.finished', data: runFinishedData(run) }]);
    }
    return failed;
  }

  /**
   * Pushes the given records of one object type (those of them still pushable) as one run with
   * trigger `on_change`, in this process, after the type's pending archives, and returns the
   * finished run — or null when none of them is pushable any more and no archive waits, or the
   * type is not pushed for the workspace. SYNC_ALREADY_RUNNING when another run is running for the workspace.
   *
   * @example await push.pushRecords('contacts', workspaceId, changedCustomerIds, actor)
   */
  async pushRecords(objectType: string, workspaceId: string, ids: readonly string[], actor: Actor): Promise<SyncRunRow | null> {
    const adapter = adapterFor(objectType, this.#adapters);
    // A type turned off, or whose scopes the connection lacks, is not pushed (a Sync now run says why).
    if (!(await this.typesFor(this.#deps.db, workspaceId)).some((t) => t.adapter === adapter && t.note === null)) return null;
    const pushable = await adapter.pageIds(this.#deps.db, workspaceId, PUSHABLE_STATUSES, undefined, ids.length, ids);
    if (pushable.length === 0 && !(await hasPendingArchives(this.#deps.db, workspaceId, objectType))) return null;
    let run: SyncRunRow;
    try {
      run = await this.#insertRun(this.#deps.db, workspaceId, { kind: 'on_change', actor }, { adapter, ids: pushable });
    } catch (error) {
      const running = await findRunningRun(this.#deps.db, workspaceId);
      if (running) throw new AppError('SYNC_ALREADY_RUNNING', 'A sync is already running.', { runId: running.id });
      throw error;
    }
    await this.#execute(run, () => false, { adapter, ids: pushable });
    return (await findRun(this.#deps.db, workspaceId, run.id))!;
  }

  async cancel(workspaceId: string, runId: string): Promise<SyncRunRow> {
    const run = await findRun(this.#deps.db, workspaceId, runId);
    if (!run) throw new AppError('NOT_FOUND', 'Sync run was not found.');
    if (run.status !== 'running') throw new AppError('CONFLICT', `This run is already ${run.status}.`);
    // Still waiting for a worker: it ends now; its job, when taken, finds it ended.
    const ended = { status: 'cancelled', phase: 'done', finished_at: this.#deps.clock.now(), cancel_requested: 1 } as const;
    if (run.phase === 'queued' && (await updateRunIfRunning(this.#deps.db, runId, ended, 'queued'))) {
      this.#metrics.runEnded(run, 'cancelled', ended.finished_at);
      return { ...run, ...ended };
    }
    await updateRun(this.#deps.db, runId, { cancel_requested: 1 });
    return { ...run, cancel_requested: 1 };
  }

  async #finish(run: SyncRunRow, status: RunStatus, error: string | null): Promise<void> {
    assertRunTransition('running', status);
    const finishedAt = this.#deps.clock.now();
    const events = this.#deps.events;
    if (events) {
      // The run's end and its `run.finished` event are one commit.
      await this.#deps.db.transaction().execute(async (trx) => {
        await updateRun(trx, run.id, { status, phase: 'done', finished_at: finishedAt, error });
        const ended = await findRunById(trx, run.id);
        if (ended) await events.emit(trx, run.workspace_id, [{ type: 'run.finished', data: runFinishedData(ended) }]);
      });
    } else await updateRun(this.#deps.db, run.id, { status, phase: 'done', finished_at: finishedAt, error });
    if (status !== 'running') this.#metrics.runEnded(run, status, finishedAt);
  }

  /**
   * Pushes the run's object types one after another (or only `only`: an on-change push). A
   * resumed run starts again at the first type: what earlier slices finished is not pending any
   * more, so it costs a query per type.
   */
  async #execute(run: SyncRunRow, shouldPause: () => boolean = () => false, only?: { adapter: ObjectAdapter; ids: readonly string[] }): Promise<'ended' | 'paused'> {
    const { db, gateway, clock } = this.#deps;
    const workspaceId = run.workspace_id;
    // A resumed run counts on from what its earlier slices recorded.
    let apiCalls = run.api_calls;
    const stopCounting = gateway.onTaggedCall(run.id, () => {
      apiCalls++;
    });
    const counters = { processed: run.processed, created: run.created, updated: run.updated, failed: run.failed };
    let source: BatchSource | undefined;
    // Progress is written after every recorded batch without holding the batch's worker up.
    // Writes are chained, so a slower write never overwrites a newer count, and coalesced: while
    // one is waiting to go, more batches only make it carry newer counters. Each write reads the
    // run's cancel back (see BatchSource). A write that fails stops the run like any error.
    let progress: Promise<void> = Promise.resolve();
    let progressQueued = false;
    let progressError: { error: unknown } | undefined;
    const saveProgress = (): void => {
      if (progressQueued || progressError) return;
      progressQueued = true;
      progress = progress
        .then(async () => {
          progressQueued = false;
          const state = await saveRunProgress(db, run.id, { ...counters, api_calls: apiCalls, heartbeat_at: clock.now(), total: Math.max(run.total, counters.processed) });
          if (state?.cancelRequested) source?.stop(state.reason);
        })
        .catch((error: unknown) => {
          progressError = { error };
        });
    };
    try {
      const client = await gateway.clientFor(workspaceId);
      // The first calls' rate slots are reserved while the run reads what it needs (a run's end
      // on a rate-limited portal follows its first ten calls): a head start of up to one call
      // per batch in flight, handed back after a second if nothing calls.
      const left = Math.ceil(Math.max(0, (only?.ids.length ?? run.total) - run.processed) / BATCH_SIZE);
      client.governor.prime?.(Math.min(BATCHES_IN_FLIGHT, left));
      let ended: { paused: boolean; cancelReason?: string | null } = { paused: false };
      const [, types, { twoWay }] = await Promise.all([
        updateRun(db, run.id, { phase: 'pushing' }),
        only ? [only.adapter] : this.typesFor(db, workspaceId).then((all) => all.flatMap((t) => (t.note === null ? [t.adapter] : []))),
        readSyncSettings(db, workspaceId),
      ]);
      // The same person created on both sides within the window becomes one record (./dedup.ts)
      // before contacts are pushed: a run of all types only, an on-change push has its own ids.
      if (!only && types.some((t) => t.objectType === 'contacts')) await dedupCustomers({ db, clock, client, workspaceId, tag: run.id, events: this.#deps.events });
      for (const adapter of types) {
        // Records deleted locally whose deletion is propagated (archive-deletions.ts) go first;
        // the mapping is read meanwhile.
        const [, mapping] = await Promise.all([archivePendingDeletions({ db, clock, client, workspaceId, runId: run.id, metrics: this.#metrics }, adapter), adapter.mapping(db, workspaceId)]);
        source = new BatchSource(db, workspaceId, run.id, adapter, mapping, twoWay, run.started_at, only?.ids);
        // The type's set-up (its key property, say) waits for its first batch: a type with
        // nothing to push costs no call, which keeps an idle reconcile to its pull's search.
        let begun: Promise<void> | undefined;
        const begin = (): Promise<void> => (begun ??= Promise.resolve(adapter.begin?.({ db, client, workspaceId, tag: run.id })));
        const pushing = this.#pushType(run, client, adapter, source, begin, shouldPause, (batch, outcomes) => {
          if (progressError) throw progressError.error;
          counters.processed += batch.length;
          for (const outcome of outcomes) {
            if (outcome.kind === 'failure') counters.failed++;
            else if (outcome.operation === 'create') counters.created++;
            else counters.updated++;
          }
          saveProgress();
        });
        // The type's summary is counted from its recorded attempts, however the type ended.
        ended = await pushing.finally(() => countRunObject(db, workspaceId, run.id, adapter.objectType));
        if (ended.paused || ended.cancelReason !== undefined) break;
      }
      await progress;
      if (progressError) throw progressError.error;
      await updateRun(db, run.id, { ...counters, api_calls: apiCalls, heartbeat_at: clock.now() });
      // Every batch taken was recorded; the run stays running for its next slice.
      if (ended.paused) return 'paused';
      const cancelled = ended.cancelReason !== undefined;
      await this.#finish(run, cancelled ? 'cancelled' : 'succeeded', ended.cancelReason ?? null);
      return 'ended';
    } catch (error) {
      await progress;
      await updateRun(db, run.id, { ...counters, api_calls: apiCalls });
      return this.#endOnError(run, error);
    } finally {
      stopCounting();
    }
  }

  /**
   * Ends a run that `error` stopped (while it pulled or pushed): failed with HubSpot's message or
   * the reason; cancelled with the asker's reason when the credentials were forgotten under a run
   * asked to stop. Rethrows an error that is a bug, once the run is ended.
   */
  async #endOnError(run: SyncRunRow, error: unknown): Promise<'ended'> {
    const { db, gateway } = this.#deps;
    // The credentials were forgotten under the run (disconnect, reconnect): the gateway
    // aborted its calls. Asked to stop, it ends cancelled with the asker's reason.
    const stoppedUnder = isHubSpotApiError(error) ? error.code === 'HUBSPOT_ABORTED' : error instanceof AppError && error.code === 'HUBSPOT_NOT_CONNECTED';
    const latest = stoppedUnder ? await findRun(db, run.workspace_id, run.id) : undefined;
    if (latest?.cancel_requested) {
      await this.#finish(run, 'cancelled', latest.error ?? 'The sync was cancelled.');
      return 'ended';
    }
    const message = stoppedUnder
      ? 'HubSpot was disconnected or reconnected while this sync was running; it stopped without using the old credentials again. Run Sync now again.'
      : error instanceof AppError
        ? error.message
        : isHubSpotApiError(error)
          ? (error.hubspotMessage ?? error.message)
          : 'The sync stopped because of an unexpected error.';
    if (isHubSpotApiError(error) && error.code === 'HUBSPOT_UNAUTHORIZED') await gateway.markCredentialsRefused(run.workspace_id, message);
    await this.#finish(run, 'failed', message);
    if (!(error instanceof AppError) && !isHubSpotApiError(error)) throw error;
    return 'ended';
  }

  /**
   * Pushes one object type's batches until none is left, the run is cancelled (`cancelReason`
   * set, null when the asker gave none) or `shouldPause` says to stop (`paused`). Throws what
   * stops the run.
   */
  async #pushType(
    run: SyncRunRow,
    client: HubSpotClient,
    adapter: ObjectAdapter,
    source: BatchSource,
    /** The adapter's `begin`, run once by whichever worker takes the first batch; the others wait for it. */
    begin: () => Promise<void>,
    shouldPause: () => boolean,
    onRecorded: (batch: PushItem[], outcomes: ItemOutcome[]) => void,
  ): Promise<{ paused: boolean; cancelReason?: string | null }> {
    // A pool of workers, each taking the next batch as soon as its last one is recorded:
    // HubSpot's latency, not its rate limit, would otherwise set the pace. The shared rate
    // governor keeps the total within the portal's limits. When one worker meets an error
    // that stops the run, the others finish and record the batch they hold, then stop.
    let stopping = false;
    let paused = false;
    let exhausted = false;
    const worker = async (): Promise<void> => {
      while (!stopping) {
        if (shouldPause()) {
          paused = true;
          return;
        }
        const batch = await source.next();
        if (!batch) {
          exhausted = true;
          return;
        }
        await begin();
        const outcomes = await pushBatch({ db: this.#deps.db, client, workspaceId: run.workspace_id, tag: run.id }, adapter, batch, this.#deps.clock.now());
        if (adapter.associate) await this.#associate(client, adapter, run, batch, outcomes);
        await this.#record(run, adapter, batch, outcomes);
        onRecorded(batch, outcomes);
      }
    };
    const settled = await Promise.allSettled(
      Array.from({ length: BATCHES_IN_FLIGHT }, () =>
        worker().catch((error: unknown) => {
          stopping = true;
          throw error;
        }),
      ),
    );
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (paused && !exhausted) return { paused: true };
    return source.cancelled ? { paused: false, cancelReason: source.cancelReason } : { paused: false };
  }

  /** The adapter's associations for a batch's accepted records; a record whose links failed becomes a failure that keeps its HubSpot link. */
  async #associate(client: HubSpotClient, adapter: ObjectAdapter, run: SyncRunRow, items: PushItem[], outcomes: ItemOutcome[]): Promise<void> {
    const accepted = items.flatMap((item, i) => {
      const outcome = outcomes[i]!;
      return outcome.kind === 'success' ? [{ record: item.record, hubspotId: outcome.hubspotId }] : [];
    });
    if (accepted.length === 0) return;
    const failed = await adapter.associate!({ db: this.#deps.db, client, workspaceId: run.workspace_id, tag: run.id }, accepted);
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      const message = failed.get(item.record.id);
      if (outcome.kind === 'success' && message !== undefined) outcomes[i] = { kind: 'failure', message, hubspotId: outcome.hubspotId };
    });
  }

  async #record(run: SyncRunRow, adapter: ObjectAdapter, items: PushItem[], outcomes: ItemOutcome[]): Promise<void> {
    const { db, clock } = this.#deps;
    const now = clock.now();
    const attempts: SyncAttemptRow[] = [];
    await db.transaction().execute(async (trx) => {
      const successes: PushSuccess[] = [];
      for (const [i, item] of items.entries()) {
        const outcome = outcomes[i]!;
        const { record } = item;
        if (outcome.kind === 'success') {
          // What was not sent equalled the base: the old base with all of `properties` over it is what both sides hold now.
          successes.push({ id: record.id, hubspotId: outcome.hubspotId, hash: item.hash, properties: { ...record.base, ...item.properties } });
        } else {
          await adapter.recordFailure(trx, run.workspace_id, record.id, { message: outcome.message, at: now, ...(outcome.hubspotId === undefined ? {} : { hubspotId: outcome.hubspotId }) });
        }
        attempts.push({
          id: newId('att', clock),
          run_id: run.id,
          workspace_id: run.workspace_id,
          object_type: adapter.objectType,
          record_id: record.id,
          customer_id: adapter.customerIdOf(record),
          operation: outcome.kind === 'success' ? outcome.operation : record.hubspotId ? 'update' : 'create',
          outcome: outcome.kind === 'success' ? 'success' : 'error',
          message: outcome.kind === 'failure' ? outcome.message : item.warning,
          correlation_id: outcome.correlationId ?? null,
          hubspot_id: outcome.kind === 'success' ? outcome.hubspotId : (outcome.hubspotId ?? record.hubspotId),
          at: now,
          direction: 'push',
          ...attemptLabel(adapter.labelOf(record)),
        });
      }
      // One statement for the batch's successes and their statuses (failures are rare and
      // carry their own message). Statuses are computed from the rows as they are now, so a
      // concurrent edit wins; the failures' and those the adapter could not settle alone (an
      // email another customer shares) are recomputed in full.
      const unsettled = successes.length > 0 ? await adapter.recordSuccesses(trx, run.workspace_id, successes, now) : [];
      await insertAttempts(trx, attempts);
      if (this.#deps.events && adapter.objectType === 'contacts') {
        await this.#deps.events.emit(
          trx,
          run.workspace_id,
          attempts.map((a) =>
            a.outcome === 'success'
              ? { type: 'customer.synced' as const, data: { customerId: a.record_id, hubspotId: a.hubspot_id, operation: a.operation, runId: run.id } }
              : { type: 'customer.sync_failed' as const, data: { customerId: a.record_id, hubspotId: a.hubspot_id, operation: a.operation, runId: run.id, message: a.message } },
          ),
        );
      }
      const failed = items.filter((_, i) => outcomes[i]!.kind === 'failure').map((item) => item.record.id);
      if (failed.length > 0 || unsettled.length > 0) await adapter.refreshStatuses(trx, run.workspace_id, [...failed, ...unsettled]);
    });
    this.#metrics.recordsSynced(attempts);
  }

  isFinal(status: string): boolean {
    return FINAL.has(status as RunStatus);
  }
}
