// The order test files start in. Vitest runs the files it has timings for longest first, but a
// fresh clone (CI) has none, so it starts the largest files first — and a small file that waits
// on real minutes (the schedule's once-a-minute test) or drives several processes would start
// last and hold the whole run open after every other file has finished. The files named here,
// the slowest of a run measured on 2 cores, start first, in this order; the rest follow in
// Vitest's own order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Path suffixes of the slowest test files, slowest first (seconds from a SQLite run on 2 cores
 * shared with other work, 2026-12-03; the two PostgreSQL-only ones from the PostgreSQL step of CI).
 */
export const SLOW_FIRST: readonly string[] = [
  'src/sync/objects-kill.int.test.ts', // 205 s: worker processes SIGKILLed mid-run, per object type
  'src/sync/schedule-realtime.int.test.ts', // 142 s, PostgreSQL only: waits on real minutes
  'src/cli/worker.int.test.ts', // 113 s
  'src/sync/sync-resilience.int.test.ts', // 56 s
  'src/sync/scale-out.int.test.ts', // 52 s, PostgreSQL only
  'src/sync/on-change-push.int.test.ts', // 38 s
  'src/cli/rotate-secret.int.test.ts', // 32 s
  'src/sync/deal-resilience.int.test.ts', // 27 s
  'src/tags/tags-10k.int.test.ts', // 24 s
  'src/integration/connection.int.test.ts', // 23 s
  'src/sync/push-pipeline.int.test.ts', // 21 s
  'src/cli/reconcile.int.test.ts', // 20 s
  'src/sync/company-resilience.int.test.ts', // 19 s
  'src/integration/shared-rate-budget.int.test.ts', // 19 s
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const index = SLOW_FIRST.findIndex((suffix) => file.moduleId.endsWith(suffix));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Array.prototype.sort is stable: files not named keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
