// Two guards on Sync now runs, through the public API against the sandbox over real HTTP:
// disconnecting HubSpot stops a running push at once, and a burst of Sync now clicks starts
// one run. A recording proxy in front of the sandbox notes every call as it arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { startRecordingProxy, type RecordingProxy } from '../../test/support/recording-proxy.js';
import { runEnded, waitForRun } from '../../test/support/sandboxed.js';
import { BATCHES_IN_FLIGHT } from './push-run.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
let sandbox: RunningSandbox;
let proxy: RecordingProxy;
let ts: TestService;
let admin: ApiClient;
let portalId: number;
let token: string;

async function connect(): Promise<void> {
  const connected = await admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token });
  expect(connected.status).toBe(200);
}

async function addCustomers(count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const customers = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ externalId: `${prefix}${i + k}`, email: `${prefix}${i + k}@example.com`, firstName: 'Guard' }));
    expect((await admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox();
  portalId = sandbox.control.createPortal({ tier: 'enterprise' }).portalId;
  token = sandbox.control.createPrivateAppToken({ portalId }).token;
  proxy = await startRecordingProxy(sandbox.baseUrl);
  ts = await startTestService({ env: { HUBSPOT_BASE_URL: proxy.baseUrl } });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await connect();
});
afterAll(async () => {
  await ts?.close();
  await proxy?.close();
  await sandbox?.close();
});

describe('disconnect during a run', () => {
  it('stops the run at once: it ends cancelled and HubSpot gets no call with the forgotten token', async () => {
    const count = 3000;
    await addCustomers(count, 'd');
    sandbox.control.setLatency(200);
    const started = await admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(started.status).toBe(202);
    await waitForRun(admin, started.body.id, (r) => Number(r['processed']) >= 100);

    const disconnected = await admin.delete(`${W}/hubspot/connection`);
    expect(disconnected.status).toBe(204);
    const callsAtDisconnect = proxy.requests.length;

    const run = await waitForRun(admin, started.body.id, runEnded);
    sandbox.control.setLatency(undefined);
    expect(run['status']).toBe('cancelled');
    expect(String(run['error'])).toMatch(/disconnected/i);
    expect(Number(run['processed'])).toBeLessThan(count);
    // Every call that reached HubSpot after the disconnect answered was one hubsync had
    // already abandoned (sent before, cut off by the disconnect): none was made or waited on
    // with the forgotten token. Before the fix the run went on pushing to `succeeded`.
    while (proxy.requests.some((r) => r.outcome === 'pending')) await new Promise((r) => setTimeout(r, 20));
    const late = proxy.requests.slice(callsAtDisconnect);
    expect(late.filter((r) => r.outcome === 'answered')).toEqual([]);
    expect(late.length).toBeLessThanOrEqual(BATCHES_IN_FLIGHT);
    // The customers it did not reach keep a status that says so.
    const summary = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['not_synced']).toBeGreaterThan(0);
    expect(summary.body.byStatus['synced']! + summary.body.byStatus['not_synced']!).toBe(count);

    // A new run with the credentials gone cannot start.
    const refused = await admin.post(`${W}/sync/runs`);
    expect(refused.status).not.toBe(202);
    expect(refused.body).toMatchObject({ error: { code: 'HUBSPOT_NOT_CONNECTED' } });
  });
});

describe('a burst of Sync now', () => {
  it('starts exactly one run for 50 concurrent clicks; the others get that run back', async () => {
    await connect();
    await addCustomers(3, 'b');
    const before = (await admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs?limit=200`)).body.runs.length;

    const answers = await Promise.all(Array.from({ length: 50 }, () => admin.post<{ id?: string; error?: { code: string; details: { runId: string } } }>(`${W}/sync/runs`)));

    const started = answers.filter((a) => a.status === 202);
    expect(started).toHaveLength(1);
    const runId = started[0]!.body.id!;
    for (const answer of answers) {
      if (answer.status === 409) expect(answer.body.error).toMatchObject({ code: 'SYNC_ALREADY_RUNNING', details: { runId } });
      else expect([200, 202]).toContain(answer.status);
      if (answer.status === 200) expect(answer.body.id).toBe(runId);
    }
    const after = (await admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs?limit=200`)).body.runs;
    expect(after.length - before).toBe(1);
    expect((await waitForRun(admin, runId, runEnded))['status']).toBe('succeeded');
  });

  it('starts a new run right after the last one when a customer changed since', async () => {
    const last = (await admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs?limit=1`)).body.runs[0]!;
    const again = await admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(last.id);

    const page = await admin.get<{ customers: { id: string }[] }>(`${W}/customers?status=synced&limit=1`);
    await admin.patch(`${W}/customers/${page.body.customers[0]!.id}`, { firstName: 'Changed' });
    const fresh = await admin.post<{ id: string }>(`${W}/sync/runs`);
    expect(fresh.status).toBe(202);
    expect(fresh.body.id).not.toBe(last.id);
    expect(await waitForRun(admin, fresh.body.id, runEnded)).toMatchObject({ status: 'succeeded', updated: 1 });
  });
});
