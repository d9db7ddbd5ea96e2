// How pulls are recorded on sync runs (docs/ARCHITECTURE.md "Sync log"). A run started by a
// person, the schedule or the CLI pulls HubSpot's changes before it pushes, recorded on itself:
// `runPull` is the push engine's RunPull. A pull on its own (the poll, or the one an on-change
// push makes before it pushes) becomes a run with trigger `pull` once it changes something
// (PushEngine.recordPull); webhook reads become `webhook` runs the same way (./pull/webhook-pull.ts). Two-way sync starts with the first such run's pull: until a
// workspace's contacts were pulled once, only a reconcile pulls (`pullStarted`, ./pull/checkpoints.ts), so an admin can
// preview that first reconcile (a dry run) before anything comes in.
import type { Actor } from '../audit/index.js';
import type { Db, SyncRunRow } from '../store/index.js';
import type { PullEngine, PullSummary } from './pull/index.js';
import type { PushEngine, RunPull } from './push-run.js';

/** The push engine's pull: a run pulls to the end first, each page recorded on it. */
export function runPull(pull: PullEngine): RunPull {
  return {
    // Two-way is on and a pulled type was not read to the end since the run started (a pull
    // that ran out of slice time resumes from its checkpoints in the run's next slice).
    pending: async (within: Db, run: SyncRunRow) => !(await pull.pulledSince(run.workspace_id, run.started_at, within)),
    async pull(run, shouldPause) {
      const summary = await pull.pull(run.workspace_id, { shouldPause, log: { id: run.id } });
      // Paused, or a poll's pull is under way: the push waits for the pull to reach the end.
      return summary?.paused || summary?.superseded ? 'paused' : 'done';
    },
  };
}

/**
 * A pull on its own (a poll, an on-change push's), recorded as a `pull` run when it changes
 * something. Null when two-way is off, or a run started meanwhile (that run pulls itself).
 */
export function pullOnItsOwn(deps: { push: PushEngine; pull: PullEngine }, workspaceId: string, actor: Actor, shouldPause: () => boolean): Promise<PullSummary | null> {
  return deps.push.recordPull(workspaceId, { kind: 'pull', actor }, (log) => deps.pull.pull(workspaceId, { shouldPause, log }));
}
