// Sync runs that survive the worst: the process killed mid-run (a real SIGKILL to a child
// process), and HubSpot failing transiently (5xx, 429) with a lagging search index.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, seededRandom, type RunningSandbox } from '../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';
import { syncNow } from '../../test/support/sandboxed.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const W = '/api/workspaces/default';

let sandbox: RunningSandbox | undefined;
let ts: TestService | undefined;
afterEach(async () => {
  await ts?.close().catch(() => undefined);
  await sandbox?.close();
  ts = undefined;
  sandbox = undefined;
});

async function prepare(count: number, sandboxOptions: Parameters<typeof startSandbox>[0]): Promise<{ admin: ApiClient; portalId: number }> {
  sandbox = await startSandbox(sandboxOptions);
  const { portalId } = sandbox.control.createPortal({ tier: 'unlimited' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl } });
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  expect((await admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
  for (let i = 0; i < count; i += 1000) {
    const customers = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ externalId: `x${i + k}`, email: `p${i + k}@example.com`, firstName: `Person ${i + k}`, city: 'Montréal' }));
    expect((await admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
  }
  return { admin, portalId };
}

function runSyncChild(): ChildProcess {
  const config = ts!.config;
  const databaseUrl = config.database.kind === 'sqlite' ? config.database.file : config.database.url;
  // The CLI from the current sources (bin/hubsync.js would prefer a possibly stale dist/).
  const entry = `const { main } = await import(${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))}); await main(['node', 'hubsync', 'sync', '--workspace', 'default']);`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry], {
    env: { ...process.env, DATABASE_URL: databaseUrl, HUBSYNC_DATA_DIR: config.dataDir, HUBSPOT_BASE_URL: sandbox!.baseUrl, HUBSYNC_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function expectConverged(portalId: number, count: number): void {
  const contacts = sandbox!.control.listObjects(portalId, 'contacts');
  const emails = contacts.map((c) => String(c.properties['email']));
  expect(new Set(emails).size).toBe(emails.length);
  expect(contacts).toHaveLength(count);
}

describe('crash safety', () => {
  it('converges with zero duplicates after the syncing process is killed mid-run', async () => {
    const count = 20_000;
    const { admin, portalId } = await prepare(count, { latencyMs: [150, 250] });
    // The child process owns the sync; this process only serves as the sandbox and observer.
    const child = runSyncChild();
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (;;) {
      const created = sandbox!.control.listObjects(portalId, 'contacts').length;
      if (created >= 4_000) break;
      if (child.exitCode !== null) throw new Error(`the sync ended (exit ${child.exitCode}) before it could be killed: ${stderr.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const partial = sandbox!.control.listObjects(portalId, 'contacts').length;
    expect(partial).toBeLessThan(count);

    // No customer claims Synced unless its contact really exists with its values.
    const ids = new Set(sandbox!.control.listObjects(portalId, 'contacts').map((c) => c.id));
    const claimed = await ts!.service.database.db.selectFrom('customers').select(['hubspot_id', 'sync_status']).where('sync_status', '=', 'synced').execute();
    expect(claimed.every((c) => c.hubspot_id !== null && ids.has(c.hubspot_id))).toBe(true);

    const second = runSyncChild();
    const code = await new Promise<number | null>((resolve) => second.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expectConverged(portalId, count);
    const summary = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['synced']).toBe(count);
    const runs = await admin.get<{ runs: { status: string }[] }>(`${W}/sync/runs`);
    expect(runs.body.runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
  }, 180_000);
});

describe('transient HubSpot failures', () => {
  it('converges in one run with 5 % 5xx, 2 % 429 and search lag', async () => {
    const count = 10_000;
    const { admin, portalId } = await prepare(count, { random: seededRandom(7), searchLagMs: 2_000 });
    sandbox!.control.setFaults({ '500': 0.02, '502': 0.01, '503': 0.01, '504': 0.01, '429': 0.02 });
    const run = await syncNow(admin);
    sandbox!.control.setFaults({});
    expect(run).toMatchObject({ status: 'succeeded', processed: count, created: count, failed: 0 });
    expectConverged(portalId, count);
    const sample = sandbox!.control.listObjects(portalId, 'contacts').find((c) => c.properties['email'] === 'p4242@example.com');
    expect(sample?.properties).toMatchObject({ firstname: 'Person 4242', city: 'Montréal' });
    const summary = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['synced']).toBe(count);
  }, 180_000);
});
