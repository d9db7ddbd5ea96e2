// Write-through (seed 002): with the workspace's `writeThrough` setting on, a change to a record
// linked to HubSpot is written to HubSpot first and saved only once HubSpot accepted it. The
// record services call this port around their save; the sync module implements it
// (sync/write-through.ts), so a service never talks to HubSpot itself.

import type { Db } from '../store/index.js';
import { invalidFields, type FieldProblem } from './record-input.js';

/** What HubSpot accepted ahead of a save, for `settle` to record once the save is made. */
export interface WrittenThrough {
  readonly recordId: string;
  readonly hubspotId: string;
  /** The HubSpot properties sent (and accepted), in the form the push writes them. */
  readonly properties: Readonly<Record<string, string>>;
  /**
   * What HubSpot held before the change: every property the record pushed, when it read Synced
   * (HubSpot had accepted exactly those); null when it was waiting for a push.
   */
  readonly held: Readonly<Record<string, string>> | null;
  /** The record's links (the adapter's `links`) before the change. */
  readonly links: string | null;
}

/** One object type's write-through, plugged into its service (customers, organizations, deals). */
export interface RecordWriteThrough<R> {
  /**
   * Called before a change to record `id` is saved, outside any transaction, with the record as
   * it will be saved (validated). Sends the HubSpot properties the change alters and returns
   * what `settle` records; null when nothing was sent (write-through off, the record not linked,
   * no mapped value changed), so the change is saved as usual. Throws HUBSPOT_REJECTED (HubSpot
   * refused a value) or WRITE_THROUGH_UNAVAILABLE (HubSpot not reached, not connected, out of
   * budget): the caller then saves nothing.
   */
  send(workspaceId: string, id: string, next: R): Promise<WrittenThrough | null>;
  /** Inside the saving transaction, after the change listeners ran: the values HubSpot accepted become the base. */
  settle(db: Db, workspaceId: string, written: WrittenThrough): Promise<void>;
}

/** A change checked against the record as stored: the record it makes, or why it is refused. */
export type CheckedChange<R> = { ok: true; next: R; changed: boolean } | { ok: false; problems: FieldProblem[] };

/**
 * A service's first step of an update with write-through: `check` validates the change against
 * the record as stored (outside any transaction), then HubSpot is asked to accept it. Null when
 * the service has no write-through, nothing changed, or nothing had to be sent; throws the 400
 * of an invalid change, or the write-through's refusal.
 *
 * @example
 * const written = await writeThroughFirst(deps.writeThrough, workspaceId, id, async () => checkChange(await find(), input));
 */
export async function writeThroughFirst<R>(writeThrough: RecordWriteThrough<R> | undefined, workspaceId: string, id: string, check: () => Promise<CheckedChange<R>>): Promise<WrittenThrough | null> {
  if (!writeThrough) return null;
  const checked = await check();
  if (!checked.ok) throw invalidFields(checked.problems);
  return checked.changed ? writeThrough.send(workspaceId, id, checked.next) : null;
}
