import { describe, expect, it } from 'vitest';
import { coveredBy, decodeSplit, encodeSplit, idNumber, listedInOrder, nextRange, nextSpan, rangeSearch, splitMet, startSplit } from './pull-split.js';

describe('the split initial pull', () => {
  it('starts below the highest id with a span from the records left, and not at all when the listing is past it', () => {
    expect(startSplit(10_000, 5_000, 1_000)).toEqual({ top: 10_000, floor: 10_001, listed: 1_000, span: 9_000 / 5_000 });
    expect(startSplit(1_000, 10, 1_000)).toBeNull();
    // Never less than one id per record.
    expect(startSplit(100, 1_000, 0)!.span).toBe(1);
  });

  it('sizes ranges to fill most of a page, stops at what the listing covers, and keeps clear of its page in flight', () => {
    // 2 ids per record, 200 a page: 360 ids wide.
    expect(nextRange(10_001, 0, 0, 2, 200)).toEqual({ lo: 9_641, hi: 10_001 });
    expect(nextRange(500, 300, 0, 2, 200)).toEqual({ lo: 301, hi: 500 });
    expect(nextRange(500, 300, 150, 2, 200)).toEqual({ lo: 451, hi: 500 });
    expect(nextRange(301, 300, 0, 2, 200)).toBeNull();
    expect(nextRange(400, 300, 150, 2, 200)).toBeNull();
  });

  it('searches a range highest id first, one page', () => {
    expect(rangeSearch({ lo: 5, hi: 9 }, ['email'], 200)).toEqual({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_object_id', operator: 'GTE', value: '5' },
            { propertyName: 'hs_object_id', operator: 'LT', value: '9' },
          ],
        },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'DESCENDING' }],
      properties: ['email'],
      limit: 200,
    });
  });

  it('covers a whole range with a page that is not full, and leaves the rest below a full one', () => {
    expect(coveredBy({ lo: 10, hi: 20 }, [19, 15, 12], 5)).toEqual({ from: 10, rest: null });
    expect(coveredBy({ lo: 10, hi: 20 }, [19, 18, 17, 16, 15], 5)).toEqual({ from: 15, rest: { lo: 10, hi: 15 } });
    expect(coveredBy({ lo: 15, hi: 20 }, [19, 18, 17, 16, 15], 5)).toEqual({ from: 15, rest: null });
  });

  it('moves the span halfway to what a page saw, widening on an empty range', () => {
    expect(nextSpan(2, 1_000, 800, 200)).toBe(1.5);
    expect(nextSpan(2, 1_000, 640, 0)).toBe((2 + 720) / 2);
    expect(nextSpan(1, 10, 9, 5)).toBe(1);
  });

  it('is met once the listing reaches the floor', () => {
    expect(splitMet({ top: 100, floor: 51, listed: 50, span: 1 })).toBe(true);
    expect(splitMet({ top: 100, floor: 52, listed: 50, span: 1 })).toBe(false);
    expect(splitMet({ top: 100, floor: 101, listed: 120, span: 1 })).toBe(true);
  });

  it('takes only ids a range can hold, and list pages only in ascending order above what was listed', () => {
    expect(idNumber('12345')).toBe(12_345);
    expect(idNumber('12a')).toBeNull();
    expect(idNumber('99999999999999999')).toBeNull();
    expect(listedInOrder([11, 12, 40], 10)).toBe(true);
    expect(listedInOrder([11, 13, 12], 10)).toBe(false);
    expect(listedInOrder([10, 11], 10)).toBe(false);
    expect(listedInOrder([11, null], 10)).toBe(false);
  });

  it('stores its state as JSON and refuses one it cannot read', () => {
    const state = { top: 9, floor: 7, listed: 3, span: 1.25 };
    expect(decodeSplit(encodeSplit(state))).toEqual(state);
    expect(decodeSplit(null)).toBeNull();
    expect(() => decodeSplit('{"top":1}')).toThrow('not readable');
  });
});
