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
import type { CrmObject, HubSpotClient } from '../../hubspot/index.js';
import { missingScopesFor, type HubSpotGateway, type SyncedObjectType } from '../../integration/index.js';
import { newId, type Clock } from '../../lib/index.js';
import type { Db, SyncCheckpointRow } from '../../store/index.js';
import { advanceCheckpoint, createCheckpoint, findCheckpoint, findConnection } from '../../store/index.js';
import { readSyncSettings } from '../sync-settings.js';
import { companyPullAdapter } from './company.pull.js';
import { contactPullAdapter } from './contact.pull.js';
import { dealPullAdapter } from './deal.pull.js';
import { applyHubSpotDeletions, checkArchived } from './deletions.js';
import { emptyOutcome, stampOf, type ChangeTimes, type PullAdapter, type PullPageOutcome, type PullRun } from './pull-adapter.js';
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

export interface PullSummary extends PullPageOutcome {
  runId: string;
  pages: number;
  pulled: number;
  /** Stopped by `shouldPause` with more to read: the next pull resumes from the checkpoint. */
  paused: boolean;
  /** Stopped because another pull of the workspace, running at the same time, moved the checkpoint first. */
  superseded: boolean;
  /** Local records unlinked (or deleted) because HubSpot archived their record (./deletions.ts). */
  deletions: number;
}

export interface PullOptions {
  /** Asked before each page is requested: true stops the pull there (a job's slice is spent); a page already requested is still applied. */
  shouldPause?: () => boolean;
  /** Told after each applied (and committed) page. */
  onPage?: (progress: PullProgress) => void | Promise<void>;
}

/** Another pull of the workspace moved the checkpoint first: this one stops, its page unapplied. */
class PullSuperseded extends Error {
  constructor() {
    super('Another pull of this workspace moved the checkpoint first.');
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
  async typesFor(workspaceId: string): Promise<PullAdapter[]> {
    const { db } = this.#deps;
    const settings = await readSyncSettings(db, workspaceId);
    if (!settings.twoWay) return [];
    const connection = await findConnection(db, workspaceId);
    const granted = connection ? (JSON.parse(connection.scopes) as string[]) : null;
    return this.#adapters.filter(
      (adapter) => (adapter.setting === undefined || settings[adapter.setting]) && (granted === null || missingScopesFor(adapter.objectType as SyncedObjectType, granted).length === 0),
    );
  }

