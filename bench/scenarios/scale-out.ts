// The scale-out scenario: hubsync as the README's scale-out commands run it — a fresh
// PostgreSQL database, `hubsync serve --web-only` and two `hubsync worker` child processes —
// with four workspaces, each connected to its own sandbox portal. Each gets N new customers
// through bulk-upsert (on-change push off), then Sync now is sent in all four at once; the
// clock runs from those requests until every run has ended. The figure that matters is the
// aggregate records/s against the sum of the four portals' ceilings (burst limit of the tier
// per second × 100 records per batch call), with the calls, 429s and CPU seconds (PostgreSQL
// backends of the database vs the hubsync processes vs the bench process holding the sandbox)
// and each portal's timeline (job taken, first, 190th and last write) that explain where the
// time goes.
import { PROFILES, type Latency, type Tier } from '../../src/sandbox/index.js';
import { cpuSecondsOf, startProcessSet, type ProcessSet } from '../../test/support/multi-process.js';
import { bulkUpsert, customerAt } from './harness.js';

const BATCH_SIZE = 100;

export interface ScaleOutParams {
  customersPerWorkspace: number;
  workspaces: number;
  workers: number;
  tier: Tier;
  latencyMs: Latency;
  log: (line: string) => void;
}

export interface ScaleOutFigures {
  workspaces: number;
  workers: number;
  customersPerWorkspace: number;
  /** Bulk-upsert of every workspace's customers, all workspaces at once. */
  loadMs: number;
  /** From the Sync now requests to the last run ended. */
  pushMs: number;
  /** From the sandbox's first accepted write to its last. */
  firstToLastWriteMs: number;
  recordsPerSecond: number;
  /** Sum of the portals' ceilings in records/s; undefined for a tier without a burst limit. */
  ceiling: number | undefined;
  burstPer10s: number | undefined;
  runs: { status: string; processed: number; failed: number; apiCalls: number }[];
  /**
   * Per workspace, seconds after the Sync now requests: when a worker took its run's first job,
   * and the sandbox's first, burst-th (the window's last before it must wait) and last write.
   */
  timelines: { jobTaken: number; firstWrite: number; burstWrite: number | undefined; lastWrite: number }[];
  sandboxCalls: number;
  rateLimited429: number;
  contactsInHubSpot: number;
  cpuSeconds: { postgres: number; web: number; workers: number; benchProcess: number };
}

