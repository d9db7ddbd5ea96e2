// A "Sync now" run: pushes every customer whose status calls for it (Not synced, Needs update,
// Error, Outdated) in batches of up to 100 through the rate-governed client.
//
// Run states (sync_runs.status):
//   running      owned by one process, which heartbeats after every batch;
//   succeeded    every planned customer was attempted (some may have ended as Error);
//   failed       stopped early by something that affects all records (credentials refused,
//                daily limit reached, HubSpot unreachable after retries);
//   cancelled    an operator asked it to stop; finished batches stay done;
//   interrupted  its process died (found by a stale heartbeat or at start-up).
// Allowed moves: running → succeeded | failed | cancelled | interrupted. Nothing leaves the
// final states; a new run starts fresh from the stored statuses.
//
// Why it cannot duplicate or lie: new contacts are written with batch upsert keyed by email,
// so a batch replayed after a crash matches the contacts it already created; a customer is
// marked Synced only from the hash of the values HubSpot accepted, compared with the hash of
// its values now, so an edit made while its batch was in flight leaves it Needs update.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/index.js';
import { emailRefusalReason, invalidEmailMessage, isHubSpotApiError, type HubSpotApiError, type HubSpotClient } from '../hubspot/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import { AppError, newId, type Clock } from '../lib/index.js';
import type { Customer, Db, SyncAttemptRow, SyncRunRow } from '../store/index.js';
import {
  findLatestRun,
  findRun,
  findRunningRun,
  hasWorkSince,
  insertAttempts,
  insertRun,
  interruptStaleRuns,
  lockWorkspaceForRunStart,
  pageIdsByStatus,
  recordPushFailure,
  recordPushSuccess,
  rowToCustomer,
  updateRun,
  countByStatus,
  countRunAttempts,
} from '../store/index.js';
import { hashProperties, type Mapping } from './field-mapping.js';
import { effectiveMapping, pushPropertiesFor, refreshStatuses } from './status-refresh.js';
import type { RunTrigger } from './run-trigger.js';
import { PUSHABLE_STATUSES } from './sync-status.js';

export const BATCH_SIZE = 100;
/** Batches in flight at once; at 80–250 ms per call, 6 keep a 19 requests/s portal busy. */
export const BATCHES_IN_FLIGHT = 6;
const HEARTBEAT_STALE_MS = 60_000;
/**
 * How long a finished run answers Sync now in its place. A burst of clicks (or a retrying
 * client) must not start run after run when each finishes in milliseconds: a Sync now that
 * arrives less than this after the newest run ended `succeeded`, while nothing became pending
 * since that run started (see hasWorkSince), gets that run back instead of a new one.
 */
export const RECENT_RUN_MS = 10_000;
const NOT_RETURNED = 'HubSpot did not return this contact in the batch result.';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

const FINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  running: ['succeeded', 'failed', 'cancelled', 'interrupted'],
  succeeded: [],
  failed: [],
  cancelled: [],
  interrupted: [],
};

export function assertRunTransition(from: RunStatus, to: RunStatus): void {
  if (!RUN_TRANSITIONS[from].includes(to)) throw new Error(`A sync run cannot go from ${from} to ${to}.`);
}

export interface PushItem {
  customer: Customer;
  properties: Record<string, string>;
  hash: string;
}

export type ItemOutcome =
  | { kind: 'success'; hubspotId: string; operation: 'create' | 'update'; correlationId?: string | undefined }
  | { kind: 'failure'; message: string; correlationId?: string | undefined };

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
}

/** Which inputs a batch-level validation error is about: those holding a value it names. */
export function inputsNamedByError(items: PushItem[], error: { message: string; validation: { name: string; message: string }[] }): Set<number> {
  const hit = new Set<number>();
  const haystacks = [error.message, ...error.validation.map((v) => v.message)].map((m) => m.toLowerCase());
  items.forEach((item, index) => {
    const names = error.validation.length > 0 ? error.validation.map((v) => v.name) : Object.keys(item.properties);
    for (const name of names) {
      const value = item.properties[name];
      if (value && value.length >= 3 && haystacks.some((h) => h.includes(value.toLowerCase()))) hit.add(index);
    }
  });
  return hit;
}

function errorMessage(error: HubSpotApiError): string {
  const details = error.validationErrors.map((v) => v.message).filter(Boolean);
  return details.length > 0 ? details.join('; ') : (error.hubspotMessage ?? error.message);
}

