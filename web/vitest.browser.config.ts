import { defineConfig } from 'vitest/config';

// Browser tests: the real service (with the built UI) and the HubSpot sandbox in-process,
// driven through Debian's Chromium with playwright-core. One fork, one file at a time,
// generous timeouts: a browser start and a Vite build take seconds, not milliseconds.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['web/test/**/*.browser.test.ts'],
    globalSetup: ['web/test/support/build-once.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
