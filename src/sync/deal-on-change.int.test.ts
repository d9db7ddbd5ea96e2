// Deals reach HubSpot on change, without Sync now: a new customer and a deal linked to it are
// drained in push order (the contact first, then the deal with its association), over real HTTP
// to the sandbox, through the pending-changes set and `sync.flush` jobs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';

const W = '/api/workspaces/default';
let env: SandboxedService;

beforeAll(async () => {
  env = await startSandboxedService({ onChangePush: true });
  expect((await env.admin.patch(`${W}/hubspot/settings`, { syncDeals: true })).status).toBe(200);
  const mappings = [{ pipeline: 'default', stage: 'open', hubspotPipelineId: 'default', hubspotStageId: 'appointmentscheduled' }];
  expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings })).status).toBe(200);
});
afterAll(async () => env?.close());

async function eventually<T>(read: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('pushes a new deal and its contact on change, associated, without Sync now', async () => {
  const customer = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'onchange@example.com', firstName: 'On' })).body.id;
  const deal = (await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'On change', stage: 'open', amount: '42', customerIds: [customer] })).body.id;
  const pushed = await eventually(() => env.sandbox.control.listObjects(env.portalId, 'deals').find((d) => d.properties['hubsync_deal_id'] === deal));
  expect(pushed.properties).toMatchObject({ dealname: 'On change', amount: '42', dealstage: 'appointmentscheduled' });
  const contact = env.sandbox.control.listObjects(env.portalId, 'contacts').find((c) => c.properties['email'] === 'onchange@example.com')!;
  // The deal is created first and associated by a call after it: read until the association is there.
  const associated = async () => {
    const read = await fetch(`${env.sandbox.baseUrl}/crm/v4/associations/deals/contacts/batch/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ id: pushed.id }] }),
    });
    return ((await read.json()) as { results: { to: { toObjectId: number }[] }[] }).results.map((l) => l.to.map((t) => String(t.toObjectId)));
  };
  await expect.poll(associated, { timeout: 20_000, interval: 50 }).toEqual([[contact.id]]);
  const status = async () => (await env.admin.get<{ sync: { status: string } }>(`${W}/deals/${deal}`)).body.sync.status;
  const until = Date.now() + 10_000;
  while ((await status()) !== 'synced' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  expect(await status()).toBe('synced');
});