/** Errors that concern the whole connection, not a record: the run stops. */
function isRunFatal(error: unknown): boolean {
  return (
    isHubSpotApiError(error) &&
    (error.code === 'HUBSPOT_UNAUTHORIZED' || error.code === 'HUBSPOT_MISSING_SCOPES' || error.code === 'HUBSPOT_DAILY_LIMIT_REACHED' || error.code === 'HUBSPOT_ABORTED')
  );
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
 * loaded a few batches ahead. Before each batch it checks whether the run was cancelled.
 */
class BatchSource {
  #after: string | undefined;
  #ready: PushItem[][] = [];
  #exhausted = false;
  #turn: Promise<unknown> = Promise.resolve();
  cancelled = false;
  /** Why the run was asked to stop, when the asker said (a disconnect does). */
  cancelReason: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    private readonly runId: string,
    private readonly toItem: (customer: Customer) => PushItem,
    /** Customers this run already saw fail are not retried when it resumes (another slice, another process). */
    private readonly failedSince: number,
    /** Only these customers (an on-change batch) instead of every pushable one. */
    private readonly onlyIds?: readonly string[],
  ) {}

  /** The next batch, or null when there is none left or the run was cancelled. */
  next(): Promise<PushItem[] | null> {
    const result = this.#turn.then(() => this.#take());
    this.#turn = result.catch(() => undefined);
    return result;
  }

  async #take(): Promise<PushItem[] | null> {
    if (this.cancelled) return null;
    const run = await findRun(this.db, this.workspaceId, this.runId);
    if (run?.cancel_requested) {
      this.cancelled = true;
      this.cancelReason = run.error;
      return null;
    }
    if (this.#ready.length === 0 && !this.#exhausted) await this.#load();
    return this.#ready.shift() ?? null;
  }

  async #load(): Promise<void> {
    const ids = this.onlyIds
      ? await pageIdsByStatus(this.db, this.workspaceId, PUSHABLE_STATUSES, this.#after, BATCH_SIZE * BATCHES_IN_FLIGHT, this.onlyIds)
      : await pageIdsByStatus(this.db, this.workspaceId, PUSHABLE_STATUSES, this.#after, BATCH_SIZE * BATCHES_IN_FLIGHT);
    if (ids.length === 0) {
      this.#exhausted = true;
      return;
    }
    this.#after = ids.at(-1);
    const rows = await this.db.selectFrom('customers').selectAll().where('workspace_id', '=', this.workspaceId).where('id', 'in', ids).orderBy('id').execute();
    const items = rows.filter((row) => !(row.sync_status === 'error' && (row.last_attempt_at ?? 0) >= this.failedSince)).map((row) => this.toItem(rowToCustomer(row)));
    for (let i = 0; i < items.length; i += BATCH_SIZE) this.#ready.push(items.slice(i, i + BATCH_SIZE));
  }
}

export class PushEngine {
  readonly #deps: PushEngineDeps;
  readonly #owner: string;
  readonly #active = new Map<string, Promise<unknown>>();

  constructor(deps: PushEngineDeps) {
    this.#deps = deps;
    this.#owner = deps.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Marks runs whose process is gone as interrupted (all but this process's when `allOthers`). */
  async recoverInterruptedRuns(allOthers: boolean): Promise<number> {
    const now = this.#deps.clock.now();
    return interruptStaleRuns(this.#deps.db, { heartbeatBefore: now - HEARTBEAT_STALE_MS, ...(allOthers ? { orOwnerNot: this.#owner } : {}), now });
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
      if (running && ownerIsGone(running.owner)) {
        await updateRun(trx, running.id, { status: 'interrupted', finished_at: this.#deps.clock.now(), error: 'The process running this sync stopped before it finished; the next run picks up where it left off.' });
      } else if (running) {
        throw new AppError('SYNC_ALREADY_RUNNING', `A sync is already running (started ${new Date(running.started_at).toISOString()} by ${running.started_by}).`, { runId: running.id });
      }
      const latest = await findLatestRun(trx, workspaceId);
      const now = this.#deps.clock.now();
      if (
        latest?.status === 'succeeded' &&
        latest.finished_at !== null &&
        now - latest.finished_at < RECENT_RUN_MS &&
        !(await hasWorkSince(trx, workspaceId, PUSHABLE_STATUSES, latest.started_at))
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
    const done = this.#execute(run).finally(() => this.#active.delete(run.id));
    this.#active.set(run.id, done);
    return started;
  }

  /** Inserts a running run owned by this process; `only` gives the ids it is limited to (an on-change push). */
  async #insertRun(db: Db, workspaceId: string, trigger: { kind: RunTrigger; actor: Actor }, only?: readonly string[]): Promise<SyncRunRow> {
    const now = this.#deps.clock.now();
    const counts = only ? undefined : await countByStatus(db, workspaceId);
    const total = only ? only.length : PUSHABLE_STATUSES.reduce((sum, s) => sum + counts![s], 0);
    const run: SyncRunRow = {
      id: newId('run', this.#deps.clock),
      workspace_id: workspaceId,
      status: 'running',
      trigger: trigger.kind,
      started_by: trigger.actor.label,
      owner: this.#owner,
      started_at: now,
      heartbeat_at: now,
      finished_at: null,
      phase: 'planning',
      total,
      processed: 0,
      created: 0,
      updated: 0,
      failed: 0,
      skipped: counts ? counts.duplicate + counts.no_email : 0,
      api_calls: 0,
      cancel_requested: 0,
      error: null,
    };
    await insertRun(db, run);
    return run;
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
    const run = await findRun(this.#deps.db, workspaceId, runId);
    if (!run || run.status !== 'running') return 'ended';
    // Taken over from another process: the counters carry on from the recorded attempts, since
    // a process killed between recording a batch and writing the run's counters would otherwise
    // leave that batch uncounted. (This process's own earlier slice left them exact.)
    const counters = run.owner === this.#owner ? {} : await countRunAttempts(this.#deps.db, workspaceId, run.id);
    await updateRun(this.#deps.db, run.id, { owner: this.#owner, heartbeat_at: this.#deps.clock.now(), ...counters });
    return this.#execute({ ...run, ...counters, owner: this.#owner }, shouldPause);
  }

  /**
   * Pushes the given customers (those of them still pushable) as one run with trigger
   * `on_change`, in this process, and returns the finished run — or null when none of them is
   * pushable any more. SYNC_ALREADY_RUNNING when another run is running for the workspace.
   */
  async pushCustomers(workspaceId: string, ids: readonly string[], actor: Actor): Promise<SyncRunRow | null> {
    const pushable = await pageIdsByStatus(this.#deps.db, workspaceId, PUSHABLE_STATUSES, undefined, ids.length, ids);
    if (pushable.length === 0) return null;
    let run: SyncRunRow;
    try {
      run = await this.#insertRun(this.#deps.db, workspaceId, { kind: 'on_change', actor }, pushable);
    } catch (error) {
      const running = await findRunningRun(this.#deps.db, workspaceId);
      if (running) throw new AppError('SYNC_ALREADY_RUNNING', 'A sync is already running.', { runId: running.id });
      throw error;
    }
    await this.#execute(run, () => false, pushable);
    return (await findRun(this.#deps.db, workspaceId, run.id))!;
  }

  async cancel(workspaceId: string, runId: string): Promise<SyncRunRow> {
    const run = await findRun(this.#deps.db, workspaceId, runId);
    if (!run) throw new AppError('NOT_FOUND', 'Sync run was not found.');
    if (run.status !== 'running') throw new AppError('CONFLICT', `This run is already ${run.status}.`);
    await updateRun(this.#deps.db, runId, { cancel_requested: 1 });
    return { ...run, cancel_requested: 1 };
  }

  async #finish(run: SyncRunRow, status: RunStatus, error: string | null): Promise<void> {
    assertRunTransition('running', status);
    await updateRun(this.#deps.db, run.id, { status, phase: 'done', finished_at: this.#deps.clock.now(), error });
  }

  async #execute(run: SyncRunRow, shouldPause: () => boolean = () => false, onlyIds?: readonly string[]): Promise<'ended' | 'paused'> {
    const { db, gateway, clock } = this.#deps;
    const workspaceId = run.workspace_id;
    // A resumed run counts on from what its earlier slices recorded.
    let apiCalls = run.api_calls;
    const stopCounting = gateway.onTaggedCall(run.id, () => {
      apiCalls++;
    });
    const counters = { processed: run.processed, created: run.created, updated: run.updated, failed: run.failed };
    // Progress writes are chained so a slower write never overwrites a newer count.
    let progress: Promise<void> = Promise.resolve();
    const saveProgress = (): Promise<void> => {
      progress = progress.then(() => updateRun(db, run.id, { ...counters, api_calls: apiCalls, heartbeat_at: clock.now(), total: Math.max(run.total, counters.processed) }));
      return progress;
    };
    try {
      const client = await gateway.clientFor(workspaceId);
      const { mapping } = await effectiveMapping(db, workspaceId);
      await updateRun(db, run.id, { phase: 'pushing' });
      const source = new BatchSource(db, workspaceId, run.id, (customer) => this.#item(customer, mapping), run.started_at, onlyIds);
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
          const outcomes = await this.#pushBatch(client, batch, run.id);
          await this.#record(run, batch, outcomes);
          counters.processed += batch.length;
          for (const outcome of outcomes) {
            if (outcome.kind === 'failure') counters.failed++;
            else if (outcome.operation === 'create') counters.created++;
            else counters.updated++;
          }
          await saveProgress();
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
      await progress;
      await updateRun(db, run.id, { ...counters, api_calls: apiCalls, heartbeat_at: clock.now() });
      // Every batch taken was recorded; the run stays running for its next slice.
      if (paused && !exhausted) return 'paused';
      await this.#finish(run, source.cancelled ? 'cancelled' : 'succeeded', source.cancelled ? source.cancelReason : null);
      return 'ended';
    } catch (error) {
      await progress.catch(() => undefined);
      await updateRun(db, run.id, { ...counters, api_calls: apiCalls });
      // The credentials were forgotten under the run (disconnect, reconnect): the gateway
      // aborted its calls. Asked to stop, it ends cancelled with the asker's reason.
      const stoppedUnder = isHubSpotApiError(error) ? error.code === 'HUBSPOT_ABORTED' : error instanceof AppError && error.code === 'HUBSPOT_NOT_CONNECTED';
      const latest = stoppedUnder ? await findRun(db, workspaceId, run.id) : undefined;
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
      if (isHubSpotApiError(error) && error.code === 'HUBSPOT_UNAUTHORIZED') await gateway.markCredentialsRefused(workspaceId, message);
      await this.#finish(run, 'failed', message);
      if (!(error instanceof AppError) && !isHubSpotApiError(error)) throw error;
      return 'ended';
    } finally {
      stopCounting();
    }
  }

  #item(customer: Customer, mapping: Mapping): PushItem {
    const properties = pushPropertiesFor(customer, mapping);
    return { customer, properties, hash: hashProperties(properties) };
  }

  /**
   * Sends one batch and returns an outcome per item, isolating records HubSpot refuses. An
   * email HubSpot is known to refuse fails here with HubSpot's wording and is not sent: one such
   * input would fail the whole batch and cost a retry.
   */
  async #pushBatch(client: HubSpotClient, items: PushItem[], tag: string): Promise<ItemOutcome[]> {
    const outcomes: ItemOutcome[] = new Array(items.length);
    const sendable: { item: PushItem; i: number }[] = [];
    items.forEach((item, i) => {
      const email = item.properties['email'] ?? '';
      const refused = emailRefusalReason(email);
      if (refused === null) sendable.push({ item, i });
      else outcomes[i] = { kind: 'failure', message: `${invalidEmailMessage(email)} (not sent: ${refused}).` };
    });
    const creates = sendable.filter((x) => x.item.customer.sync.hubspotId === null);
    const updates = sendable.filter((x) => x.item.customer.sync.hubspotId !== null);
    if (creates.length > 0) {
      const results = await this.#upsertIsolating(client, creates.map((x) => x.item), tag);
      results.forEach((r, k) => (outcomes[creates[k]!.i] = r));
    }
    if (updates.length > 0) {
      const results = await this.#updateIsolating(client, updates.map((x) => x.item), tag);
      results.forEach((r, k) => (outcomes[updates[k]!.i] = r));
    }
    return outcomes;
  }

  /** Upsert by email. A whole-batch refusal is narrowed to the inputs it names, else bisected. */
  async #upsertIsolating(client: HubSpotClient, items: PushItem[], tag: string): Promise<ItemOutcome[]> {
    if (items.length === 0) return [];
    try {
      const result = await client.contacts.batchUpsert(
        items.map((item) => ({ idProperty: 'email', id: item.properties['email']!, properties: item.properties })),
        { tag },
      );
      const byEmail = new Map(result.results.map((r) => [String(r.properties['email'] ?? '').toLowerCase(), r]));
      return items.map((item): ItemOutcome => {
        const hit = byEmail.get(item.properties['email']!.toLowerCase());
        if (hit) return { kind: 'success', hubspotId: hit.id, operation: hit.new ? 'create' : 'update' };
        const error = result.errors.find((e) => JSON.stringify(e).toLowerCase().includes(item.properties['email']!.toLowerCase()));
        return { kind: 'failure', message: error?.message ?? NOT_RETURNED };
      });
    } catch (error) {
      return this.#isolate(error, items, (subset) => this.#upsertIsolating(client, subset, tag));
    }
  }

  async #updateIsolating(client: HubSpotClient, items: PushItem[], tag: string): Promise<ItemOutcome[]> {
    if (items.length === 0) return [];
    try {
      const result = await client.contacts.batchUpdate(
        items.map((item) => ({ id: item.customer.sync.hubspotId!, properties: item.properties })),
        { tag },
      );
      const byId = new Map(result.results.map((r) => [r.id, r]));
      const outcomes = items.map((item): ItemOutcome | 'gone' => {
        const id = item.customer.sync.hubspotId!;
        if (byId.has(id)) return { kind: 'success', hubspotId: id, operation: 'update' };
        const error = result.errors.find((e) => JSON.stringify(e).includes(id));
        // The linked contact no longer exists (deleted in HubSpot): find or create it by email.
        if (error?.category === 'OBJECT_NOT_FOUND') return 'gone';
        return { kind: 'failure', message: error?.message ?? NOT_RETURNED };
      });
      const gone = items.filter((_, i) => outcomes[i] === 'gone');
      const relinked = await this.#upsertIsolating(client, gone, tag);
      let k = 0;
      return outcomes.map((o) => (o === 'gone' ? relinked[k++]! : o));
    } catch (error) {
      return this.#isolate(error, items, (subset) => this.#updateIsolating(client, subset, tag));
    }
  }

  async #isolate(error: unknown, items: PushItem[], retry: (subset: PushItem[]) => Promise<ItemOutcome[]>): Promise<ItemOutcome[]> {
    if (isRunFatal(error) || !isHubSpotApiError(error)) throw error;
    // Transient trouble outlasted the client's retries: these records end as errors this run.
    if (error.retryable || error.status === undefined || error.status >= 500 || error.status === 429) {
      return items.map(() => ({ kind: 'failure', message: `HubSpot did not accept the batch after retries: ${error.hubspotMessage ?? error.message}`, correlationId: error.correlationId }));
    }
    if (items.length === 1) return [{ kind: 'failure', message: errorMessage(error), correlationId: error.correlationId }];
    const named = inputsNamedByError(items, { message: error.hubspotMessage ?? '', validation: [...error.validationErrors] });
    const outcomes: ItemOutcome[] = new Array(items.length);
    let rest: { item: PushItem; i: number }[];
    if (named.size > 0 && named.size < items.length) {
      for (const i of named) outcomes[i] = { kind: 'failure', message: errorMessage(error), correlationId: error.correlationId };
      rest = items.map((item, i) => ({ item, i })).filter((x) => !named.has(x.i));
      const results = await retry(rest.map((x) => x.item));
      results.forEach((r, k) => (outcomes[rest[k]!.i] = r));
      return outcomes;
    }
    // HubSpot did not say which input it refused: split the batch until it does.
    const middle = Math.ceil(items.length / 2);
    return [...(await retry(items.slice(0, middle))), ...(await retry(items.slice(middle)))];
  }

  async #record(run: SyncRunRow, items: PushItem[], outcomes: ItemOutcome[]): Promise<void> {
    const { db, clock } = this.#deps;
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const attempts: SyncAttemptRow[] = [];
      for (const [i, item] of items.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.kind === 'success') {
          await recordPushSuccess(trx, run.workspace_id, item.customer.id, { hubspotId: outcome.hubspotId, hash: item.hash, at: now });
        } else {
          await recordPushFailure(trx, run.workspace_id, item.customer.id, { message: outcome.message, at: now });
        }
        attempts.push({
          id: newId('att', clock),
          run_id: run.id,
          workspace_id: run.workspace_id,
          object_type: 'contacts',
          record_id: item.customer.id,
          customer_id: item.customer.id,
          operation: outcome.kind === 'success' ? outcome.operation : item.customer.sync.hubspotId ? 'update' : 'create',
          outcome: outcome.kind === 'success' ? 'success' : 'error',
          message: outcome.kind === 'failure' ? outcome.message : null,
          correlation_id: outcome.correlationId ?? null,
          hubspot_id: outcome.kind === 'success' ? outcome.hubspotId : item.customer.sync.hubspotId,
          at: now,
        });
      }
      await insertAttempts(trx, attempts);
      // Statuses are recomputed from the rows as they are now, so a concurrent edit wins.
      await refreshStatuses(trx, run.workspace_id, items.map((item) => item.customer.id), []);
    });
  }

  isFinal(status: string): boolean {
    return FINAL.has(status as RunStatus);
  }
}
