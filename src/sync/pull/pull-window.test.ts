// The incremental pull's window, against an in-memory search that behaves like HubSpot's
// (filters, one sort, a page of `limit`, ties in arbitrary order, 10,000 results at most).
import { describe, expect, it } from 'vitest';
import type { SearchRequest } from '../../hubspot/index.js';
import { advanceWindow, laterCursor, nextSearch, type PulledStamp, type WindowCursor } from './pull-window.js';

const CAP = 10_000;

/** HubSpot's search over `records`: ties in the modified sort come in a shuffled order. */
function search(records: readonly PulledStamp[], request: SearchRequest, seed: number): PulledStamp[] {
  const filters = request.filterGroups![0]!.filters;
  const matches = records.filter((r) =>
    filters.every((f) => {
      const actual = f.propertyName === 'hs_object_id' ? Number(r.id) : r.modifiedMs;
      const value = Number(f.value);
      return f.operator === 'EQ' ? actual === value : f.operator === 'GT' ? actual > value : f.operator === 'GTE' ? actual >= value : false;
    }),
  );
  const sort = request.sorts![0] as { propertyName: string };
  const shuffled = [...matches].sort((a, b) => ((Number(a.id) * 7919 + seed) % 1009) - ((Number(b.id) * 7919 + seed) % 1009));
  shuffled.sort((a, b) => (sort.propertyName === 'hs_object_id' ? Number(a.id) - Number(b.id) : a.modifiedMs - b.modifiedMs));
  expect(request.after).toBeUndefined();
  return shuffled.slice(0, Math.min(request.limit!, CAP));
}

function pullAll(records: PulledStamp[], start: WindowCursor, pageSize: number, onPage: (n: number) => void = () => undefined): { applied: string[]; calls: number; cursor: WindowCursor } {
  let cursor = start;
  const applied: string[] = [];
  let calls = 0;
  for (;;) {
    const page = search(records, nextSearch(cursor, 'lastmodifieddate', [], pageSize), calls++);
    const step = advanceWindow(cursor, page, pageSize);
    applied.push(...step.apply.map((r) => r.id));
    cursor = step.cursor;
    onPage(calls);
    if (step.done) return { applied, calls, cursor };
    if (calls > 10_000) throw new Error('no progress');
  }
}

const start: WindowCursor = { ms: 0, idsAtMs: [], afterId: null };

describe('incremental pull window', () => {
  it('hands out every record once when 25,000 share one millisecond, without paging a search', () => {
    const records: PulledStamp[] = [];
    let id = 1;
    for (let i = 0; i < 150; i++) records.push({ id: String(id++), modifiedMs: 1000 + i });
    for (let i = 0; i < 25_000; i++) records.push({ id: String(id++), modifiedMs: 5000 });
    for (let i = 0; i < 150; i++) records.push({ id: String(id++), modifiedMs: 6000 + (i % 3) });
    const { applied, calls, cursor } = pullAll(records, start, 200);
    expect(applied).toHaveLength(records.length);
    expect(new Set(applied).size).toBe(records.length);
    // About one call per 200 records, plus the switches into and out of the crowded millisecond.
    expect(calls).toBeLessThan(Math.ceil(records.length / 200) + 6);
    expect(cursor.ms).toBe(6002);
  });

  it('skips nothing when ties straddle page ends, and resumes from a stored cursor without re-applying', () => {
    const records: PulledStamp[] = Array.from({ length: 1000 }, (_, i) => ({ id: String(i + 1), modifiedMs: 100 + Math.floor(i / 7) }));
    const half: string[] = [];
    let stored = start;
    let cursor = start;
    // Applies pages until 400 records are in, storing the cursor after each page, then "crashes".
    while (half.length < 400) {
      const page = search(records, nextSearch(cursor, 'lastmodifieddate', [], 50), half.length);
      const step = advanceWindow(cursor, page, 50);
      half.push(...step.apply.map((r) => r.id));
      cursor = step.cursor;
      stored = laterCursor(stored, cursor);
    }
    const rest = pullAll(records, stored, 50);
    expect([...half, ...rest.applied].sort()).toEqual(records.map((r) => r.id).sort());
  });

  it('finds a record that changed while the pull was reading (it moves to a later millisecond)', () => {
    const records: PulledStamp[] = Array.from({ length: 600 }, (_, i) => ({ id: String(i + 1), modifiedMs: 100 + i }));
    const applied = pullAll(records, start, 100, (n) => {
      if (n === 2) records[10] = { id: '11', modifiedMs: 10_000 };
    }).applied;
    expect(new Set(applied).size).toBe(600);
    expect(applied.filter((id) => id === '11')).toHaveLength(2);
  });

  it('never moves a stored cursor back', () => {
    expect(laterCursor({ ms: 50, idsAtMs: ['1'], afterId: null }, { ms: 40, idsAtMs: ['9'], afterId: null })).toEqual({ ms: 50, idsAtMs: ['1'], afterId: null });
    expect(laterCursor({ ms: 50, idsAtMs: ['1'], afterId: null }, { ms: 50, idsAtMs: ['2'], afterId: null })).toEqual({ ms: 50, idsAtMs: ['1', '2'], afterId: null });
    expect(laterCursor({ ms: 50, idsAtMs: [], afterId: null }, { ms: 60, idsAtMs: [], afterId: '7' })).toEqual({ ms: 60, idsAtMs: [], afterId: '7' });
  });
});
