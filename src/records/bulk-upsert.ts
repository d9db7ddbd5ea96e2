// Bulk upsert by the host's externalId, for every record type: each item is created, updated,
// unchanged or refused on its own (an invalid item never blocks its neighbours), an externalId
// twice in one request is refused the second time, and new records are inserted together.
// The caller runs this inside its transaction and tells its listeners about `changedIds`.
// With write-through on, the items HubSpot refused beforehand (`writeThroughItems` in
// records/write-through.ts) are reported with HubSpot's answer and not saved.
import type { Db } from '../store/index.js';
import { validateExternalId } from './fields.js';
import type { FieldProblem } from './record-input.js';
import type { WriteThroughRefusal } from './write-through.js';

/**
 * Told, inside the writing transaction, which records of a type changed and the keys they held
 * before (customers' lower-cased emails, organizations' domain keys), whose Duplicate groups
 * may have changed too.
 */
export type RecordChangeListener = (db: Db, workspaceId: string, ids: string[], previousKeys: string[]) => Promise<void>;

/** The most items one bulk-upsert request may carry, for every record type. */
export const MAX_BULK_UPSERT = 1000;

export type UpsertItemResult =
  | { index: number; externalId: string; status: 'created' | 'updated' | 'unchanged'; id: string }
  | { index: number; externalId: string | null; status: 'error'; error: { code: 'VALIDATION_FAILED'; message: string; problems: FieldProblem[] } }
  /** With write-through on: HubSpot refused the item's change (its message), or could not be reached; nothing of it was saved. */
  | { index: number; externalId: string; status: 'error'; error: WriteThroughRefusal };

export type Built<R> = { ok: true; record: R } | { ok: false; problems: FieldProblem[] };

/** How one record type is found, built, changed and saved (each call inside the caller's transaction). */
export interface UpsertAdapter<R> {
  /** The live records holding these externalIds. */
  findByExternalIds(externalIds: string[]): Promise<R[]>;
  externalIdOf(record: R): string | null;
  idOf(record: R): string;
  /** Validates an item and builds a new record from it, without saving it. */
  build(item: Record<string, unknown>): Promise<Built<R>>;
  /** Validates an item as a change to `current` and saves it; `changed: false` when nothing differed. */
  update(current: R, item: Record<string, unknown>): Promise<{ ok: true; changed: boolean } | { ok: false; problems: FieldProblem[] }>;
  insert(records: R[]): Promise<void>;
}

export async function upsertByExternalId<R>(
  items: Record<string, unknown>[],
  adapter: UpsertAdapter<R>,
  options: { createWithoutExternalId?: boolean; refused?: ReadonlyMap<number, WriteThroughRefusal> } = {},
): Promise<{ results: UpsertItemResult[]; changedIds: string[] }> {
  const results: UpsertItemResult[] = [];
  const externalIds = items.map((item) => (typeof item['externalId'] === 'string' ? item['externalId'] : ''));
  const existing = new Map((await adapter.findByExternalIds(externalIds.filter(Boolean))).map((r) => [adapter.externalIdOf(r)!, r]));
  const seen = new Set<string>();
  const toInsert: R[] = [];
  const changedIds: string[] = [];
  for (const [index, item] of items.entries()) {
    const externalId = externalIds[index]!;
    const fail = (problems: FieldProblem[]) =>
      results.push({
        index,
        externalId: externalId || null,
        status: 'error',
        error: { code: 'VALIDATION_FAILED', message: `${problems[0]!.field} ${problems[0]!.message}`, problems },
      });
    const idCheck = validateExternalId(item['externalId']);
    if (!idCheck.ok) {
      fail([{ field: 'externalId', message: idCheck.message }]);
      continue;
    }
    if (!externalId && !options.createWithoutExternalId) {
      fail([{ field: 'externalId', message: 'is required for an upsert' }]);
      continue;
    }
    if (externalId && seen.has(externalId)) {
      fail([{ field: 'externalId', message: `appears more than once in this request` }]);
      continue;
    }
    if (externalId) seen.add(externalId);
    const current = externalId ? existing.get(externalId) : undefined;
    const refusal = options.refused?.get(index);
    if (current && refusal) {
      results.push({ index, externalId, status: 'error', error: refusal });
      continue;
    }
    if (!current) {
      const built = await adapter.build(item);
      if (!built.ok) {
        fail(built.problems);
        continue;
      }
      toInsert.push(built.record);
      results.push({ index, externalId, status: 'created', id: adapter.idOf(built.record) });
      continue;
    }
    const outcome = await adapter.update(current, item);
    if (!outcome.ok) {
      fail(outcome.problems);
      continue;
    }
    if (outcome.changed) changedIds.push(adapter.idOf(current));
    results.push({ index, externalId, status: outcome.changed ? 'updated' : 'unchanged', id: adapter.idOf(current) });
  }
  await adapter.insert(toInsert);
  changedIds.push(...toInsert.map((r) => adapter.idOf(r)));
  return { results, changedIds };
}
