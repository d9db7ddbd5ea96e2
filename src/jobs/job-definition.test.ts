import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob, retryDelayMs } from './job-definition.js';

describe('retry backoff', () => {
  const policy = { limit: 10, baseMs: 1_000, maxMs: 10_000 };

  it('doubles from the base with each retry and stops at the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(policy, n))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('does not overflow for a very late retry', () => {
    expect(retryDelayMs(policy, 5_000)).toBe(10_000);
  });
});

describe('defineJob', () => {
  it('refuses a queue name pg-boss or the table could not hold', () => {
    expect(() => defineJob({ name: 'has space', payload: z.object({}) })).toThrow(/valid queue name/);
  });

  it('refuses a ceiling below the base', () => {
    expect(() => defineJob({ name: 'a.b', payload: z.object({}), retry: { baseMs: 10, maxMs: 5 } })).toThrow(/baseMs/);
  });
});
