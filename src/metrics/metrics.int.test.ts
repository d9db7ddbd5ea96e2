// GET /metrics as Prometheus scrapes it: absent unless HUBSYNC_METRICS=on, behind the token when
// one is set, and counting what a real sync against the sandbox did (HubSpot calls by status
// class as the sandbox answered them, 429s, records by type / direction / outcome, run
// durations, jobs, the portal's calls today) — with no label naming a record, a person, a
// workspace or a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { startTestService, type TestService } from '../../test/support/service.js';

const TOKEN = 'scrape-token-123';
const W = '/api/workspaces/default';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (format 0.0.4). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0);
}

async function scrape(url: string, token: string | undefined = TOKEN): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

describe('GET /metrics switched off (the default)', () => {
  let ts: TestService;
  beforeAll(async () => {
    ts = await startTestService();
  });
  afterAll(async () => ts?.close());

  it('answers 404 like a route that does not exist, not the web UI', async () => {
    const response = await fetch(`${ts.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /metrics.' } });
  });
});

describe('GET /metrics with HUBSYNC_METRICS=on and a token', () => {
  let env: SandboxedService;
  beforeAll(async () => {
    env = await startSandboxedService({ env: { HUBSYNC_METRICS: 'on', HUBSYNC_METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => env?.close());

  it('refuses a scrape without the token or with another one (401), and takes the right one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      const response = await fetch(`${env.ts.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
    // A workspace API key or a session is no way in either: only the metrics token.
    expect((await fetch(`${env.ts.url}/metrics`, { headers: { cookie: env.admin.cookie } })).status).toBe(401);
    expect((await scrape(env.ts.url)).length).toBeGreaterThan(0);
  });

  it('counts a sync: HubSpot calls as the sandbox answered them, 429s, records, the run, jobs and the portal quota', async () => {
    const { admin, sandbox, portalId } = env;
    const customers = Array.from({ length: 25 }, (_, i) => ({ externalId: `m${i}`, email: `metrics${i}@example.com`, firstName: `M${i}` }));
    expect((await admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);

    const before = await scrape(env.ts.url);
    sandbox.control.resetCounts();
    // Every HubSpot answer is a 429 until one was given; the client waits and tries again.
    sandbox.control.setFaults({ '429': 1 });
    const started = await admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(started.status).toBe(202);
    while ((sandbox.control.counts().byPortal[String(portalId)]?.byStatus['429'] ?? 0) === 0) await new Promise((r) => setTimeout(r, 5));
    sandbox.control.setFaults({});
    const run = await waitForRun(admin, started.body.id, runEnded);
    expect(run).toMatchObject({ status: 'succeeded', created: 25, failed: 0 });
    await new Promise((r) => setTimeout(r, 200));
    const after = await scrape(env.ts.url);
    const delta = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);

    const answered = sandbox.control.counts().byPortal[String(portalId)]!.byStatus;
    const byClass = (prefix: string) => Object.entries(answered).filter(([status]) => status.startsWith(prefix)).reduce((t, [, n]) => t + n, 0);
    expect(byClass('2')).toBeGreaterThan(0);
    expect(delta('hubsync_hubspot_requests_total', { status_class: '2xx' })).toBe(byClass('2'));
    expect(delta('hubsync_hubspot_requests_total', { status_class: '4xx' })).toBe(byClass('4'));
    expect(answered['429']).toBeGreaterThanOrEqual(1);
    expect(delta('hubsync_hubspot_rate_limited_total')).toBe(answered['429']);

    expect(delta('hubsync_records_synced_total', { object_type: 'contacts', direction: 'push', outcome: 'success' })).toBe(25);
    expect(delta('hubsync_records_synced_total', { outcome: 'error' })).toBe(0);
    expect(delta('hubsync_sync_run_duration_seconds_count', { status: 'succeeded' })).toBe(1);
    expect(delta('hubsync_sync_run_duration_seconds_sum')).toBeGreaterThan(0);

    // Read from the database on each scrape: the run's job, the portal's calls today.
    expect(sum(after, 'hubsync_jobs', { queue: 'sync.push', state: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'hubsync_jobs', { state: 'active' })).toBe(0);
    expect(sum(after, 'hubsync_hubspot_daily_calls', { portal_id: String(portalId) })).toBeGreaterThanOrEqual(byClass('2'));
    expect(sum(after, 'hubsync_metrics_source_up', { source: 'database' })).toBe(1);
    expect(sum(after, 'hubsync_metrics_source_up', { source: 'jobs' })).toBe(1);
  });

  it('counts records waiting for their on-change push', async () => {
    const db = env.ts.service.database.db;
    const customer = await db.selectFrom('customers').select(['id', 'workspace_id']).limit(1).executeTakeFirstOrThrow();
    await db.insertInto('pending_changes').values({ workspace_id: customer.workspace_id, object_type: 'contacts', record_id: customer.id, changed_at: Date.now(), version: 1 }).execute();
    try {
      expect(sum(await scrape(env.ts.url), 'hubsync_pending_on_change_records', { object_type: 'contacts' })).toBe(1);
    } finally {
      await db.deleteFrom('pending_changes').where('record_id', '=', customer.id).execute();
    }
    expect(sum(await scrape(env.ts.url), 'hubsync_pending_on_change_records')).toBe(0);
  });

  it('has no label naming a record, a person, a workspace or a run', async () => {
    const samples = await scrape(env.ts.url);
    const db = env.ts.service.database.db;
    const identifying = new Set<string>([
      ...(await db.selectFrom('customers').select(['id', 'email', 'external_id']).execute()).flatMap((c) => [c.id, String(c.email), String(c.external_id)]),
      ...(await db.selectFrom('users').select(['id', 'email']).execute()).flatMap((u) => [u.id, u.email]),
      ...(await db.selectFrom('workspaces').select(['id', 'slug']).execute()).flatMap((w) => [w.id, w.slug]),
      ...(await db.selectFrom('sync_runs').select('id').execute()).map((r) => r.id),
      ...(await db.selectFrom('sync_attempts').select(['id', 'hubspot_id']).execute()).flatMap((a) => [a.id, String(a.hubspot_id)]),
    ]);
    const hubsync = samples.filter((s) => s.name.startsWith('hubsync_') && !s.name.startsWith('hubsync_nodejs_') && !s.name.startsWith('hubsync_process_'));
    const labelNames = new Set(hubsync.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(['direction', 'le', 'object_type', 'outcome', 'portal_id', 'queue', 'source', 'state', 'status', 'status_class', 'trigger']);
    for (const sample of samples) for (const value of Object.values(sample.labels)) expect(identifying.has(value), `${sample.name} ${value}`).toBe(false);
  });
});
