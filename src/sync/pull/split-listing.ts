// A type's initial listing (./pull-engine.ts, phase `initial`): the list API page after page and,
// once the listing is long, id-range searches reading it from the top at the same time until the
// two meet (./pull-split.ts).
import type { CallOptions, CrmObject, HubSpotClient, Page, SearchResult } from '../../hubspot/index.js';
import type { SyncCheckpointRow } from '../../store/index.js';
import type { PullAdapter } from './pull-adapter.js';
import { coveredBy, decodeSplit, encodeSplit, idNumber, listedInOrder, nextRange, nextSpan, rangeSearch, splitMet, startSplit, topSearch, type IdRange, type SplitState } from './pull-split.js';
import { LIST_PAGE_SIZE, SEARCH_PAGE_SIZE, SPLIT_AFTER_PAGES, type PullEngineDeps } from './pull-types.js';

/** A page of the list API. */
type ListPage = Page<CrmObject>;

/** One list page requested, and the cursor after it while that request waits for the page's turn. */
interface ListRead {
  reply: Promise<ListPage>;
  next: string | undefined;
}

/** One range search of a split listing (./pull-split.ts), and its reply once sent. */
interface RangeRead {
  range: IdRange;
  reply: Promise<SearchResult> | undefined;
}

/**
 * A type's initial listing, each page handed over with the checkpoint it moves to; 'done' once
 * it has read everything (the checkpoint then turns incremental). The list API's cursor comes
 * from the page before, so once the listing has more than `splitAfterPages` pages, id-range
 * searches read it from the top at the same time, several in flight within the portal's
 * search budget, until the two meet (./pull-split.ts). A dry run (`persist` false) only lists.
 *
 * Requests go out as soon as a reply makes them known (the next list cursor, the rest of a full
 * range, another range), whatever page is being applied meanwhile. Pages are applied one at a
 * time as they arrive — the listing's in order, the searches' highest range first — each
 * leaving out the records the other stream already applied.
 */
