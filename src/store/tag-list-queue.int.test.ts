// The list membership queue (migration 025): one row per (tag, customer), `wanted` from the
// customer's tags and `synced` from what HubSpot was told. A wish that changes while its call is
// in flight is not lost: the flush records what it sent, and the difference stays pending.
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../test/support/migration-database.js';
import { markMembershipsSynced, readPendingMemberships, setWantedMemberships } from './tag.repository.js';

const migrated = useDatabaseMigratedTo();

/** A workspace of its own per test (the database is shared by the file's tests). */
async function seed(ws: string) {
  const db = migrated();
  await db.insertInto('workspaces').values({ id: ws, slug: ws, name: ws, created_at: 1 }).execute();
  const customer = (id: string, hubspotId: string | null) => ({
    id: `${ws}-${id}`, workspace_id: ws, external_id: null, first_name: null, last_name: null, email: null, email_lower: null, phone: null, street: null, city: null, postal_code: null, region: null, country: null,
    company_name: null, lifecycle_stage: null, owner_user_id: null, search_text: '', deleted_at: null, tags: '[]', custom_values: '{}', field_updated_at: '{}', created_at: 1, updated_at: 1, version: 1,
    hubspot_id: hubspotId, sync_status: 'synced', sync_error: null, synced_hash: null, synced_at: null, last_attempt_at: null, current_hash: null,
  });
  await db.insertInto('customers').values([customer('c1', '101'), customer('c2', '102'), customer('c3', null)]).execute();
  return db;
}

it('queues only linked customers for the flush, and forgets a pair neither wanted nor sent', async () => {
  const db = await seed('ws_1');
  await setWantedMemberships(db, 'ws_1', 'vip', new Map([['ws_1-c1', true], ['ws_1-c2', false], ['ws_1-c3', true]]), 10);
  expect((await readPendingMemberships(db, 'ws_1', 'vip', true, 10)).map((p) => p.hubspotId)).toEqual(['101']);
  const pending = await readPendingMemberships(db, 'ws_1', 'vip', true, 10);
  await markMembershipsSynced(db, 'ws_1', 'vip', pending);
  expect(await readPendingMemberships(db, 'ws_1', 'vip', true, 10)).toEqual([]);
  // c3 waits for its contact; c2 never had a row.
  const rows = await db.selectFrom('tag_list_members').select(['customer_id', 'wanted', 'synced']).where('workspace_id', '=', 'ws_1').orderBy('customer_id').execute();
  expect(rows).toEqual([{ customer_id: 'ws_1-c1', wanted: 1, synced: 1 }, { customer_id: 'ws_1-c3', wanted: 1, synced: 0 }]);
});

it('a tag taken off while its addition is in flight is removed next, not lost', async () => {
  const db = await seed('ws_2');
  await setWantedMemberships(db, 'ws_2', 'vip', new Map([['ws_2-c1', true]]), 10);
  const inFlight = await readPendingMemberships(db, 'ws_2', 'vip', true, 10);
  // The customer loses the tag while HubSpot is adding it.
  await setWantedMemberships(db, 'ws_2', 'vip', new Map([['ws_2-c1', false]]), 11);
  await markMembershipsSynced(db, 'ws_2', 'vip', inFlight);
  expect((await readPendingMemberships(db, 'ws_2', 'vip', false, 10)).map((p) => p.customerId)).toEqual(['ws_2-c1']);
  await markMembershipsSynced(db, 'ws_2', 'vip', await readPendingMemberships(db, 'ws_2', 'vip', false, 10));
  expect(await db.selectFrom('tag_list_members').selectAll().where('workspace_id', '=', 'ws_2').execute()).toEqual([]);
});
