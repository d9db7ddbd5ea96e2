import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first.js';

// Unit tests (`*.test.ts`) and integration tests (`*.int.test.ts`) run together; the
// integration tests open real SQLite files, a real PostgreSQL database (HUBSYNC_TEST_DB=postgres),
// the sandbox over real HTTP and, under web/, a real Chromium.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'web/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // The slowest files first, also on a fresh clone (test/support/slow-first.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
