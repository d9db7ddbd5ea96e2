// Where an incremental pull reads next, pure. HubSpot's search stops at 10,000 results and lags
// writes, and paging by offset skips a record whenever one before it changes meanwhile (it
// moves to the end and everything after it shifts down). So every search starts afresh from a
// key instead of paging: `lastmodifieddate ≥ ms`, ascending, one page, leaving out the ids
// already applied at `ms`; the key then moves to the newest millisecond of the page. A page that
// is full of a single millisecond cannot move the key, so that millisecond is read on its own by
// id (`lastmodifieddate = ms` and `hs_object_id > afterId`, ascending by id) until it runs out,
// and the key moves past it. No search ever pages, so none reaches the cap, whatever the number
// of records sharing one millisecond; each result is handed out once per pull (the overlap at
// the start re-reads a little on purpose, and applying a record twice changes nothing).
import type { SearchRequest } from '../../hubspot/index.js';

/** How far a pull has read: everything modified before `ms` and the `idsAtMs` at `ms` are applied. */
export interface WindowCursor {
  ms: number;
  /** HubSpot ids already applied at `ms` (range mode). */
  idsAtMs: readonly string[];
  /** Set while `ms` is read by id: the last id applied at `ms`. */
  afterId: string | null;
}

export interface PulledStamp {
  id: string;
  /** The record's last-modified time (epoch ms). */
  modifiedMs: number;
}

/** The next search: one page from the cursor, with `properties` (the modified property and hs_object_id are always returned). */
export function nextSearch(cursor: WindowCursor, modifiedProperty: string, properties: readonly string[], pageSize: number): SearchRequest {
  if (cursor.afterId !== null) {
    return {
      filterGroups: [
        {
          filters: [
            { propertyName: modifiedProperty, operator: 'EQ', value: String(cursor.ms) },
            { propertyName: 'hs_object_id', operator: 'GT', value: cursor.afterId },
          ],
        },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties: [...properties],
      limit: pageSize,
    };
  }
  return {
    filterGroups: [{ filters: [{ propertyName: modifiedProperty, operator: 'GTE', value: String(cursor.ms) }] }],
    sorts: [{ propertyName: modifiedProperty, direction: 'ASCENDING' }],
    properties: [...properties],
    limit: pageSize,
  };
}

export interface WindowStep {
  /** The page's records to apply (those not applied yet), in the page's order. */
  apply: PulledStamp[];
  /** Where the next search starts once `apply` is applied. */
  cursor: WindowCursor;
  /** Nothing newer is left to read. */
  done: boolean;
}

/** Moves the cursor past a page the search at `cursor` returned (`page` in its order). */
export function advanceWindow(cursor: WindowCursor, page: readonly PulledStamp[], pageSize: number): WindowStep {
  if (cursor.afterId !== null) {
    const seen = new Set(cursor.idsAtMs);
    const apply = page.filter((r) => !seen.has(r.id));
    // The millisecond ran out: everything up to it is applied; range mode resumes after it.
    if (page.length < pageSize) return { apply, cursor: { ms: cursor.ms + 1, idsAtMs: [], afterId: null }, done: false };
    return { apply, cursor: { ...cursor, afterId: page.at(-1)!.id }, done: false };
  }
  if (page.length === 0) return { apply: [], cursor, done: true };
  const first = page[0]!.modifiedMs;
  const last = page.at(-1)!.modifiedMs;
  // A full page of one millisecond: that millisecond is read by id instead (its ids applied so far stay skipped).
  if (page.length >= pageSize && first === last) {
    return { apply: [], cursor: { ms: last, idsAtMs: last === cursor.ms ? cursor.idsAtMs : [], afterId: '0' }, done: false };
  }
  const seen = new Set(cursor.idsAtMs);
  const apply = page.filter((r) => !(r.modifiedMs === cursor.ms && seen.has(r.id)));
  const atLast = page.filter((r) => r.modifiedMs === last).map((r) => r.id);
  const idsAtMs = last === cursor.ms ? [...new Set([...cursor.idsAtMs, ...atLast])] : atLast;
  return { apply, cursor: { ms: last, idsAtMs, afterId: null }, done: page.length < pageSize };
}

/**
 * The later of two cursors (a pull that started before the checkpoint, for its overlap, must
 * not move the stored checkpoint back).
 */
export function laterCursor(stored: WindowCursor, reached: WindowCursor): WindowCursor {
  if (reached.ms > stored.ms) return reached;
  if (reached.ms < stored.ms) return stored;
  if (reached.afterId !== null) return { ...reached, idsAtMs: [...new Set([...stored.idsAtMs, ...reached.idsAtMs])] };
  if (stored.afterId !== null) return stored;
  return { ms: stored.ms, idsAtMs: [...new Set([...stored.idsAtMs, ...reached.idsAtMs])], afterId: null };
}
