// What the pull engine's modules share (./pull-engine.ts and the modules it is split into): its
// dependencies and page sizes, what a pull reports, and the page a pull read on its way from
// HubSpot to the page's transaction.
import type { CrmObject, ObjectType } from '../../hubspot/index.js';
import type { HubSpotGateway } from '../../integration/index.js';
import type { Clock } from '../../lib/index.js';
import type { Db, SyncCheckpointRow } from '../../store/index.js';
import type { ClosedWonImport, WonStage } from './closed-won.js';
import type { PageAssociations } from './links.pull.js';
import { emptyOutcome, type ChangeTimes, type PullAdapter, type PullPageOutcome, type PullRun } from './pull-adapter.js';
import type { SyncMetrics } from '../sync-metrics.js';
import type { WebhookEmitter } from '../../webhooks/index.js';
import type { CheckpointPhase } from './checkpoints.js';

export const LIST_PAGE_SIZE = 100;
export const SEARCH_PAGE_SIZE = 200;
/** HubSpot's batch read takes at most 100 records (a read by id)… */
export const BATCH_READ_SIZE = 100;
/** …and at most 50 when it returns property history. */
export const HISTORY_BATCH_SIZE = 50;
/** How far before the checkpoint an incremental pull starts reading (HubSpot's search lags writes). */
export const DEFAULT_OVERLAP_MS = 120_000;
/** A listing longer than this many pages is read from both ends (./pull-split.ts): a smaller portal spends no call on it. */
export const SPLIT_AFTER_PAGES = 5;

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
  /** Told of the records each page recorded in the sync log (GET /metrics). */
  metrics?: SyncMetrics;
  /** Pages a listing reads before searches start reading it from the top too; SPLIT_AFTER_PAGES by default, Infinity never. */
  splitAfterPages?: number;
  /** Range searches in flight at once; by default the portal's search budget per window (the rate governor's, 5). */
  searchConcurrency?: number;
  /** Webhooks out: `record.pulled` and `conflict.resolved`, recorded in each logged page's transaction; `record.merged` for each merge found in HubSpot (default adapters). */
  events?: Pick<WebhookEmitter, 'emit'>;
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

/** One page a pull read, with what applying it needs. */
export interface ReadPage {
  adapter: PullAdapter;
  context: unknown;
  records: readonly CrmObject[];
  /** The checkpoint as the page was read, and as it is once the page is applied. */
  expected: SyncCheckpointRow;
  next: SyncCheckpointRow;
}

/** What one pull (or one read by id) reads once: the types the workspace pulls, their contexts, the portal's won deal stages. */
export interface PullScope {
  types: readonly PullAdapter[];
  /** Reads by id (a webhook named the records): every record's associations are read, even one HubSpot holds nothing new of. */
  byId?: boolean;
  contexts: Map<ObjectType, Promise<unknown>>;
  won?: Promise<ReadonlyMap<string, WonStage>>;
}

/** What a page brings besides its records, read before its transaction: its associations, and the records a Closed Won deal of it imports. */
export interface PageReads {
  changedAt: ChangeTimes;
  associations: PageAssociations;
  imports: (ClosedWonImport & { changedAt: ChangeTimes })[];
}

/** What a pull does with each page it read: true stops the pull after it. */
export type PageSink = (page: ReadPage) => Promise<boolean>;

/** What runs in a page's transaction around the apply. */
export interface PageHooks {
  before?: (trx: Db) => Promise<void>;
  /** After the records of one type a Closed Won deal brought were applied. */
  imported?: (trx: Db, objectType: ObjectType, read: number, outcome: PullPageOutcome) => Promise<void>;
  after?: (trx: Db, outcome: PullPageOutcome) => Promise<void>;
}

/** Another pull of the workspace moved the checkpoint first: this one stops, its page unapplied. */
export class PullSuperseded extends Error {
  constructor() {
    super('Another pull of this workspace moved the checkpoint first.');
  }
}

export function emptySummary(run: PullRun): PullSummary {
  const { changes: _changes, ...outcome } = emptyOutcome();
  return { ...outcome, runId: run.id, pages: 0, pulled: 0, paused: false, superseded: false, deletions: 0, cancelled: false };
}

export function addOutcome(summary: PullSummary, outcome: PullPageOutcome): void {
  summary.created += outcome.created;
  summary.updated += outcome.updated;
  summary.linked += outcome.linked;
  summary.conflicts += outcome.conflicts;
  summary.skipped += outcome.skipped;
  summary.problems.push(...outcome.problems);
}