export async function readInitial(
  deps: PullEngineDeps,
  client: HubSpotClient,
  adapter: PullAdapter,
  properties: string[],
  current: () => SyncCheckpointRow,
  handOver: (records: readonly CrmObject[], next: SyncCheckpointRow) => Promise<boolean>,
  ahead: <T>(request: () => Promise<T>) => Promise<T> | undefined,
  mode: { persist: boolean; call: CallOptions },
): Promise<'done' | 'paused' | 'stopped'> {
  const objects = client.objects(adapter.objectType);
  const listSize = deps.listPageSize ?? LIST_PAGE_SIZE;
  const searchSize = deps.searchPageSize ?? SEARCH_PAGE_SIZE;
  const splitAfter = mode.persist ? (deps.splitAfterPages ?? SPLIT_AFTER_PAGES) : Infinity;
  const concurrency = Math.max(1, deps.searchConcurrency ?? client.governor.snapshot().search.limit);

  /** The searches' checkpoint as applied (null until the search for the highest id answered, and when given up). */
  let split = decodeSplit(current().split);
  /** The highest id the listing applied, and the highest it received (0 before its first page). */
  let listed = split?.listed ?? 0;
  let listFront = listed;
  /** The lowest id a search was sent for. */
  let issuedLow = split?.floor ?? Infinity;
  /** The split is not wanted (the listing is past the top) or not possible (ids out of order). */
  let declined = false;
  let pagesReceived = 0;
  let recordsReceived = 0;
  let topSearching = false;
  /** The list pages requested, in order: the first is applied next. */
  const listPages: ListRead[] = [];
  /** A list page is being applied: a page arriving meanwhile requests the next only once its turn comes (one page read ahead, as without the split). */
  let listApplying = false;
  /** The cursor of the next list page while it is held back (the searches were sent below it). */
  let listHeld: string | null = null;
  /** The range searches sent, highest first: the first is applied next (when its reply is in). */
  const ranges: RangeRead[] = [];
  let searchesInFlight = 0;
  /** Cleared when this listing returns: a reply arriving later sends nothing more. */
  let reading = true;

  const incremental = (): SyncCheckpointRow => ({ ...current(), phase: 'incremental', ids_at_ms: '[]', after_cursor: null, split: null });
  const withSplit = (after: string | null): SyncCheckpointRow => ({ ...current(), after_cursor: after, split: split === null ? null : encodeSplit({ ...split, listed }) });

  // Once the searches were sent down to here, the listing waits: they cover the rest.
  const follow = (next: string): void => {
    if (listFront + 1 < issuedLow) sendList(next);
    else listHeld = next;
  };

  const sendList = (after: string | null): void => {
    if (!reading) return;
    const sent = ahead(() => objects.list({ limit: listSize, properties, ...mode.call, ...(after === null ? {} : { after }) }));
    if (!sent) return;
    const read: ListRead = { reply: sent, next: undefined };
    read.reply = sent.then((page) => {
      const ids = page.results.map((r) => idNumber(r.id));
      // The split needs ids listed in ascending order; without them the listing reads everything (applying a record twice changes nothing).
      if (!listedInOrder(ids, listFront)) giveUp();
      else if (ids.length > 0) listFront = ids.at(-1)!;
      pagesReceived++;
      recordsReceived += page.results.length;
      const next = page.paging?.next?.after;
      if (next === undefined) return page;
      if (split === null && !declined && !topSearching && pagesReceived >= splitAfter) startSearches();
      if (!listApplying && listPages[0] === read) follow(next);
      else read.next = next;
      return page;
    });
    read.reply.catch(() => undefined);
    listPages.push(read);
  };

  const giveUp = (): void => {
    split = null;
    declined = true;
    ranges.length = 0;
    issuedLow = Infinity;
    if (listHeld !== null) {
      const held = listHeld;
      listHeld = null;
      sendList(held);
    }
  };

  const startSearches = (): void => {
    if (!reading) return;
    const sent = ahead(() => objects.search(topSearch(), mode.call));
    if (!sent) return;
    topSearching = true;
    sent.then(
      (result) => {
        topSearching = false;
        const top = result.results[0] ? idNumber(result.results[0].id) : null;
        if (declined) return;
        split = top === null ? null : startSplit(top, result.total - recordsReceived, listFront);
        if (split === null) declined = true;
        else {
          issuedLow = split.floor;
          sendRanges();
        }
      },
      // Without the highest id the listing reads everything, as before; whatever failed, its own calls meet it too.
      () => {
        topSearching = false;
        declined = true;
      },
    );
  };

  const sendSearch = (read: RangeRead): void => {
    if (!reading) return;
    const sent = ahead(() => objects.search(rangeSearch(read.range, properties, searchSize), mode.call));
    if (!sent) return;
    searchesInFlight++;
    read.reply = sent.then(
      (result) => {
        searchesInFlight--;
        const ids = result.results.map((r) => idNumber(r.id));
        if (ids.some((id) => id === null)) giveUp();
        // A full page: the rest of its range is searched next, before the ranges below.
        const rest = ranges.includes(read) ? coveredBy(read.range, ids as number[], searchSize).rest : null;
        if (rest && Math.max(rest.lo, listFront + 1) < rest.hi) {
          const after: RangeRead = { range: { lo: Math.max(rest.lo, listFront + 1), hi: rest.hi }, reply: undefined };
          ranges.splice(ranges.indexOf(read) + 1, 0, after);
          sendSearch(after);
        }
        sendRanges();
        return result;
      },
      (error: unknown) => {
        searchesInFlight--;
        throw error;
      },
    );
    read.reply.catch(() => undefined);
  };

  const sendRanges = (): void => {
    while (split !== null && searchesInFlight < concurrency && ranges.length < 4 * concurrency) {
      // A list page in flight is expected to cover about a page's span above what the listing received.
      const range = nextRange(issuedLow, listFront, listPages.length > 0 ? split.span * listSize : 0, split.span, searchSize);
      if (!range) return;
      const read: RangeRead = { range, reply: undefined };
      sendSearch(read);
      if (!read.reply) return;
      ranges.push(read);
      issuedLow = range.lo;
    }
  };

  if (split === null || !splitMet(split)) sendList(current().after_cursor);
  sendRanges();
  try {
    for (;;) {
      const first = ranges[0];
      const waits: Promise<{ kind: 'list'; page: ListPage } | { kind: 'range'; read: RangeRead; result: SearchResult }>[] = [];
      if (listPages[0]) waits.push(listPages[0].reply.then((page) => ({ kind: 'list' as const, page })));
      if (first?.reply) waits.push(first.reply.then((result) => ({ kind: 'range' as const, read: first, result })));
      if (waits.length === 0) return 'paused';
      for (const wait of waits) wait.catch(() => undefined);
      const event = await Promise.race(waits);

      if (event.kind === 'list') {
        const read = listPages.shift()!;
        if (read.next !== undefined) follow(read.next);
        const { page } = event;
        const ids = page.results.map((r) => idNumber(r.id));
        const floor = split?.floor ?? Infinity;
        const records = split === null ? page.results : page.results.filter((_, i) => ids[i]! < floor);
        const last = ids.at(-1);
        if (last !== undefined && last !== null) listed = Math.max(listed, last);
        const after = page.paging?.next?.after;
        const ended = after === undefined || (split !== null && splitMet({ ...split, listed }));
        // The listing's start time stays in the checkpoint: the incremental pull reads from it.
        listApplying = true;
        const stop = await handOver(records, ended ? incremental() : withSplit(after!));
        listApplying = false;
        if (stop) return 'stopped';
        if (ended) return 'done';
        continue;
      }

      // The highest range sent (unless the searches were given up while it was read).
      if (ranges[0] !== event.read || split === null) continue;
      ranges.shift();
      const state: SplitState = split;
      const ids = event.result.results.map((r) => idNumber(r.id)) as number[];
      const covered = coveredBy(event.read.range, ids, searchSize);
      const records = event.result.results.filter((_, i) => ids[i]! > listed);
      split = { ...state, floor: Math.min(state.floor, covered.from), span: nextSpan(state.span, state.floor, covered.from, ids.length) };
      const ended = splitMet({ ...split, listed });
      if (await handOver(records, ended ? incremental() : withSplit(current().after_cursor))) return 'stopped';
      if (ended) return 'done';
    }
  } finally {
    reading = false;
  }
}
