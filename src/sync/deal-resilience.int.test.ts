// Deals survive the syncing process being killed mid-run (a real SIGKILL to a child process):
// deals are upserted by hubsync's own unique key, so the run after the kill finds the deals the
// killed one created instead of creating them again, and associates them to their contacts.
import { afterEach, expect, it } from 'vitest';
import { until } from '../../test/support/cli-process.js';
import { startSyncChildRig, type SyncChildRig } from '../../test/support/sync-child.js';

const W = '/api/workspaces/default';
const DEALS = 3_000;
const CUSTOMERS = 100;

let rig: SyncChildRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('pushes exactly 3,000 deals, each associated to its contact, after the syncing process is killed mid-run', async () => {
  rig = await startSyncChildRig({ settings: { syncDeals: true } });
  const { sandbox, ts, admin, portalId } = rig;
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

  const first = rig.runSync();
  await until(() => sandbox.control.listObjects(portalId, 'deals').length >= 800, 'deals to be written', first);
  first.child.kill('SIGKILL');
  await first.exited;
  const partial = sandbox.control.listObjects(portalId, 'deals').length;
  expect(partial).toBeLessThan(DEALS);
  // No deal claims Synced unless its HubSpot deal exists.
  const held = new Set(sandbox.control.listObjects(portalId, 'deals').map((d) => d.id));
  const claimed = await db.selectFrom('deals').select(['hubspot_id']).where('sync_status', '=', 'synced').execute();
  expect(claimed.every((d) => d.hubspot_id !== null && held.has(d.hubspot_id))).toBe(true);

  const second = rig.runSync();
  expect(await second.exited, second.stdout().slice(-1000)).toBe(0);
  const deals = sandbox.control.listObjects(portalId, 'deals');
  expect(deals).toHaveLength(DEALS);
  expect(new Set(deals.map((d) => String(d.properties['hubsync_deal_id']))).size).toBe(DEALS);
  const statuses = await db.selectFrom('deals').select('sync_status').distinct().execute();
  expect(statuses.map((s) => s.sync_status)).toEqual(['synced']);

  // Each deal is associated to its one contact, however the kill split its batch.
  const contactByEmail = new Map(sandbox.control.listObjects(portalId, 'contacts').map((c) => [String(c.properties['email']), c.id]));
  const rows = await db.selectFrom('deals').select(['hubspot_id', 'external_id']).execute();
  const links = rows.slice(0, 1000).map((r) => ({ from: r.hubspot_id!, to: sandbox.control.associationsOf(portalId, 'deals', r.hubspot_id!, 'contacts').map((a) => a.id) }));
  const expected = new Map(rows.map((r) => [r.hubspot_id, contactByEmail.get(`buyer${Number(r.external_id!.slice(1)) % CUSTOMERS}@example.com`)]));
  for (const link of links) expect(link.to).toEqual([expected.get(link.from)]);
  const runs = await admin.get<{ runs: { status: string }[] }>(`${W}/sync/runs`);
  expect(runs.body.runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
}, 180_000);