  /** Whether every type the workspace pulls was read to the end at or after `since` (a run pulls until it is). */
  async pulledSince(workspaceId: string, since: number): Promise<boolean> {
    for (const adapter of await this.typesFor(workspaceId)) {
      const checkpoint = await findCheckpoint(this.#deps.db, workspaceId, adapter.objectType);
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
    const summary: PullSummary = { ...emptyOutcome(), runId: run.id, pages: 0, pulled: 0, paused: false, superseded: false, deletions: 0 };
    for (const adapter of types) {
      let paused: boolean;
      try {
        paused = await this.#pullType(client, workspaceId, adapter, run, summary, options);
      } catch (error) {
        // The other pull carries on from where it got; this one has nothing left to do.
        if (!(error instanceof PullSuperseded)) throw error;
        summary.superseded = true;
        break;
      }
      // Archiving leaves the modification time alone: deletions come from the archived listing.
      if (!paused) {
        const archived = await checkArchived(this.#deps, client, workspaceId, adapter.objectType, options.shouldPause ? { shouldPause: options.shouldPause } : {});
        summary.deletions += archived.deletions;
        paused = archived.paused;
      }
      if (paused) {
        summary.paused = true;
        break;
      }
    }
    // A record read twice (the window's overlap re-reads the listing's newest) is reported once.
    const problems = new Map(summary.problems.map((p) => [`${p.objectType}\u0000${p.hubspotId}\u0000${p.field}`, p]));
    summary.problems = [...problems.values()];
    return summary;
  }

  /**
   * Reads these HubSpot records by id (a webhook said they changed or went: at most
   * BATCH_READ_SIZE) and merges them as a page is, without moving the checkpoint; those HubSpot
   * no longer has are deletions (./deletions.ts). Null when two-way sync is off or the workspace
   * does not pull the type (`typesFor`; nothing is called). Reading the record now, not
   * trusting the event, is what makes duplicated and out-of-order events harmless.
   */
  async pullByIds(workspaceId: string, objectType: string, ids: readonly string[]): Promise<PullSummary | null> {
    const { db, clock, gateway } = this.#deps;
    const adapter = (await this.typesFor(workspaceId)).find((a) => a.objectType === objectType);
    if (!adapter) return null;
    const settings = await readSyncSettings(db, workspaceId);
    const run: PullRun = { id: newId('pull', clock), at: clock.now() };
    const summary: PullSummary = { ...emptyOutcome(), runId: run.id, pages: 0, pulled: 0, paused: false, superseded: false, deletions: 0 };
    if (ids.length === 0) return summary;
    const client = await gateway.clientFor(workspaceId);
    const context = await adapter.context(db, workspaceId);
    const read = await client.objects(adapter.objectType).batchRead(ids, { properties: adapter.properties(context) });
    const wanted = new Set(ids);
    // A merged-away id reads as the record it was merged into, under that record's id: merges are
    // not taken from webhooks, so such a record is left to the pull.
    const records = read.results.filter((r) => wanted.has(r.id));
    const gone = read.errors.filter((e) => e.category === 'OBJECT_NOT_FOUND').flatMap((e) => e.context?.['ids'] ?? []).filter((id) => wanted.has(id));
    const outcome = await this.#applyRecords(client, workspaceId, adapter, context, records, run, async (trx) => {
      summary.deletions = await applyHubSpotDeletions(trx, workspaceId, adapter.objectType, gone, { archive: settings.archiveOnHubSpotDelete, at: run.at });
    });
    return { ...summary, ...outcome, pages: 1, pulled: records.length };
  }

  /**
   * Merges HubSpot records into the local ones, as a page is: HubSpot's change times of the
   * conflicting fields read first, then one transaction in which `before` runs (the checkpoint
   * move of a page; the deletions of a read by id) and the adapter applies the records.
   */
  async #applyRecords(
    client: HubSpotClient,
    workspaceId: string,
    adapter: PullAdapter,
    context: unknown,
    records: readonly CrmObject[],
    run: PullRun,
    before?: (trx: Db) => Promise<void>,
  ): Promise<PullPageOutcome> {
    const changedAt = await this.#conflictTimes(client, workspaceId, adapter, context, records);
    return this.#deps.db.transaction().execute(async (trx) => {
      await before?.(trx);
      return adapter.apply(trx, workspaceId, context, records, changedAt, run);
    });
  }

  /** One type: the initial listing until it ends, then the incremental window. Returns true when paused. */
  async #pullType(client: HubSpotClient, workspaceId: string, adapter: PullAdapter, run: PullRun, summary: PullSummary, options: PullOptions): Promise<boolean> {
    const { db, clock } = this.#deps;
    const context = await adapter.context(db, workspaceId);
    const properties = adapter.properties(context);
    let checkpoint = await findCheckpoint(db, workspaceId, adapter.objectType);
    if (!checkpoint) {
      assertPhase('none', 'initial');
      // `updated_at` is when a pull last read to the end: never yet.
      const first: SyncCheckpointRow = { workspace_id: workspaceId, object_type: adapter.objectType, phase: 'initial', last_modified_ms: clock.now(), ids_at_ms: '[]', after_cursor: null, updated_at: 0 };
      checkpoint = (await createCheckpoint(db, first)) ? first : await findCheckpoint(db, workspaceId, adapter.objectType);
      if (!checkpoint) throw new Error('The pull checkpoint vanished while it was being created.');
    }
    const applyPage = async (records: readonly CrmObject[], next: SyncCheckpointRow): Promise<void> => {
      const outcome = await this.#applyRecords(client, workspaceId, adapter, context, records, run, async (trx) => {
        assertPhase(checkpoint!.phase as CheckpointPhase, next.phase as CheckpointPhase);
        // First, so a second pull of the workspace waits here and then finds the checkpoint moved.
        if (!(await advanceCheckpoint(trx, checkpoint!, next))) throw new PullSuperseded();
      });
      checkpoint = next;
      summary.pages++;
      summary.pulled += records.length;
      summary.created += outcome.created;
      summary.updated += outcome.updated;
      summary.linked += outcome.linked;
      summary.conflicts += outcome.conflicts;
      summary.skipped += outcome.skipped;
      summary.problems.push(...outcome.problems);
      await options.onPage?.({ objectType: adapter.objectType, phase: next.phase as CheckpointPhase, pages: summary.pages, pulled: summary.pulled });
    };

    // Each page's request goes out as soon as its cursor (or search key) is known, while the
    // page before is still being applied, so one request is always in flight; pages are still
    // applied one after the other, each with its checkpoint. A request sent ahead is dropped
    // (one call spent) when applying the page before fails; none is sent once the pull is to pause.
    const ahead = <T>(request: () => Promise<T>): Promise<T> | undefined => {
      if (options.shouldPause?.()) return undefined;
      const sent = request();
      sent.catch(() => undefined);
      return sent;
    };

    const pageSize = this.#deps.listPageSize ?? LIST_PAGE_SIZE;
    const list = (after: string | null) => () => client.objects(adapter.objectType).list({ limit: pageSize, properties, ...(after === null ? {} : { after }) });
    let listing = checkpoint.phase === 'initial' ? ahead(list(checkpoint.after_cursor)) : undefined;
    while (checkpoint.phase === 'initial') {
      if (!listing) return true;
      const page = await listing;
      const after = page.paging?.next?.after;
      listing = after === undefined ? undefined : ahead(list(after));
      // The listing's start time stays in the checkpoint: the incremental pull reads from it.
      const next: SyncCheckpointRow =
        after === undefined ? { ...checkpoint, phase: 'incremental', ids_at_ms: '[]', after_cursor: null } : { ...checkpoint, after_cursor: after };
      await applyPage(page.results, next);
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
      return { searchedAt, result: await client.objects(adapter.objectType).search(nextSearch(key, adapter.modifiedProperty, properties, searchSize)) };
    };
    let searching = ahead(search(cursor));
    for (;;) {
      if (!searching) return true;
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
      await applyPage(
        step.apply.map((s) => byId.get(s.id)!),
        next,
      );
      cursor = step.cursor;
      if (step.done) return false;
    }
  }

  /**
   * HubSpot's change time of each conflicting property of the page's records, read from their
   * history — only for records whose fields really conflict, 50 a call.
   */
  async #conflictTimes(client: HubSpotClient, workspaceId: string, adapter: PullAdapter, context: unknown, records: readonly CrmObject[]): Promise<ChangeTimes> {
    const times = new Map<string, Map<string, number>>();
    if (records.length === 0) return times;
    const conflicting = await adapter.conflicts(this.#deps.db, workspaceId, context, records);
    const ids = [...conflicting.keys()];
    for (let i = 0; i < ids.length; i += HISTORY_BATCH_SIZE) {
      const chunk = ids.slice(i, i + HISTORY_BATCH_SIZE);
      const properties = [...new Set(chunk.flatMap((id) => conflicting.get(id) ?? []))];
      const read = await client.objects(adapter.objectType).batchRead(chunk, { properties: [adapter.modifiedProperty], propertiesWithHistory: properties });
      for (const record of read.results) {
        const fallback = stampOf(record.properties[adapter.modifiedProperty]);
        times.set(record.id, new Map(properties.map((p) => [p, hubspotChangedAt(record.propertiesWithHistory?.[p], fallback)])));
      }
    }
    return times;
  }
}
