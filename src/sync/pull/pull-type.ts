// One type's pull: its checkpoint, the initial listing (./split-listing.ts) until it ends, then the
// incremental window of searches (./pull-window.ts), each page handed on with the checkpoint it
// moves to.
import type { CallOptions, CrmObject, HubSpotClient } from '../../hubspot/index.js';
import { createCheckpoint, findCheckpoint, type SyncCheckpointRow } from '../../store/index.js';
import { stampOf, type PullAdapter } from './pull-adapter.js';
import { advanceWindow, laterCursor, nextSearch, type WindowCursor } from './pull-window.js';
import { assertPhase, cursorOf } from './checkpoints.js';
import { SEARCH_PAGE_SIZE, DEFAULT_OVERLAP_MS, type PullEngineDeps, type PullSummary, type PageSink } from './pull-types.js';
import { readInitial } from './split-listing.js';

/**
 * One type: the initial listing until it ends, then the incremental window, each page handed
 * to `sink` with the checkpoint it moves to. `persist` false (a dry run) keeps a first
 * checkpoint in memory instead of storing it. Returns how it ended: read to the end, paused
 * by `shouldPause`, or stopped by the sink.
 */
export async function pullType(
  deps: PullEngineDeps,
  client: HubSpotClient,
  workspaceId: string,
  adapter: PullAdapter,
  summary: PullSummary,
  shouldPause: (() => boolean) | undefined,
  sink: PageSink,
  mode: { persist: boolean; call: CallOptions },
): Promise<'done' | 'paused' | 'stopped'> {
  const { db, clock } = deps;
  const context = await adapter.context(db, workspaceId);
  const properties = adapter.properties(context);
  let checkpoint = await findCheckpoint(db, workspaceId, adapter.objectType);
  if (!checkpoint) {
    assertPhase('none', 'initial');
    // `updated_at` is when a pull last read to the end: never yet.
    const first: SyncCheckpointRow = { workspace_id: workspaceId, object_type: adapter.objectType, phase: 'initial', last_modified_ms: clock.now(), ids_at_ms: '[]', after_cursor: null, updated_at: 0, split: null };
    checkpoint = !mode.persist || (await createCheckpoint(db, first)) ? first : await findCheckpoint(db, workspaceId, adapter.objectType);
    if (!checkpoint) throw new Error('The pull checkpoint vanished while it was being created.');
  }
  const handOver = async (records: readonly CrmObject[], next: SyncCheckpointRow): Promise<boolean> => {
    const stop = await sink({ adapter, context, records, expected: checkpoint!, next });
    checkpoint = next;
    summary.pages++;
    summary.pulled += records.length;
    return stop;
  };

  // Each page's request goes out as soon as its cursor (or search key) is known, while the
  // page before is still being applied, so one request is always in flight; pages are still
  // applied one after the other, each with its checkpoint. A request sent ahead is dropped
  // (one call spent) when applying the page before fails; none is sent once the pull is to pause.
  const ahead = <T>(request: () => Promise<T>): Promise<T> | undefined => {
    if (shouldPause?.()) return undefined;
    const sent = request();
    sent.catch(() => undefined);
    return sent;
  };

  if (checkpoint.phase === 'initial') {
    const ended = await readInitial(deps, client, adapter, properties, () => checkpoint!, handOver, ahead, mode);
    if (ended !== 'done') return ended;
  }

  const searchSize = deps.searchPageSize ?? SEARCH_PAGE_SIZE;
  const overlap = deps.overlapMs ?? DEFAULT_OVERLAP_MS;
  const stored = cursorOf(checkpoint);
  // HubSpot's search shows a change only after a delay, so what the previous pull's last search
  // could not see yet is read again: the window opens at the checkpoint or `overlap` before that
  // search, whichever is earlier (a crowded millisecond that was being read by id is then read
  // again from its start: re-applying changes nothing).
  const from = checkpoint.updated_at > 0 ? Math.min(stored.ms, checkpoint.updated_at - overlap) : stored.ms - overlap;
  let cursor: WindowCursor = from >= stored.ms ? stored : { ms: Math.max(0, from), idsAtMs: [], afterId: null };
  let reached = stored;
  const search = (key: WindowCursor) => async () => {
    const searchedAt = clock.now();
    return { searchedAt, result: await client.objects(adapter.objectType).search(nextSearch(key, adapter.modifiedProperty, properties, searchSize), mode.call) };
  };
  let searching = ahead(search(cursor));
  for (;;) {
    if (!searching) return 'paused';
    const { searchedAt, result } = await searching;
    const byId = new Map(result.results.map((r) => [r.id, r]));
    const step = advanceWindow(
      cursor,
      result.results.map((r) => ({ id: r.id, modifiedMs: stampOf(r.properties[adapter.modifiedProperty]) })),
      searchSize,
    );
    reached = laterCursor(reached, step.cursor);
    // Read to the end: every change older than `overlap` before this search was visible to it
    // and is applied, so the checkpoint moves up to there (an idle workspace's next pull then
    // reads only what changed since: one search).
    if (step.done && searchedAt - overlap > reached.ms) reached = { ms: searchedAt - overlap, idsAtMs: [], afterId: null };
    const next: SyncCheckpointRow = {
      ...checkpoint,
      last_modified_ms: reached.ms,
      ids_at_ms: JSON.stringify(reached.idsAtMs),
      after_cursor: reached.afterId,
      updated_at: step.done ? searchedAt : checkpoint.updated_at,
    };
    searching = step.done ? undefined : ahead(search(step.cursor));
    const stop = await handOver(
      step.apply.map((s) => byId.get(s.id)!),
      next,
    );
    cursor = step.cursor;
    if (step.done) return 'done';
    if (stop) return 'stopped';
  }
}
