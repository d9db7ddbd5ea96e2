// A pulled type's checkpoint (sync_checkpoints) as a state machine: its phases, the moves allowed
// between them, and the window cursor it stores. What each phase means is in ./pull-engine.ts's
// header; the engine moves a checkpoint in the transaction of each applied page.
import { findCheckpoint, type Db, type SyncCheckpointRow } from '../../store/index.js';
import type { WindowCursor } from './pull-window.js';

export type CheckpointPhase = 'initial' | 'incremental';
export const CHECKPOINT_TRANSITIONS: Readonly<Record<CheckpointPhase | 'none', readonly CheckpointPhase[]>> = {
  none: ['initial'],
  initial: ['initial', 'incremental'],
  incremental: ['incremental'],
};

export function assertPhase(from: CheckpointPhase | 'none', to: CheckpointPhase): void {
  if (!CHECKPOINT_TRANSITIONS[from].includes(to)) throw new Error(`A pull checkpoint cannot go from ${from} to ${to}.`);
}

/** Where the incremental window stands, as the checkpoint stores it. */
export function cursorOf(row: SyncCheckpointRow): WindowCursor {
  return { ms: row.last_modified_ms, idsAtMs: JSON.parse(row.ids_at_ms) as string[], afterId: row.after_cursor };
}

/** Whether the workspace's two-way sync has started: its contacts were pulled once (the initial reconcile began). */
export async function pullStarted(db: Db, workspaceId: string): Promise<boolean> {
  return (await findCheckpoint(db, workspaceId, 'contacts')) !== undefined;
}
