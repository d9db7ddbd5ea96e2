// The pull engine: brings HubSpot's changes of each pulled object type into the local records
// (two-way sync), for workspaces with two-way sync on: companies, contacts and deals, in that
// order (the order the push goes in), each type while it is synced (contacts always, companies
// and deals with their setting) and its scopes are granted. Per workspace and type it keeps a
// checkpoint (sync_checkpoints), written in the transaction of each applied page, so
// a pull stopped anywhere (a crash, the daily limit, the end of a job's slice) resumes after the
// last applied page and never applies a page half. The checkpoint is also the pulls' lock: a
// page is applied only if the checkpoint is still what its pull last saw, so two pulls of one
// workspace at once (a poll and a run's) never apply the same page twice — the later one stops.
//
// Checkpoint phases:
//   initial      the first pull lists every HubSpot record (list API, 100 a page); the
//                checkpoint holds the cursor of the next page and when the listing began;
//   incremental  every later pull searches for what changed since the checkpoint (200 a page,
//                ./pull-window.ts), reaching `overlapMs` behind the previous pull's last search
//                because HubSpot's search shows a change only after a delay. The listing's start
//                time seeds it, so nothing changed while the listing ran is missed.
// `updated_at` is when a pull last read to the end (its last search; 0 until one did): the
// poll interval, a run's "pulled since I started" and the next window's overlap read it.
// Allowed moves: (none) → initial → incremental. Applying a record twice changes nothing (the
// merge compares with the base), which is what makes the overlap and a replayed page harmless.
// After a type is read to the end, its archived records are listed (./deletions.ts, at most
// once per poll interval): archiving does not move the modification time the window follows.
// Webhooks read records by id (`pullByIds`) and merge them the same way (./webhook-pull.ts).
//
// A pull recorded on a sync run (`log`) adds each page's inbound counts and API calls to the run
// and an attempt (direction `pull`) per local record the page changed, in the page's
// transaction (deletions in theirs). A dry run (`preview`) reads the same pages but applies
// them only inside one transaction that is rolled back: no checkpoint, record or run changes.
import type { CallOptions, CrmObject, HubSpotClient, ObjectType } from '../../hubspot/index.js';
import { missingScopesFor, type HubSpotGateway, type SyncedObjectType } from '../../integration/index.js';
import { newId, type Clock } from '../../lib/index.js';
import type { Db, SyncAttemptRow, SyncCheckpointRow, SyncConflictRow } from '../../store/index.js';
import { addRunInbound, advanceCheckpoint, createCheckpoint, findCheckpoint, findConnection, insertAttempts, listConflictsOfPull } from '../../store/index.js';
import { readSyncSettings } from '../sync-settings.js';
import { companyPullAdapter } from './company.pull.js';
import { contactPullAdapter } from './contact.pull.js';
import { dealPullAdapter } from './deal.pull.js';
import { applyHubSpotDeletions, checkArchived } from './deletions.js';
import { emptyOutcome, localChanges, stampOf, type ChangeTimes, type PullAdapter, type PullPageOutcome, type PullRun } from './pull-adapter.js';
import { advanceWindow, laterCursor, nextSearch, type WindowCursor } from './pull-window.js';
import { hubspotChangedAt } from './merge.js';

export type CheckpointPhase = 'initial' | 'incremental';
export const CHECKPOINT_TRANSITIONS: Readonly<Record<CheckpointPhase | 'none', readonly CheckpointPhase[]>> = {
  none: ['initial'],
  initial: ['initial', 'incremental'],
  incremental: ['incremental'],
};

export const LIST_PAGE_SIZE = 100;
export const SEARCH_PAGE_SIZE = 200;
/** HubSpot's batch read takes at most 100 records (a read by id)… */
export const BATCH_READ_SIZE = 100;
/** …and at most 50 when it returns property history. */
export const HISTORY_BATCH_SIZE = 50;
/** How far before the checkpoint an incremental pull starts reading (HubSpot's search lags writes). */
export const DEFAULT_OVERLAP_MS = 120_000;