export async function runScaleOut(params: ScaleOutParams): Promise<ScaleOutFigures> {
  const set = await startProcessSet({ workspaces: params.workspaces, workers: params.workers, tier: params.tier, latencyMs: params.latencyMs, onChangePush: false, recordWrites: true });
  try {
    const n = params.customersPerWorkspace;
    const loadStarted = performance.now();
    await Promise.all(
      set.workspaces.map(async (w, k) => {
        const refused = await bulkUpsert(set.admin, Array.from({ length: n }, (_, i) => customerAt(i, `w${k + 1}-`)), w.slug);
        if (refused > 0) throw new Error(`${refused} customers refused in ${w.slug}`);
      }),
    );
    const loadMs = performance.now() - loadStarted;
    params.log(`  scale-out: ${params.workspaces} × ${n} customers loaded through bulk-upsert in ${(loadMs / 1000).toFixed(1)} s; Sync now in each…`);

    set.sandbox.control.resetCounts();
    const cpuBefore = await cpuSample(set);
    const started = performance.now();
    const startedAt = performance.timeOrigin + started;
    const runIds = await Promise.all(
      set.workspaces.map(async (w) => {
        const response = await set.admin.post<{ id: string }>(`/api/workspaces/${w.slug}/sync/runs`);
        if (response.status !== 202) throw new Error(`Sync now in ${w.slug}: ${response.status} ${JSON.stringify(response.body)}`);
        return response.body.id;
      }),
    );
    const runs = await Promise.all(
      set.workspaces.map(async (w, k) => {
        for (;;) {
          const run = await set.admin.get(`/api/workspaces/${w.slug}/sync/runs/${runIds[k]!}`);
          if (run.body['status'] !== 'running') return { status: String(run.body['status']), processed: Number(run.body['processed']), failed: Number(run.body['failed']), apiCalls: Number(run.body['apiCalls']) };
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );
    const pushMs = performance.now() - started;
    const cpuAfter = await cpuSample(set);

    const writes = set.sandbox.control.writes();
    const firstToLastWriteMs = writes.length === 0 ? 0 : Math.max(...writes.map((w) => w.endedAt)) - Math.min(...writes.map((w) => w.startedAt));
    const byPortal = Object.values(set.sandbox.control.counts().byPortal);
    const burst = PROFILES[params.tier].burst;
    // pg-boss's job table (its schema is stable in 10.x): the first slice's job of each run.
    const { rows: taken } = await set.sql.query<{ run: string; at: number }>(
      `select r.id as run, extract(epoch from min(j.started_on)) * 1000 as at
       from sync_runs r join hubsync_jobs.job j on j.name = 'sync.push' and j.singleton_key = r.workspace_id || ':contacts'
       where r.id = any($1) group by r.id`,
      [runIds],
    );
    const seconds = (at: number): number => (at - startedAt) / 1000;
    const timelines = set.workspaces.map((w, k) => {
      const mine = writes.filter((x) => x.portalId === w.portalId).sort((a, b) => a.startedAt - b.startedAt);
      const job = taken.find((t) => t.run === runIds[k]);
      return {
        jobTaken: job === undefined ? Number.NaN : seconds(Number(job.at)),
        firstWrite: seconds(mine[0]?.startedAt ?? Number.NaN),
        burstWrite: Number.isFinite(burst) && mine.length > burst ? seconds(mine[burst - 1]!.startedAt) : undefined,
        lastWrite: seconds(mine.at(-1)?.startedAt ?? Number.NaN),
      };
    });
    const perPortal = Number.isFinite(burst) ? (burst / 10) * BATCH_SIZE : undefined;
    const total = n * params.workspaces;
    return {
      workspaces: params.workspaces,
      workers: params.workers,
      customersPerWorkspace: n,
      loadMs,
      pushMs,
      firstToLastWriteMs,
      recordsPerSecond: total / (pushMs / 1000),
      ceiling: perPortal === undefined ? undefined : perPortal * params.workspaces,
      burstPer10s: Number.isFinite(burst) ? burst : undefined,
      runs,
      timelines,
      sandboxCalls: byPortal.reduce((sum, p) => sum + p.total, 0),
      rateLimited429: byPortal.reduce((sum, p) => sum + (p.byStatus['429'] ?? 0), 0),
      contactsInHubSpot: set.workspaces.reduce((sum, w) => sum + set.sandbox.control.listObjects(w.portalId, 'contacts').length, 0),
      cpuSeconds: {
        postgres: delta(cpuBefore.postgres, cpuAfter.postgres),
        web: delta(cpuBefore.web, cpuAfter.web),
        workers: delta(cpuBefore.workers, cpuAfter.workers),
        benchProcess: cpuAfter.self - cpuBefore.self,
      },
    };
  } finally {
    await set.close();
  }
}

interface CpuSample {
  /** CPU seconds so far per pid. */
  postgres: Map<number, number>;
  web: Map<number, number>;
  workers: Map<number, number>;
  self: number;
}

/**
 * CPU seconds so far of the PostgreSQL backends serving the set's database (pg_stat_activity),
 * of the hubsync processes, and of this process (the sandbox and the bench's HTTP client).
 */
async function cpuSample(set: ProcessSet): Promise<CpuSample> {
  const { rows } = await set.sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
  const of = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuSecondsOf(pid)]));
  const usage = process.cpuUsage();
  return {
    postgres: of(rows.map((r) => r.pid)),
    web: of([set.web.child.pid!]),
    workers: of(set.workers.filter((w) => w.child.exitCode === null).map((w) => w.child.pid!)),
    self: (usage.user + usage.system) / 1e6,
  };
}

/** CPU used between two samples: per pid, a process first seen in the second counts from zero. */
function delta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}
