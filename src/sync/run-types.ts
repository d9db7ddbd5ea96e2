// The types of a sync run that the push engine, the pull engine and those who count runs share,
// kept in a module that imports nothing of the sync, so that none of them has to import another
// for a type (the push engine imports the pull's, and the metrics the push engine's, otherwise).
// A run's states are described in ./push-run.ts, which moves runs between them.
import type { Db } from '../store/index.js';

/** sync_runs.status: running, then one of the final four. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

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