export interface PullEngineDeps {
  db: Db;
  clock: Clock;
  gateway: HubSpotGateway;
  /** The pulled types, in pull order; by default companies, contacts, deals. */
  adapters?: readonly PullAdapter[];
  overlapMs?: number;
  /** Smaller pages for tests; HubSpot's maxima by default. */
  listPageSize?: number;
  searchPageSize?: number;
}

export interface PullProgress {
  objectType: string;
  phase: CheckpointPhase;
  /** Pages applied by this pull so far. */
  pages: number;
  /** HubSpot records read by this pull so far. */
  pulled: number;
}

/** What a pull did (or, from `preview`, would do), counted over its pages. */
export interface PullSummary extends Omit<PullPageOutcome, 'changes'> {
  runId: string;
  pages: number;
  pulled: number;
  /** Stopped by `shouldPause` with more to read: the next pull resumes from the checkpoint. */
  paused: boolean;
  /** Stopped because another pull of the workspace, running at the same time, moved the checkpoint first. */
  superseded: boolean;
  /** Local records unlinked (or deleted) because HubSpot archived their record (./deletions.ts). */
  deletions: number;
  /** Stopped because the run it is recorded on was asked to stop (cancel). */
  cancelled: boolean;
}

/** The sync run a pull is recorded on. */
export interface PullRunLog {
  id: string;
  /**
   * Set when the run does not exist yet (a pull on its own, such as a poll): called in the
   * transaction of the first page that changes something locally, to insert the run there,
   * so a pull that changes nothing leaves no run.
   */
  begin?: (db: Db) => Promise<void>;
}

export interface PullOptions {
  /** Asked before each page is requested: true stops the pull there (a job's slice is spent); a page already requested is still applied. */
  shouldPause?: () => boolean;
  /** Told after each applied (and committed) page. */
  onPage?: (progress: PullProgress) => void | Promise<void>;
  /** Records the pull on this run (counts, API calls, an attempt per record changed locally). */
  log?: PullRunLog;
}

export interface PreviewOptions<T> {
  /** HubSpot records read at most (over all types); the preview says whether it read everything. */
  maxRecords: number;
  /** Epoch ms after which no further page is read. */
  until: number;
  /** Conflicts listed at most (all are counted). */
  maxConflicts: number;
  /** Reads what it needs inside the rolled-back transaction, after the pulled pages were applied. */
  inspect: (db: Db) => Promise<T>;
}

/** What a pull would do now (`PullEngine.preview`). */
export interface PullPreview<T> {
  summary: PullSummary;
  /** The local records it would create, link, and update (linked before, values changed). */
  changes: { created: number; linked: number; updated: number };
  /** Every page the pull would read was read; false when it stopped at `maxRecords` or `until`. */
  complete: boolean;
  /** The fields both sides changed differently, each with the side that would win. */
  conflicts: SyncConflictRow[];
  inspected: T;
}

/** One page a pull read, with what applying it needs. */
interface ReadPage {
  adapter: PullAdapter;
  context: unknown;
  records: readonly CrmObject[];
  /** The checkpoint as the page was read, and as it is once the page is applied. */
  expected: SyncCheckpointRow;
  next: SyncCheckpointRow;
}

/** What a pull does with each page it read: true stops the pull after it. */
type PageSink = (page: ReadPage) => Promise<boolean>;

/** Attempt messages are HubSpot values quoted in problems: kept to this length. */
const MAX_MESSAGE_LENGTH = 1_000;

/** Another pull of the workspace moved the checkpoint first: this one stops, its page unapplied. */
class PullSuperseded extends Error {
  constructor() {
    super('Another pull of this workspace moved the checkpoint first.');
  }
}

/** Carries a preview's findings out of the transaction it rolls back. */
class PreviewRollback<T> extends Error {
  constructor(readonly found: { conflicts: SyncConflictRow[]; inspected: T }) {
    super('A dry run rolls back what it applied.');
  }
}

