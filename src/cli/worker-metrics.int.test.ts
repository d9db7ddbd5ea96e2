// `hubsync worker --metrics-port` as a real process: the worker, which serves no other HTTP,
// answers GET /metrics (behind HUBSYNC_METRICS_TOKEN) with what it did — the records of the
// Sync now run it took from the web process — and nothing else on that port.
import { afterAll, expect, it } from 'vitest';
import { runCli, takingJobs, type Cli } from '../../test/support/cli-process.js';
import { startSandboxedService, syncNow, workerEnvOf, type SandboxedService } from '../../test/support/sandboxed.js';

const TOKEN = 'worker-scrape-token';
let env: SandboxedService | undefined;
let worker: Cli | undefined;
afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await env?.close();
});

it('serves the counts of the run it worked on its metrics port, behind the token', async () => {
  env = await startSandboxedService({ jobs: { work: false } });
  const customers = Array.from({ length: 12 }, (_, i) => ({ externalId: `w${i}`, email: `worker-metrics${i}@example.com` }));
  expect((await env.admin.post('/api/workspaces/default/customers/bulk-upsert', { customers })).body['failed']).toBe(0);
  worker = runCli(['worker', '--metrics-port', '0'], { ...workerEnvOf(env), HUBSYNC_METRICS_TOKEN: TOKEN });
  await takingJobs(worker);
  const url = /Metrics: (\S+)/.exec(worker.stdout())![1]!;

  expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 12 });
  const scraped = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(scraped.status).toBe(200);
  const text = await scraped.text();
  expect(text).toContain('hubsync_records_synced_total{object_type="contacts",direction="push",outcome="success"} 12');
  expect(text).toMatch(/hubsync_sync_run_duration_seconds_count\{trigger="manual",status="succeeded"\} 1/);
  expect(text).toMatch(/hubsync_hubspot_requests_total\{status_class="2xx"\} [1-9]/);

  expect((await fetch(url)).status).toBe(401);
  expect((await fetch(url.replace('/metrics', '/api/health'), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  // The web process counted none of it: its metrics are off (404).
  expect((await fetch(`${env.ts.url}/metrics`)).status).toBe(404);
  // A process test: a service, a worker process and a run (slow on a loaded machine).
}, 180_000);
