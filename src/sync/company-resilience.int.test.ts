// Companies survive the syncing process being killed mid-run (a real SIGKILL to a child
// process): the batches it had sent are found again by hubsync's unique key (or their domain)
// when the next run replays them, so HubSpot ends up with exactly one company per organization.
import { afterEach, expect, it } from 'vitest';
import { until } from '../../test/support/cli-process.js';
import { startSyncChildRig, type SyncChildRig } from '../../test/support/sync-child.js';

const W = '/api/workspaces/default';
const KEY = 'hubsync_organization_id';

let rig: SyncChildRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it('ends with exactly 3,000 companies after the process pushing 3,000 organizations is killed and the sync run again', async () => {
  const count = 3_000;
  rig = await startSyncChildRig({ settings: { syncCompanies: true, pushCompaniesOnChange: false } });
  const { sandbox, ts, admin, portalId } = rig;
  for (let i = 0; i < count; i += 1000) {
    // Half with a domain (matched by a search on a replay), half without (found by the key alone).
    const organizations = Array.from({ length: 1000 }, (_, k) => ({ externalId: `o${i + k}`, name: `Société ${i + k}`, ...((i + k) % 2 === 0 ? { domain: `s${i + k}.example.com` } : {}) }));
    expect((await admin.post(`${W}/organizations/bulk-upsert`, { organizations })).body['failed']).toBe(0);
  }
  const companies = () => sandbox.control.listObjects(portalId, 'companies');

  const first = rig.runSync();
  await until(() => companies().length >= 600, 'the push was well under way', first);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(companies().length).toBeLessThan(count);
  // No organization claims Synced unless its company really exists.
  const ids = new Set(companies().map((c) => c.id));
  const claimed = await ts.service.database.db.selectFrom('organizations').select('hubspot_id').where('sync_status', '=', 'synced').execute();
  expect(claimed.every((o) => o.hubspot_id !== null && ids.has(o.hubspot_id))).toBe(true);

  const second = rig.runSync();
  expect(await second.exited).toBe(0);

  const keys = companies().map((c) => String(c.properties[KEY]));
  expect(keys).toHaveLength(count);
  expect(new Set(keys).size).toBe(count);
  const rows = await ts.service.database.db.selectFrom('organizations').select(['id', 'hubspot_id', 'sync_status']).execute();
  expect(rows.filter((o) => o.sync_status === 'synced')).toHaveLength(count);
  const byKey = new Map(companies().map((c) => [String(c.properties[KEY]), c.id]));
  expect(rows.every((o) => byKey.get(o.id) === o.hubspot_id)).toBe(true);
  const runs = await admin.get<{ runs: { status: string }[] }>(`${W}/sync/runs`);
  expect(runs.body.runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
}, 180_000);
