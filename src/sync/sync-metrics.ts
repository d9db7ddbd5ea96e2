// What the sync tells whoever counts it (src/metrics/ in the service): records recorded in the
// sync log and runs that ended. The engines call it after the fact and never wait on it; the
// default counts nothing, so engines built without it (tests, tools) behave the same.
import type { SyncAttemptRow, SyncRunRow } from '../store/index.js';
import type { RunStatus } from './run-types.js';

export interface SyncMetrics {
  /** Attempts just written to the sync log (one per record pushed, pulled or archived). */
  recordsSynced(attempts: readonly Pick<SyncAttemptRow, 'object_type' | 'direction' | 'outcome'>[]): void;
  /** A run ended with `status` at `finishedAt` (epoch ms). */
  runEnded(run: Pick<SyncRunRow, 'trigger' | 'started_at'>, status: Exclude<RunStatus, 'running'>, finishedAt: number): void;
}

export const NO_SYNC_METRICS: SyncMetrics = Object.freeze({
  recordsSynced: () => undefined,
  runEnded: () => undefined,
});
