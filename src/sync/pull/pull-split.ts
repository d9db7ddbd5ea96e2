// The split initial pull, pure. A type's first listing follows the list API's cursor, which
// comes from the page before: one request in flight, a page per round trip. Once a listing is
// longer than a few pages, searches read it from the other end at the same time: one search for
// the highest id (descending, limit 1), then ranges of ids below it, several in flight, each
// `lo ≤ hs_object_id < hi` sorted by id descending, one page each (a full page's rest is
// searched again below its lowest id), until the two streams meet. Search takes no cursor and stops at
// 10,000 results per query, which a range of a page never nears.
//
// Each stream has its own checkpoint (the checkpoint row's `split`, beside the list cursor):
// every record with an id ≤ `listed` was applied by the listing (HubSpot lists in ascending id
// order), every record with an id ≥ `floor` by the searches (their pages are applied in
// descending order, each range after the one above it). A page of either stream leaves out the
// records the other already applied, so each record is applied once; the listing is done when
// `listed + 1 ≥ floor`. Records created meanwhile (above `top`) and changed meanwhile are the
// incremental window's, which starts from when the listing began.
import type { SearchRequest } from '../../hubspot/index.js';

export interface SplitState {
  /** The highest HubSpot id when the searches began. */
  top: number;
  /** Every record with an id ≥ `floor` was applied by the searches (`top + 1` before their first page). */
  floor: number;
  /** Every record with an id ≤ `listed` was applied by the listing (the highest id it applied). */
  listed: number;
  /** Ids per record as seen so far: a range `span × page size × RANGE_FILL` wide should fill most of a page. */
  span: number;
}

/** Ids from `lo` up to `hi`, `hi` left out. */
export interface IdRange {
  lo: number;
  hi: number;
}

/** The share of a page a range is sized for: a range that overflows costs a second search. */
export const RANGE_FILL = 0.9;

/** A HubSpot id as a number, or null when it is not one a range can hold (digits, a safe integer). */
export function idNumber(id: string): number | null {
  if (!/^\d{1,16}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

export function encodeSplit(state: SplitState): string {
  return JSON.stringify(state);
}

export function decodeSplit(text: string | null): SplitState | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as Partial<SplitState>;
  const { top, floor, listed, span } = parsed;
  if (![top, floor, listed, span].every((n) => typeof n === 'number' && Number.isFinite(n))) throw new Error(`A pull checkpoint's split is not readable: ${text}`);
  return { top: top!, floor: floor!, listed: listed!, span: span! };
}

/**
 * The searches' start, from the search for the highest id (`top`, and `remaining`: about how many
 * records the listing has not read), or null when the listing is already past it.
 */
export function startSplit(top: number, remaining: number, listed: number): SplitState | null {
  if (top <= listed) return null;
  return { top, floor: top + 1, listed, span: Math.max(1, (top - listed) / Math.max(1, remaining)) };
}

/** Both streams have applied everything between them: the listing is done. */
export function splitMet(state: SplitState): boolean {
  return state.listed + 1 >= state.floor;
}

/**
 * The next range to search, below `issuedLow` (the lowest id already asked for) and above
 * `listed` plus `ahead` (what the list page in flight is expected to cover); null when nothing
 * is left between them.
 */
export function nextRange(issuedLow: number, listed: number, ahead: number, span: number, pageSize: number): IdRange | null {
  const lowest = listed + 1 + Math.max(0, Math.round(ahead));
  if (issuedLow <= lowest) return null;
  const width = Math.max(1, Math.floor(span * pageSize * RANGE_FILL));
  return { lo: Math.max(lowest, issuedLow - width), hi: issuedLow };
}

/** The search of one range: its ids, highest first, one page. */
export function rangeSearch(range: IdRange, properties: readonly string[], pageSize: number): SearchRequest {
  return {
    filterGroups: [
      {
        filters: [
          { propertyName: 'hs_object_id', operator: 'GTE', value: String(range.lo) },
          { propertyName: 'hs_object_id', operator: 'LT', value: String(range.hi) },
        ],
      },
    ],
    sorts: [{ propertyName: 'hs_object_id', direction: 'DESCENDING' }],
    properties: [...properties],
    limit: pageSize,
  };
}

/** The search for the highest id (and, in its `total`, how many records there are). */
export function topSearch(): SearchRequest {
  return { sorts: [{ propertyName: 'hs_object_id', direction: 'DESCENDING' }], properties: ['hs_object_id'], limit: 1 };
}

/**
 * What a range's page covered: from `from` up (everything of the range at or above it is in the
 * page), and the rest still to search when the page was full.
 */
export function coveredBy(range: IdRange, ids: readonly number[], pageSize: number): { from: number; rest: IdRange | null } {
  if (ids.length < pageSize) return { from: range.lo, rest: null };
  const lowest = Math.min(...ids);
  return { from: lowest, rest: lowest > range.lo ? { lo: range.lo, hi: lowest } : null };
}

/** The span after a page of `count` records covered ids from `from` up to the floor before it (halfway to what it saw). */
export function nextSpan(span: number, floorBefore: number, from: number, count: number): number {
  const seen = (floorBefore - from) / Math.max(0.5, count);
  return Math.max(1, (span + seen) / 2);
}

/** Whether a list page's ids (in its order) are numbers, ascending, above `listed`: what the split relies on. */
export function listedInOrder(ids: readonly (number | null)[], listed: number): boolean {
  let last = listed;
  for (const id of ids) {
    if (id === null || id <= last) return false;
    last = id;
  }
  return true;
}
