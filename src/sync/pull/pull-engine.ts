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
//
// The engine is split along its seams: ./pull-type.ts (one type's listing and window),
// ./split-listing.ts (the initial listing read from both ends), ./page-apply.ts (a page's reads
// and transaction), ./run-recorder.ts (what a logged pull writes on its run), ./pull-by-id.ts
// (webhooks' reads by id), ./dry-run.ts (`preview`); ./pull-types.ts holds what they share.
import type { CallOptions } from '../../hubspot/index.js';
import { missingScopesFor, type SyncedObjectType } from '../../integration/index.js';
import { newId } from '../../lib/index.js';
import { advanceCheckpoint, findCheckpoint, findConnection, type Db } from '../../store/index.js';
import { readSyncSettings } from '../sync-settings.js';
import { companyPullAdapter } from './company.pull.js';
import { contactPullAdapter } from './contact.pull.js';
import { dealPullAdapter } from './deal.pull.js';
import { checkArchived } from './deletions.js';
import type { PullAdapter, PullRun } from './pull-adapter.js';
import type { PullRunLog } from '../run-types.js';
import { assertPhase, type CheckpointPhase } from './checkpoints.js';
import { emptySummary, addOutcome, PullSuperseded, type PullEngineDeps, type PullProgress, type PullSummary, type PullScope, type PageSink } from './pull-types.js';
import { RunRecorder } from './run-recorder.js';
import { applyRecords } from './page-apply.js';
import { pullType } from './pull-type.js';
import { pullRecordsByIds } from './pull-by-id.js';
import { previewPull, type PreviewOptions, type PullPreview } from './dry-run.js';

export type { PullRunLog } from '../run-types.js';
export { CHECKPOINT_TRANSITIONS, type CheckpointPhase } from './checkpoints.js';
export { BATCH_READ_SIZE, DEFAULT_OVERLAP_MS, HISTORY_BATCH_SIZE, LIST_PAGE_SIZE, SEARCH_PAGE_SIZE, SPLIT_AFTER_PAGES, type PullEngineDeps, type PullProgress, type PullSummary } from './pull-types.js';
export type { PreviewOptions, PullPreview } from './dry-run.js';

export interface PullOptions {
  /** Asked before each page is requested: true stops the pull there (a job's slice is spent); a page already requested is still applied. */
  shouldPause?: () => boolean;
  /** Told after each applied (and committed) page. */
  onPage?: (progress: PullProgress) => void | Promise<void>;
  /** Records the pull on this run (counts, API calls, an attempt per record changed locally). */
  log?: PullRunLog;
}

export class PullEngine {
  readonly #deps: PullEngineDeps;
  readonly #adapters: readonly PullAdapter[];

  constructor(deps: PullEngineDeps) {
    this.#deps = deps;
    this.#adapters = deps.adapters ?? ([companyPullAdapter(deps.clock, deps.events), contactPullAdapter(deps.clock, deps.events), dealPullAdapter(deps.clock)] as PullAdapter[]);
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
    const recorder = options.log ? new RunRecorder(options.log, run.id, clock, gateway, this.#deps.metrics, this.#deps.events) : undefined;
    const call: CallOptions = options.log ? { tag: options.log.id } : {};
    const scope: PullScope = { types, contexts: new Map() };
    const apply: PageSink = async (page) => {
      let stop = false;
      const { outcome, imported } = await applyRecords(this.#deps, client, workspaceId, page.adapter, page.context, page.records, run, call, scope, {
        before: async (trx) => {
          assertPhase(page.expected.phase as CheckpointPhase, page.next.phase as CheckpointPhase);
          // First, so a second pull of the workspace waits here and then finds the checkpoint moved.
          if (!(await advanceCheckpoint(trx, page.expected, page.next))) throw new PullSuperseded();
        },
        imported: async (trx, objectType, read, applied) => void (await recorder?.record(trx, workspaceId, objectType, { read, outcome: applied })),
        after: async (trx, applied) => {
          if (recorder) stop = await recorder.record(trx, workspaceId, page.adapter.objectType, { read: page.records.length, outcome: applied });
        },
      });
      for (const o of imported) addOutcome(summary, o);
      addOutcome(summary, outcome);
      await options.onPage?.({ objectType: page.adapter.objectType, phase: page.next.phase as CheckpointPhase, pages: summary.pages + 1, pulled: summary.pulled + page.records.length });
      return stop;
    };
    try {
      for (const adapter of types) {
        let ended: 'done' | 'paused' | 'stopped';
        try {
          ended = await pullType(this.#deps, client, workspaceId, adapter, summary, options.shouldPause, apply, { persist: true, call });
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
    return previewPull(this.#deps, await this.typesFor(workspaceId), workspaceId, options);
  }

  /**
   * Reads these HubSpot records by id (a webhook said they changed or went: at most
   * BATCH_READ_SIZE) and merges them as a page is, without moving the checkpoint; those HubSpot
   * no longer has are deletions (./deletions.ts). Null when two-way sync is off or the workspace
   * does not pull the type (`typesFor`; nothing is called). Reading the record now, not
   * trusting the event, is what makes duplicated and out-of-order events harmless.
   */
  async pullByIds(workspaceId: string, objectType: string, ids: readonly string[], options: { log?: PullRunLog } = {}): Promise<PullSummary | null> {
    return pullRecordsByIds(this.#deps, await this.typesFor(workspaceId), workspaceId, objectType, ids, options);
  }
}
