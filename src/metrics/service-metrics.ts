// The service's Prometheus metrics (GET /metrics, HUBSYNC_METRICS=on). Counters and the run
// histogram count what this process did since it started: HubSpot calls (told by the gateway's
// call hook, one per HTTP attempt), records written to the sync log, runs that ended. Gauges are
// read from the database on each scrape, so they show every process sharing it (workers
// included): jobs by queue and state, records waiting for their on-change push, each portal's
// HubSpot calls today. Labels are bounded: object type, direction, outcome, status class, queue,
// state, trigger, portal id — never a record, a user or a workspace name.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallRecord } from '../hubspot/index.js';
import type { QueueCounts } from '../jobs/index.js';
import { withDeadline, type Clock } from '../lib/index.js';
import { countPendingChangesByType, listDailyUsage, type Db } from '../store/index.js';
import type { SyncMetrics } from '../sync/index.js';

export interface MetricSources {
  db: Db;
  clock: Clock;
  /** The job backend (embedded tables or pg-boss): its counts by queue and state. */
  jobs: { counts(): Promise<QueueCounts[]> };
  /** How long a scrape waits for each source before reporting it down; default 3 000 ms. */
  timeoutMs?: number;
}

/** HTTP status → `2xx` … `5xx`; `network` when no response arrived (timeout, refused, reset). */
export function statusClass(status: number | null): string {
  return status === null ? 'network' : `${Math.floor(status / 100)}xx`;
}

const RUN_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400];

export class ServiceMetrics implements SyncMetrics {
  readonly registry = new Registry();
  readonly #sources: MetricSources;
  readonly #hubspotRequests: Counter<'status_class'>;
  readonly #rateLimited: Counter;
  readonly #records: Counter<'object_type' | 'direction' | 'outcome'>;
  readonly #runs: Histogram<'trigger' | 'status'>;
  readonly #jobs: Gauge<'queue' | 'state'>;
  readonly #pending: Gauge<'object_type'>;
  readonly #dailyCalls: Gauge<'portal_id'>;
  readonly #sourceUp: Gauge<'source'>;

  constructor(sources: MetricSources) {
    this.#sources = sources;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'hubsync_' });
    this.#hubspotRequests = new Counter({ name: 'hubsync_hubspot_requests_total', help: 'HTTP attempts to HubSpot by this process, by status class (network: no response)', labelNames: ['status_class'], registers });
    this.#rateLimited = new Counter({ name: 'hubsync_hubspot_rate_limited_total', help: 'HubSpot answers that were 429 (rate limited) in this process', registers });
    this.#records = new Counter({ name: 'hubsync_records_synced_total', help: 'Records written to the sync log by this process, by object type, direction (push, pull) and outcome (success, error)', labelNames: ['object_type', 'direction', 'outcome'], registers });
    this.#runs = new Histogram({ name: 'hubsync_sync_run_duration_seconds', help: 'Sync runs ended in this process: from start to end, by trigger and final status', labelNames: ['trigger', 'status'], buckets: RUN_BUCKETS_SECONDS, registers });
    this.#jobs = new Gauge({ name: 'hubsync_jobs', help: 'Jobs in the job backend by queue and state (queued, retry, active, failed, completed; finished jobs until pruned), all processes', labelNames: ['queue', 'state'], registers });
    this.#pending = new Gauge({ name: 'hubsync_pending_on_change_records', help: 'Records waiting for their on-change push, by object type, all workspaces', labelNames: ['object_type'], registers });
    this.#dailyCalls = new Gauge({ name: 'hubsync_hubspot_daily_calls', help: "HubSpot calls counted against each portal's daily limit today (UTC), all processes", labelNames: ['portal_id'], registers });
    this.#sourceUp = new Gauge({ name: 'hubsync_metrics_source_up', help: 'Whether the last scrape could read a source of the gauges (database, jobs): 1 yes, 0 no', labelNames: ['source'], registers });
    // Every label combination a dashboard expects is present from the start, at 0.
    for (const status_class of ['2xx', '4xx', '5xx', 'network']) this.#hubspotRequests.labels({ status_class }).inc(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Pass to the HubSpot gateway as its `onCall` hook. */
  readonly hubspotCall = (call: CallRecord): void => {
    this.#hubspotRequests.labels({ status_class: statusClass(call.status) }).inc();
    if (call.status === 429) this.#rateLimited.inc();
  };

  recordsSynced(attempts: readonly { object_type: string; direction: string; outcome: string }[]): void {
    for (const attempt of attempts) this.#records.labels({ object_type: attempt.object_type, direction: attempt.direction, outcome: attempt.outcome }).inc();
  }

  runEnded(run: { trigger: string; started_at: number }, status: string, finishedAt: number): void {
    this.#runs.labels({ trigger: run.trigger, status }).observe(Math.max(0, finishedAt - Number(run.started_at)) / 1000);
  }

  /** The exposition text: reads the gauges' sources first (each within its timeout; one down is reported, not thrown). */
  async render(): Promise<string> {
    const timeoutMs = this.#sources.timeoutMs ?? 3_000;
    const { db, clock, jobs } = this.#sources;
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const [queues, database] = await Promise.allSettled([
      withDeadline(jobs.counts(), timeoutMs, 'the job backend'),
      withDeadline(Promise.all([countPendingChangesByType(db), listDailyUsage(db, day)]), timeoutMs, 'the database'),
    ]);
    this.#jobs.reset();
    if (queues.status === 'fulfilled') {
      for (const q of queues.value) {
        for (const state of ['queued', 'retry', 'active', 'failed', 'completed'] as const) this.#jobs.labels({ queue: q.queue, state }).set(q[state]);
      }
    }
    this.#pending.reset();
    this.#dailyCalls.reset();
    if (database.status === 'fulfilled') {
      const [pending, usage] = database.value;
      for (const p of pending) this.#pending.labels({ object_type: p.objectType }).set(p.count);
      for (const u of usage) this.#dailyCalls.labels({ portal_id: String(u.portalId) }).set(u.calls);
    }
    this.#sourceUp.labels({ source: 'jobs' }).set(queues.status === 'fulfilled' ? 1 : 0);
    this.#sourceUp.labels({ source: 'database' }).set(database.status === 'fulfilled' ? 1 : 0);
    return this.registry.metrics();
  }
}
