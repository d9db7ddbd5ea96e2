// `hubsync worker` as a real process: its help, a clean exit on SIGTERM whether idle or in the
// middle of a Sync now run, and the run it handed back finished by the next worker — the web
// process (`serve --web-only`) only sends the job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, takingJobs, until } from '../../test/support/cli-process.js';
import { createTestDatabase } from '../../test/support/database.js';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';

const W = '/api/workspaces/default';

let env: SandboxedService | undefined;
let killed: SandboxedService | undefined;
afterAll(async () => {
  await env?.close();
  await killed?.close();
});

/** A web-only service over a sandbox, `count` customers to push, and the environment of its workers. */
async function webOnlyWithCustomers(count: number, prefix: string): Promise<{ service: SandboxedService; workerEnv: Record<string, string> }> {
  const service = await startSandboxedService({ jobs: { work: false } });
  for (let i = 0; i < count; i += 1000) {
    const customers = Array.from({ length: 1000 }, (_, k) => ({ externalId: `${prefix}${i + k}`, email: `${prefix}${i + k}@example.com`, firstName: 'Worker' }));
    expect((await service.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
  }
  const config = service.ts.config;
  const workerEnv = {
    DATABASE_URL: config.database.kind === 'sqlite' ? config.database.file : config.database.url,
    HUBSYNC_DATA_DIR: config.dataDir,
    HUBSPOT_BASE_URL: service.sandbox.baseUrl,
  };
  return { service, workerEnv };
}

describe('hubsync worker', () => {
  it('explains itself with --help', async () => {
    const cli = runCli(['worker', '--help'], {});
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('Usage: hubsync worker');
    expect(cli.stdout()).toContain('--concurrency <n>');
    const serve = runCli(['serve', '--help'], {});
    expect(await serve.exited).toBe(0);
    expect(serve.stdout()).toContain('--web-only');
  }, 60_000);

  it('exits 0 on SIGTERM while idle', async () => {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'hubsync-worker-'));
    try {
      const url = db.config.kind === 'sqlite' ? db.config.file : db.config.url;
      const cli = runCli(['worker', '--concurrency', '2'], { DATABASE_URL: url, HUBSYNC_DATA_DIR: dataDir });
      await takingJobs(cli);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await db.drop();
    }
  }, 60_000);

  it('exits 0 on SIGTERM in the middle of a run, which the next worker finishes without sending anyone twice', async () => {
    const count = 3_000;
    const prepared = await webOnlyWithCustomers(count, 'w');
    env = prepared.service;
    const workerEnv = prepared.workerEnv;
    env.sandbox.control.setLatency(400);
    const run = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(run.status).toBe(202);
    // Nobody works jobs in the web process: the run waits for a worker.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await env.admin.get(`${W}/sync/runs/${run.body.id}`)).body).toMatchObject({ status: 'running', processed: 0 });

    const first = runCli(['worker'], workerEnv);
    await until(async () => Number((await env!.admin.get(`${W}/sync/runs/${run.body.id}`)).body['processed']) > 0, 'the run made progress', first);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const handedBack = (await env.admin.get(`${W}/sync/runs/${run.body.id}`)).body;
    expect(handedBack['status']).toBe('running');
    expect(Number(handedBack['processed'])).toBeLessThan(count);
    // Every batch the first worker sent was recorded before it exited.
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(Number(handedBack['processed']));

    env.sandbox.control.setLatency(undefined);
    const second = runCli(['worker'], workerEnv);
    const finished = await waitForRun(env.admin, run.body.id, runEnded);
    expect(finished).toMatchObject({ status: 'succeeded', processed: count, created: count, failed: 0 });
    const emails = env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => String(c.properties['email']));
    expect(new Set(emails).size).toBe(count);
    expect(emails).toHaveLength(count);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('resumes the run of a SIGKILLed worker in the next worker, which finishes it without duplicates', async () => {
    const count = 3_000;
    const { service, workerEnv } = await webOnlyWithCustomers(count, 'k');
    killed = service;
    service.sandbox.control.setLatency(400);
    const run = await service.admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(run.status).toBe(202);
    const first = runCli(['worker'], workerEnv);
    await until(async () => Number((await service.admin.get(`${W}/sync/runs/${run.body.id}`)).body['processed']) > 0, 'the run made progress', first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await service.admin.get(`${W}/sync/runs/${run.body.id}`)).body['status']).toBe('running');

    service.sandbox.control.setLatency(undefined);
    // The dead worker's job is taken again once its lease (timeout + grace) has run out.
    const second = runCli(['worker'], workerEnv);
    const finished = await waitForRun(service.admin, run.body.id, runEnded);
    expect(finished).toMatchObject({ status: 'succeeded', processed: count, failed: 0 });
    const emails = service.sandbox.control.listObjects(service.portalId, 'contacts').map((c) => String(c.properties['email']));
    expect(emails).toHaveLength(count);
    expect(new Set(emails).size).toBe(count);
    const summary = await service.admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['synced']).toBe(count);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000);
});
