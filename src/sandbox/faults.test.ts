import { describe, expect, it } from 'vitest';
import { checkFaults, parseFaults, parseLatency, pickFault, pickLatency, seededRandom } from './faults.js';

describe('fault injection', () => {
  it('picks a fault by cumulative probability from one draw', () => {
    const faults = { '429': 0.1, '500': 0.2 };
    expect(pickFault(faults, () => 0.05)).toBe('429');
    expect(pickFault(faults, () => 0.25)).toBe('500');
    expect(pickFault(faults, () => 0.31)).toBeUndefined();
    expect(pickFault({}, () => 0)).toBeUndefined();
  });

  it('replays exactly with a seeded source and hits roughly the asked rate', () => {
    const run = () => {
      const r = seededRandom(7);
      return Array.from({ length: 10_000 }, () => pickFault({ '503': 0.1 }, r));
    };
    const a = run();
    expect(a).toEqual(run());
    const hits = a.filter((f) => f === '503').length;
    expect(hits).toBeGreaterThan(900);
    expect(hits).toBeLessThan(1100);
  });

  it('parses the CLI forms and rejects bad ones', () => {
    expect(parseFaults('429=0.02,500=0.01,timeout=0.005')).toEqual({ '429': 0.02, '500': 0.01, timeout: 0.005 });
    expect(() => parseFaults('418=0.5')).toThrow(/Unknown fault/);
    expect(() => checkFaults({ '500': 0.7, '502': 0.7 })).toThrow(/more than 1/);
    expect(parseLatency('50-200')).toEqual([50, 200]);
    expect(parseLatency('30')).toBe(30);
    expect(() => parseLatency('200-50')).toThrow();
  });

  it('draws latency inside the range', () => {
    expect(pickLatency([50, 150], () => 0.5)).toBe(100);
    expect(pickLatency(20, () => 0.9)).toBe(20);
    expect(pickLatency(undefined, () => 0.9)).toBe(0);
  });
});
