// Write-through (seed 002): with the workspace's `writeThrough` setting on, a change to a record
// linked to HubSpot is written to HubSpot first and saved only once HubSpot accepted it. The
// record services call this port around their save; the sync module implements it
// (sync/write-through.ts), so a service never talks to HubSpot itself.

import { isAppError } from '../lib/index.js';
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
  /** Whether changes of this type are written through in the workspace now (its setting, and the type's sync setting). */
  enabled(workspaceId: string): Promise<boolean>;
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

/** The error codes of a write-through refusal (the single edit's 422 and 503). */
export const WRITE_THROUGH_REFUSALS = ['HUBSPOT_REJECTED', 'WRITE_THROUGH_UNAVAILABLE'] as const;

/** Why HubSpot did not take one item of a bulk change: the single edit's error, as a value. */
export interface WriteThroughRefusal {
  code: (typeof WRITE_THROUGH_REFUSALS)[number];
  /** HubSpot's message is in it (for HUBSPOT_REJECTED), as in the single edit's answer. */
  message: string;
  details: Record<string, unknown>;
}

/** The items of a bulk change HubSpot refused (by index), and the changes it accepted, to settle in the saving transaction. */
export interface BulkWriteThrough {
  refused: Map<number, WriteThroughRefusal>;
  written: WrittenThrough[];
}

/** How a bulk change's items are matched to stored records and checked, outside any transaction. */
export interface BulkWriteThroughSource<R> {
  findByExternalIds(externalIds: string[]): Promise<R[]>;
  externalIdOf(record: R): string | null;
  idOf(record: R): string;
  /** The item as a change to `current`; a thrown error or a refusal leaves the item to the upsert, which reports it. */
  check(current: R, item: Record<string, unknown>): Promise<CheckedChange<R>>;
}

/** How many items of one bulk change are written through at once (one PATCH each). */
const BULK_WRITE_THROUGH_CONCURRENCY = 4;

/**
 * The write-through of a bulk upsert (and so of a CSV import's batches): every item that changes
 * a linked record is sent to HubSpot first, one PATCH per item, so each is accepted or refused
 * on its own — a batch update would refuse the whole batch for one bad value. Returns the items
 * HubSpot refused, which the upsert reports (with HubSpot's message) and does not save, and what
 * it accepted, which the caller settles after saving. New records and items that change no
 * mapped value of a linked record are not sent (the push sends them). Once HubSpot cannot be
 * reached (not connected, out of budget, failing past the edit timeout), the items not sent yet
 * are refused with that same answer instead of each waiting out the timeout again.
 *
 * @example
 * const through = await writeThroughItems(deps.writeThrough, workspaceId, items, { findByExternalIds, externalIdOf, idOf, check });
 * // in the transaction: upsertByExternalId(items, adapter, { refused: through.refused }), then settle each of through.written
 */
export async function writeThroughItems<R>(
  writeThrough: RecordWriteThrough<R> | undefined,
  workspaceId: string,
  items: readonly Record<string, unknown>[],
  source: BulkWriteThroughSource<R>,
): Promise<BulkWriteThrough> {
  const out: BulkWriteThrough = { refused: new Map(), written: [] };
  if (!writeThrough || !(await writeThrough.enabled(workspaceId))) return out;
  // Only an item's first use of an externalId updates a record (the upsert refuses the others).
  const firstIndex = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    const externalId = item['externalId'];
    if (typeof externalId === 'string' && externalId !== '' && !firstIndex.has(externalId)) firstIndex.set(externalId, index);
  }
  if (firstIndex.size === 0) return out;
  const stored = await source.findByExternalIds([...firstIndex.keys()]);
  const queue = stored.map((record) => ({ record, index: firstIndex.get(source.externalIdOf(record) ?? '')! })).filter((q) => q.index !== undefined);
  let unreachable: WriteThroughRefusal | null = null;
  const sendOne = async (record: R, index: number): Promise<void> => {
    if (unreachable) {
      out.refused.set(index, unreachable);
      return;
    }
    let checked: CheckedChange<R>;
    try {
      checked = await source.check(record, items[index]!);
    } catch {
      return;
    }
    if (!checked.ok || !checked.changed) return;
    try {
      const written = await writeThrough.send(workspaceId, source.idOf(record), checked.next);
      if (written) out.written.push(written);
    } catch (error) {
      if (!isAppError(error) || !(WRITE_THROUGH_REFUSALS as readonly string[]).includes(error.code)) throw error;
      const refusal: WriteThroughRefusal = { code: error.code as WriteThroughRefusal['code'], message: error.message, details: { ...error.details } };
      out.refused.set(index, refusal);
      if (refusal.code === 'WRITE_THROUGH_UNAVAILABLE') unreachable = refusal;
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const { record, index } = queue[next++]!;
      await sendOne(record, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_WRITE_THROUGH_CONCURRENCY, queue.length) }, worker));
  return out;
}
