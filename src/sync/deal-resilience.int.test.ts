// Deals survive the syncing process being killed mid-run (a real SIGKILL to a child process):
// deals are upserted by hubsync's own unique key, so the run after the kill finds the deals the
// killed one created instead of creating them again, and associates them to their contacts.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const W = '/api/workspaces/default';
const DEALS = 3_000;
const CUSTOMERS = 100;

let sandbox: RunningSandbox | undefined;
let ts: TestService | undefined;
afterEach(async () => {
  await ts?.close().catch(() => undefined);
  await sandbox?.close();
  ts = undefined;
  sandbox = undefined;
});

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

it('pushes exactly 3,000 deals, each associated to its contact, after the syncing process is killed mid-run', async () => {
  sandbox = await startSandbox({ latencyMs: [150, 250] });
  const { portalId } = sandbox.control.createPortal({ tier: 'unlimited' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl } });
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  expect((await admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
  expect((await admin.patch(`${W}/hubspot/settings`, { syncDeals: true })).status).toBe(200);
  const mappings = [{ pipeline: 'default', stage: 'open', hubspotPipelineId: 'default', hubspotStageId: 'qualifiedtobuy' }];
  expect((await admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings })).status).toBe(200);
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({ externalId: `c${i}`, email: `buyer${i}@example.com` }));
  expect((await admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
  const db = ts.service.database.db;
  const customerIds = (await db.selectFrom('customers').select(['id', 'external_id']).execute()).sort((a, b) => Number(a.external_id!.slice(1)) - Number(b.external_id!.slice(1))).map((c) => c.id);
  for (let i = 0; i < DEALS; i += 1000) {
    const deals = Array.from({ length: 1000 }, (_, k) => ({ externalId: `d${i + k}`, name: `Deal ${i + k}`, amount: '100', stage: 'open', customerIds: [customerIds[(i + k) % CUSTOMERS]] }));
    expect((await admin.post(`${W}/deals/bulk-upsert`, { deals })).body['failed']).toBe(0);
  }

  const child = runSyncChild();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (;;) {
    if (sandbox.control.listObjects(portalId, 'deals').length >= 800) break;
    if (child.exitCode !== null) throw new Error(`the sync ended (exit ${child.exitCode}) before it could be killed: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  await exited;
  const partial = sandbox.control.listObjects(portalId, 'deals').length;
  expect(partial).toBeLessThan(DEALS);
  // No deal claims Synced unless its HubSpot deal exists.
  const held = new Set(sandbox.control.listObjects(portalId, 'deals').map((d) => d.id));
  const claimed = await db.selectFrom('deals').select(['hubspot_id']).where('sync_status', '=', 'synced').execute();
  expect(claimed.every((d) => d.hubspot_id !== null && held.has(d.hubspot_id))).toBe(true);

  const second = runSyncChild();
  expect(await new Promise<number | null>((resolve) => second.on('exit', (c) => resolve(c)))).toBe(0);
  const deals = sandbox.control.listObjects(portalId, 'deals');
  expect(deals).toHaveLength(DEALS);
  expect(new Set(deals.map((d) => String(d.properties['hubsync_deal_id']))).size).toBe(DEALS);
  const statuses = await db.selectFrom('deals').select('sync_status').distinct().execute();
  expect(statuses.map((s) => s.sync_status)).toEqual(['synced']);

  // Each deal is associated to its one contact, however the kill split its batch.
  const contactByEmail = new Map(sandbox.control.listObjects(portalId, 'contacts').map((c) => [String(c.properties['email']), c.id]));
  const rows = await db.selectFrom('deals').select(['hubspot_id', 'external_id']).execute();
  const read = await fetch(`${sandbox.baseUrl}/crm/v4/associations/deals/contacts/batch/read`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: rows.slice(0, 1000).map((r) => ({ id: r.hubspot_id })) }),
  });
  const links = ((await read.json()) as { results: { from: { id: string }; to: { toObjectId: number }[] }[] }).results;
  expect(links).toHaveLength(1000);
  const expected = new Map(rows.map((r) => [r.hubspot_id, contactByEmail.get(`buyer${Number(r.external_id!.slice(1)) % CUSTOMERS}@example.com`)]));
  for (const link of links) expect(link.to.map((t) => String(t.toObjectId))).toEqual([expected.get(String(link.from.id))]);
  const runs = await admin.get<{ runs: { status: string }[] }>(`${W}/sync/runs`);
  expect(runs.body.runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
}, 180_000);