function emptySummary(run: PullRun): PullSummary {
  const { changes: _changes, ...outcome } = emptyOutcome();
  return { ...outcome, runId: run.id, pages: 0, pulled: 0, paused: false, superseded: false, deletions: 0, cancelled: false };
}

function addOutcome(summary: PullSummary, outcome: PullPageOutcome): void {
  summary.created += outcome.created;
  summary.updated += outcome.updated;
  summary.linked += outcome.linked;
  summary.conflicts += outcome.conflicts;
  summary.skipped += outcome.skipped;
  summary.problems.push(...outcome.problems);
}

/**
 * Writes a logged pull onto its run, each page (or page of deletions) in its own transaction:
 * the counts, the API calls the pull made since (HubSpot calls tagged with the run's id), and an
 * attempt per local record. A run that does not exist yet is begun with the first page that
 * changes something; until then the pages' counts wait.
 */
class RunRecorder {
  #begun: boolean;
  #calls = 0;
  #recordedCalls = 0;
  #pulled = 0;
  /** Problems already logged by this pull (HubSpot id and message): a record read again that brings nothing else is not logged twice. */
  readonly #reported = new Set<string>();
  readonly #stopCounting: () => void;

  constructor(
    private readonly log: PullRunLog,
    private readonly clock: Clock,
    gateway: HubSpotGateway,
  ) {
    this.#begun = log.begin === undefined;
    this.#stopCounting = gateway.onTaggedCall(log.id, () => {
      this.#calls++;
    });
  }

  /** In the transaction that applied `read` HubSpot records (`outcome`) and `deletions`; true when the run was asked to stop. */
  async record(db: Db, workspaceId: string, objectType: string, page: { read: number; outcome?: PullPageOutcome; deletions?: number }): Promise<boolean> {
    const outcome = page.outcome ?? emptyOutcome();
    const deletions = page.deletions ?? 0;
    this.#pulled += page.read;
    if (!this.#begun) {
      if (outcome.changes.length === 0 && outcome.conflicts === 0 && deletions === 0) return false;
      await this.log.begin!(db);
    }
    const now = this.clock.now();
    const problems = new Map<string, string[]>();
    for (const p of outcome.problems) problems.set(p.hubspotId, [...(problems.get(p.hubspotId) ?? []), p.message]);
    const news = outcome.changes.filter((c) => c.changed || (problems.get(c.hubspotId) ?? []).some((m) => !this.#reported.has(`${c.hubspotId} ${m}`)));
    const attempts = news.map((c): SyncAttemptRow => {
      const failed = problems.get(c.hubspotId);
      for (const m of failed ?? []) this.#reported.add(`${c.hubspotId} ${m}`);
      return {
        id: newId('att', this.clock),
        run_id: this.log.id,
        workspace_id: workspaceId,
        object_type: objectType,
        record_id: c.recordId,
        customer_id: c.customerId,
        operation: c.operation,
        outcome: failed ? 'error' : 'success',
        message: failed ? failed.join('; ').slice(0, MAX_MESSAGE_LENGTH) : null,
        correlation_id: null,
        hubspot_id: c.hubspotId,
        at: now,
        direction: 'pull',
      };
    });
    await insertAttempts(db, attempts);
    const calls = this.#calls;
    const changes = localChanges(outcome);
    const state = await addRunInbound(
      db,
      this.log.id,
      { pulled: this.#pulled, pulled_created: changes.created, pulled_updated: changes.updated + changes.linked, conflicts: outcome.conflicts, deletions, api_calls: calls - this.#recordedCalls },
      now,
    );
    // Counted once recorded (a page whose transaction rolls back ends the pull anyway).
    this.#begun = true;
    this.#pulled = 0;
    this.#recordedCalls = calls;
    return state?.cancelRequested ?? false;
  }

  close(): void {
    this.#stopCounting();
  }
}

function assertPhase(from: CheckpointPhase | 'none', to: CheckpointPhase): void {
  if (!CHECKPOINT_TRANSITIONS[from].includes(to)) throw new Error(`A pull checkpoint cannot go from ${from} to ${to}.`);
}

function cursorOf(row: SyncCheckpointRow): WindowCursor {
  return { ms: row.last_modified_ms, idsAtMs: JSON.parse(row.ids_at_ms) as string[], afterId: row.after_cursor };
}

export class PullEngine {
  readonly #deps: PullEngineDeps;
  readonly #adapters: readonly PullAdapter[];

  constructor(deps: PullEngineDeps) {
    this.#deps = deps;
    this.#adapters = deps.adapters ?? ([companyPullAdapter(deps.clock), contactPullAdapter(deps.clock), dealPullAdapter(deps.clock)] as PullAdapter[]);
  }

  /**
   * The types a pull of the workspace reads, in order: contacts, and each other type while its
   * setting is on and the connection grants its scopes (a push run says what is missing). None
   * while two-way sync is off.
   */
  async typesFor(workspaceId: string, db: Db = this.#deps.db): Promise<PullAdapter[]> {
    const settings = await readSyncSettings(db, workspaceId);
    if (!settings.twoWay) return [];
    const connection = await findConnection(db, workspaceId);
    const granted = connection ? (JSON.parse(connection.scopes) as string[]) : null;
    return this.#adapters.filter(
      (adapter) => (adapter.setting === undefined || settings[adapter.setting]) && (granted === null || missingScopesFor(adapter.objectType as SyncedObjectType, granted).length === 0),
    );
  }

  /**
   * Whether every type the workspace pulls was read to the end at or after `since` (a run pulls
   * until it is); `db` is the caller's transaction, if it holds one.
   */
  async pulledSince(workspaceId: string, since: number, db: Db = this.#deps.db): Promise<boolean> {
    for (const adapter of await this.typesFor(workspaceId, db)) {
      const checkpoint = await findCheckpoint(db, workspaceId, adapter.objectType);
      if (!(checkpoint?.phase === 'incremental' && checkpoint.updated_at >= since)) return false;
    }
    return true;
  }

  /**
   * Pulls the changes of every type the workspace pulls (`typesFor`), in order; null when
   * two-way sync is off (nothing is called). Throws what stops it (credentials refused, the daily limit, HubSpot unreachable):
   * the checkpoint keeps every page applied before.
   *
   * @example const summary = await pull.pull(workspaceId, { shouldPause: () => Date.now() > until });
   */
  async pull(workspaceId: string, options: PullOptions = {}): Promise<PullSummary | null> {
    const { clock, gateway } = this.#deps;
    const types = await this.typesFor(workspaceId);
    if (types.length === 0) return null;
    const client = await gateway.clientFor(workspaceId);
    const run: PullRun = { id: newId('pull', clock), at: clock.now() };
    const summary = emptySummary(run);
    const recorder = options.log ? new RunRecorder(options.log, clock, gateway) : undefined;
    const call: CallOptions = options.log ? { tag: options.log.id } : {};
    const apply: PageSink = async (page) => {
      let stop = false;
      const outcome = await this.#applyRecords(client, workspaceId, page.adapter, page.context, page.records, run, call, {
        before: async (trx) => {
          assertPhase(page.expected.phase as CheckpointPhase, page.next.phase as CheckpointPhase);
          // First, so a second pull of the workspace waits here and then finds the checkpoint moved.
          if (!(await advanceCheckpoint(trx, page.expected, page.next))) throw new PullSuperseded();
        },
        after: async (trx, applied) => {
          if (recorder) stop = await recorder.record(trx, workspaceId, page.adapter.objectType, { read: page.records.length, outcome: applied });
        },
      });
      addOutcome(summary, outcome);
      await options.onPage?.({ objectType: page.adapter.objectType, phase: page.next.phase as CheckpointPhase, pages: summary.pages + 1, pulled: summary.pulled + page.records.length });
      return stop;
    };
    try {
      for (const adapter of types) {
        let ended: 'done' | 'paused' | 'stopped';
        try {
          ended = await this.#pullType(client, workspaceId, adapter, summary, options.shouldPause, apply, { persist: true, call });
        } catch (error) {
          // The other pull carries on from where it got; this one has nothing left to do.
          if (!(error instanceof PullSuperseded)) throw error;
          summary.superseded = true;
          break;
        }
        // Archiving leaves the modification time alone: deletions come from the archived listing.
        if (ended === 'done') {
          const archived = await checkArchived(this.#deps, client, workspaceId, adapter.objectType, {
            ...(options.shouldPause ? { shouldPause: options.shouldPause } : {}),
            call,
            ...(recorder ? { onApplied: async (trx: Db, deletions: number) => void (await recorder.record(trx, workspaceId, adapter.objectType, { read: 0, deletions })) } : {}),
          });
          summary.deletions += archived.deletions;
          if (archived.paused) ended = 'paused';
        }
        if (ended === 'paused') summary.paused = true;
        if (ended === 'stopped') summary.cancelled = true;
        if (ended !== 'done') break;
      }
    } finally {
      recorder?.close();
    }
    // A record read twice (the window's overlap re-reads the listing's newest) is reported once.
    const problems = new Map(summary.problems.map((p) => [`${p.objectType}\u0000${p.hubspotId}\u0000${p.field}`, p]));
    summary.problems = [...problems.values()];
    return summary;
  }

  /**
   * What a pull would do now, without doing it (a dry run): reads HubSpot as a pull would — only
   * reads — from the stored checkpoints (the records, their conflicts' history, the archived
   * listing when it is due), then applies what it read inside one transaction that is rolled
   * back, where `inspect` reads what it needs (what a push would then send), so no record,
   * checkpoint or run changes. Reads at most `maxRecords` records and stops reading at `until`;
   * `complete` says whether that was all. Null when two-way sync is off.
   *
   * HubSpot is read before the transaction opens: no code may call HubSpot inside a transaction
   * of its own (on SQLite the rate budget's permits need the one connection).
   */
  async preview<T>(workspaceId: string, options: PreviewOptions<T>): Promise<PullPreview<T> | null> {
    const { db, clock, gateway } = this.#deps;
    const types = await this.typesFor(workspaceId);
    if (types.length === 0) return null;
    const client = await gateway.clientFor(workspaceId);
    const run: PullRun = { id: newId('pull', clock), at: clock.now() };
    const summary = emptySummary(run);
    const call: CallOptions = { priority: 'interactive' };
    const pages: (ReadPage & { changedAt: ChangeTimes })[] = [];
    const gone = new Map<ObjectType, string[]>();
    const shouldPause = () => summary.pulled >= options.maxRecords || clock.now() >= options.until;
    const setAside: PageSink = async (page) => {
      pages.push({ ...page, changedAt: await this.#conflictTimes(client, workspaceId, page.adapter, page.context, page.records, call) });
      return false;
    };
    let complete = true;
    for (const adapter of types) {
      const type = adapter.objectType;
      const read = await this.#pullType(client, workspaceId, adapter, summary, shouldPause, setAside, { persist: false, call });
      const archived = read === 'done' ? await checkArchived(this.#deps, client, workspaceId, type, { shouldPause, call, collect: (ids) => gone.set(type, [...(gone.get(type) ?? []), ...ids]) }) : { paused: true };
      if (archived.paused) {
        complete = false;
        break;
      }
    }
    const { archiveOnHubSpotDelete } = await readSyncSettings(db, workspaceId);
    const changes = { created: 0, linked: 0, updated: 0 };
    try {
      await db.transaction().execute(async (trx) => {
        for (const page of pages) {
          const outcome = await page.adapter.apply(trx, workspaceId, page.context, page.records, page.changedAt, run);
          addOutcome(summary, outcome);
          const local = localChanges(outcome);
          changes.created += local.created;
          changes.linked += local.linked;
          changes.updated += local.updated;
        }
        for (const [type, ids] of gone) summary.deletions += await applyHubSpotDeletions(trx, workspaceId, type, ids, { archive: archiveOnHubSpotDelete, at: run.at });
        const conflicts = await listConflictsOfPull(trx, workspaceId, run.id, options.maxConflicts);
        throw new PreviewRollback({ conflicts, inspected: await options.inspect(trx) });
      });
    } catch (error) {
      if (!(error instanceof PreviewRollback)) throw error;
      const found = (error as PreviewRollback<T>).found;
      return { summary, changes, complete, conflicts: found.conflicts, inspected: found.inspected };
    }
    throw new Error('A dry run must roll back.');
  }

  /**
   * Reads these HubSpot records by id (a webhook said they changed or went: at most
   * BATCH_READ_SIZE) and merges them as a page is, without moving the checkpoint; those HubSpot
   * no longer has are deletions (./deletions.ts). Null when two-way sync is off or the workspace
   * does not pull the type (`typesFor`; nothing is called). Reading the record now, not
   * trusting the event, is what makes duplicated and out-of-order events harmless.
   */
  async pullByIds(workspaceId: string, objectType: string, ids: readonly string[], options: { log?: PullRunLog } = {}): Promise<PullSummary | null> {
    const { db, clock, gateway } = this.#deps;
    const adapter = (await this.typesFor(workspaceId)).find((a) => a.objectType === objectType);
    if (!adapter) return null;
    const settings = await readSyncSettings(db, workspaceId);
    const run: PullRun = { id: newId('pull', clock), at: clock.now() };
    const summary = emptySummary(run);
    if (ids.length === 0) return summary;
    const client = await gateway.clientFor(workspaceId);
    const context = await adapter.context(db, workspaceId);
    const recorder = options.log ? new RunRecorder(options.log, clock, gateway) : undefined;
    const call: CallOptions = options.log ? { tag: options.log.id } : {};
    try {
      return await this.#readByIds(client, workspaceId, adapter, context, ids, run, summary, settings.archiveOnHubSpotDelete, call, recorder);
    } finally {
      recorder?.close();
    }
  }

  /** `pullByIds`' read and apply, recorded on the run when there is one. */
  async #readByIds(
    client: HubSpotClient,
    workspaceId: string,
    adapter: PullAdapter,
    context: unknown,
    ids: readonly string[],
    run: PullRun,
    summary: PullSummary,
    archive: boolean,
    call: CallOptions,
    recorder: RunRecorder | undefined,
  ): Promise<PullSummary> {
    const read = await client.objects(adapter.objectType).batchRead(ids, { properties: adapter.properties(context), ...call });
    const wanted = new Set(ids);
    // A merged-away id reads as the record it was merged into, under that record's id: merges are
    // not taken from webhooks, so such a record is left to the pull.
    const records = read.results.filter((r) => wanted.has(r.id));
    const gone = read.errors.filter((e) => e.category === 'OBJECT_NOT_FOUND').flatMap((e) => e.context?.['ids'] ?? []).filter((id) => wanted.has(id));
    const outcome = await this.#applyRecords(client, workspaceId, adapter, context, records, run, call, {
      before: async (trx) => {
        summary.deletions = await applyHubSpotDeletions(trx, workspaceId, adapter.objectType, gone, { archive, at: run.at });
      },
      after: async (trx, applied) => void (await recorder?.record(trx, workspaceId, adapter.objectType, { read: records.length, outcome: applied, deletions: summary.deletions })),
    });
    const { changes: _changes, ...counts } = outcome;
    return { ...summary, ...counts, pages: 1, pulled: records.length };
  }

  /**
   * Merges HubSpot records into the local ones, as a page is: HubSpot's change times of the
   * conflicting fields read first, then one transaction in which `before` runs (the checkpoint
   * move of a page; the deletions of a read by id), the adapter applies the records, and `after`
   * sees what that did (the run records it).
   */
  async #applyRecords(
    client: HubSpotClient,
    workspaceId: string,
    adapter: PullAdapter,
    context: unknown,
    records: readonly CrmObject[],
    run: PullRun,
    call: CallOptions,
    hooks: { before?: (trx: Db) => Promise<void>; after?: (trx: Db, outcome: PullPageOutcome) => Promise<void> },
  ): Promise<PullPageOutcome> {
    const changedAt = await this.#conflictTimes(client, workspaceId, adapter, context, records, call);
    return this.#deps.db.transaction().execute(async (trx) => {
      await hooks.before?.(trx);
      const outcome = await adapter.apply(trx, workspaceId, context, records, changedAt, run);
      await hooks.after?.(trx, outcome);
      return outcome;
    });
  }

  /**
   * One type: the initial listing until it ends, then the incremental window, each page handed
   * to `sink` with the checkpoint it moves to. `persist` false (a dry run) keeps a first
   * checkpoint in memory instead of storing it. Returns how it ended: read to the end, paused
   * by `shouldPause`, or stopped by the sink.
   */
  async #pullType(
    client: HubSpotClient,
    workspaceId: string,
    adapter: PullAdapter,
    summary: PullSummary,
    shouldPause: (() => boolean) | undefined,
    sink: PageSink,
    mode: { persist: boolean; call: CallOptions },
  ): Promise<'done' | 'paused' | 'stopped'> {
    const { db, clock } = this.#deps;
    const context = await adapter.context(db, workspaceId);
    const properties = adapter.properties(context);
    let checkpoint = await findCheckpoint(db, workspaceId, adapter.objectType);
    if (!checkpoint) {
      assertPhase('none', 'initial');
      // `updated_at` is when a pull last read to the end: never yet.
      const first: SyncCheckpointRow = { workspace_id: workspaceId, object_type: adapter.objectType, phase: 'initial', last_modified_ms: clock.now(), ids_at_ms: '[]', after_cursor: null, updated_at: 0 };
      checkpoint = !mode.persist || (await createCheckpoint(db, first)) ? first : await findCheckpoint(db, workspaceId, adapter.objectType);
      if (!checkpoint) throw new Error('The pull checkpoint vanished while it was being created.');
    }
    const handOver = async (records: readonly CrmObject[], next: SyncCheckpointRow): Promise<boolean> => {
      const stop = await sink({ adapter, context, records, expected: checkpoint!, next });
      checkpoint = next;
      summary.pages++;
      summary.pulled += records.length;
      return stop;
    };

    // Each page's request goes out as soon as its cursor (or search key) is known, while the
    // page before is still being applied, so one request is always in flight; pages are still
    // applied one after the other, each with its checkpoint. A request sent ahead is dropped
    // (one call spent) when applying the page before fails; none is sent once the pull is to pause.
    const ahead = <T>(request: () => Promise<T>): Promise<T> | undefined => {
      if (shouldPause?.()) return undefined;
      const sent = request();
      sent.catch(() => undefined);
      return sent;
    };

    const pageSize = this.#deps.listPageSize ?? LIST_PAGE_SIZE;
    const list = (after: string | null) => () => client.objects(adapter.objectType).list({ limit: pageSize, properties, ...mode.call, ...(after === null ? {} : { after }) });
    let listing = checkpoint.phase === 'initial' ? ahead(list(checkpoint.after_cursor)) : undefined;
    while (checkpoint.phase === 'initial') {
      if (!listing) return 'paused';
      const page = await listing;
      const after = page.paging?.next?.after;
      listing = after === undefined ? undefined : ahead(list(after));
      // The listing's start time stays in the checkpoint: the incremental pull reads from it.
      const next: SyncCheckpointRow =
        after === undefined ? { ...checkpoint, phase: 'incremental', ids_at_ms: '[]', after_cursor: null } : { ...checkpoint, after_cursor: after };
      if (await handOver(page.results, next)) return 'stopped';
    }

    const searchSize = this.#deps.searchPageSize ?? SEARCH_PAGE_SIZE;
    const overlap = this.#deps.overlapMs ?? DEFAULT_OVERLAP_MS;
    const stored = cursorOf(checkpoint);
    // HubSpot's search shows a change only after a delay, so what the previous pull's last search
    // could not see yet is read again: the window opens at the checkpoint or `overlap` before that
    // search, whichever is earlier (a crowded millisecond that was being read by id is then read
    // again from its start: re-applying changes nothing).
    const from = checkpoint.updated_at > 0 ? Math.min(stored.ms, checkpoint.updated_at - overlap) : stored.ms - overlap;
    let cursor: WindowCursor = from >= stored.ms ? stored : { ms: Math.max(0, from), idsAtMs: [], afterId: null };
    let reached = stored;
    const search = (key: WindowCursor) => async () => {
      const searchedAt = clock.now();
      return { searchedAt, result: await client.objects(adapter.objectType).search(nextSearch(key, adapter.modifiedProperty, properties, searchSize), mode.call) };
    };
    let searching = ahead(search(cursor));
    for (;;) {
      if (!searching) return 'paused';
      const { searchedAt, result } = await searching;
      const byId = new Map(result.results.map((r) => [r.id, r]));
      const step = advanceWindow(
        cursor,
        result.results.map((r) => ({ id: r.id, modifiedMs: stampOf(r.properties[adapter.modifiedProperty]) })),
        searchSize,
      );
      reached = laterCursor(reached, step.cursor);
      // Read to the end: every change older than `overlap` before this search was visible to it
      // and is applied, so the checkpoint moves up to there (an idle workspace's next pull then
      // reads only what changed since: one search).
      if (step.done && searchedAt - overlap > reached.ms) reached = { ms: searchedAt - overlap, idsAtMs: [], afterId: null };
      const next: SyncCheckpointRow = {
        ...checkpoint,
        last_modified_ms: reached.ms,
        ids_at_ms: JSON.stringify(reached.idsAtMs),
        after_cursor: reached.afterId,
        updated_at: step.done ? searchedAt : checkpoint.updated_at,
      };
      searching = step.done ? undefined : ahead(search(step.cursor));
      const stop = await handOver(
        step.apply.map((s) => byId.get(s.id)!),
        next,
      );
      cursor = step.cursor;
      if (step.done) return 'done';
      if (stop) return 'stopped';
    }
  }

  /**
   * HubSpot's change time of each conflicting property of the page's records, read from their
   * history — only for records whose fields really conflict, 50 a call.
   */
  async #conflictTimes(client: HubSpotClient, workspaceId: string, adapter: PullAdapter, context: unknown, records: readonly CrmObject[], call: CallOptions): Promise<ChangeTimes> {
    const times = new Map<string, Map<string, number>>();
    if (records.length === 0) return times;
    const conflicting = await adapter.conflicts(this.#deps.db, workspaceId, context, records);
    const ids = [...conflicting.keys()];
    for (let i = 0; i < ids.length; i += HISTORY_BATCH_SIZE) {
      const chunk = ids.slice(i, i + HISTORY_BATCH_SIZE);
      const properties = [...new Set(chunk.flatMap((id) => conflicting.get(id) ?? []))];
      const read = await client.objects(adapter.objectType).batchRead(chunk, { properties: [adapter.modifiedProperty], propertiesWithHistory: properties, ...call });
      for (const record of read.results) {
        const fallback = stampOf(record.properties[adapter.modifiedProperty]);
        times.set(record.id, new Map(properties.map((p) => [p, hubspotChangedAt(record.propertiesWithHistory?.[p], fallback)])));
      }
    }
    return times;
  }
}
