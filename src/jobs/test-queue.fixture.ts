// Test support for the job layer (not a test itself): a migrated database per test file and
// queue options with short intervals, shared by the contract suite and the SIGKILL child.
import { z } from 'zod';
import type { DatabaseConfig } from '../config/index.js';
import { defineJob, type AnyJobDefinition, type JobQueueOptions } from './index.js';

/** Queue options for tests: fast polling, short grace, pg-boss maintenance every second. */
export function testQueueOptions(config: DatabaseConfig, catalog: readonly AnyJobDefinition[]): JobQueueOptions {
  return {
    catalog,
    pollIntervalMs: 100,
    leaseGraceMs: 500,
    onError: (error) => console.error('[jobs test]', error),
    ...(config.kind === 'postgres'
      ? {
          postgres: {
            url: config.url,
            maintenanceIntervalSeconds: 1,
            cronMonitorIntervalSeconds: 1,
            cronWorkerIntervalSeconds: 1,
            lockedKeyDelayMs: 200,
          },
        }
      : {}),
  };
}

/** Resolves when `condition` holds, polling; rejects after `timeoutMs` naming what it awaited. */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The job the SIGKILL test's child process takes and dies holding. */
export const crashJob = defineJob({
  name: 't.crash',
  payload: z.object({ workspaceId: z.string() }),
  exclusiveKey: (p) => p.workspaceId,
  timeoutMs: 2_000,
  retry: { limit: 3, baseMs: 1_000, maxMs: 1_000 },
});
