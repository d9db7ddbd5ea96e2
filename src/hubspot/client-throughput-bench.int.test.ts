// Smoke test for bench/client-throughput.ts: the benchmark runs end to end against the
// sandbox with tiny parameters and reports consistent figures. Not a performance assertion.

import { describe, expect, it } from 'vitest';
import { runClientThroughputBench } from '../../bench/client-throughput.js';

describe('client throughput benchmark', () => {
  it('runs against the sandbox and counts every call', async () => {
    const figures = await runClientThroughputBench({ calls: 40, concurrency: 4, tier: 'free', fault5xx: 0.1 });
    expect(figures.calls).toBe(40);
    expect(figures.succeeded + figures.failed).toBe(40);
    expect(figures.succeeded).toBe(40);
    expect(figures.attempts).toBe(40 + figures.serverErrors + figures.rateLimited429);
    expect(figures.rateLimited429).toBe(0);
    expect(figures.burstLimit).toBe(100);
  });
});
