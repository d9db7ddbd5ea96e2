// Migration 011 on a database that already has contact custom fields: every field keeps its
// values and becomes a contacts field, the same key may then exist once per object type; and
// the new tables hold the rules the services rely on (one primary organization per customer,
// one owner per local user, external ids unique per workspace, links that follow deletes).
// Runs on SQLite and (HUBSYNC_TEST_DB=postgres) PostgreSQL.
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../../test/support/migration-database.js';
import { migrateToLatest } from '../migrate.js';

const migrated = useDatabaseMigratedTo('010-attempt-record-type');

type AnyDb = Kysely<Record<string, Record<string, unknown>>>;
const field = { workspace_id: 'ws_1', label: 'Plan', type: 'text', options: '[]', archived_at: null, created_at: 1, updated_at: 2 };
const sync = { sync_status: 'not_synced', tags: '[]', custom_values: '{}', field_updated_at: '{}', search_text: '', created_at: 1, updated_at: 1, version: 1 };

it('makes existing custom fields contacts fields and adds the organization, deal, activity and owner tables with their rules', async () => {
  const db = migrated() as unknown as AnyDb;
  await db.insertInto('workspaces').values({ id: 'ws_1', slug: 'one', name: 'One', created_at: 1 }).execute();
  await db.insertInto('custom_fields').values({ ...field, id: 'cf_1', key: 'plan' }).execute();

  expect((await migrateToLatest(migrated())).applied).toContain('011-organizations-deals-activities');

  const fields = await db.selectFrom('custom_fields').selectAll().execute();
  expect(fields.map((f) => ({ ...f, created_at: Number(f['created_at']), updated_at: Number(f['updated_at']) }))).toEqual([
    { ...field, id: 'cf_1', key: 'plan', object_type: 'contacts' },
  ]);
  // The same key once more for companies is fine; twice for contacts is not.
  await db.insertInto('custom_fields').values({ ...field, id: 'cf_2', key: 'plan', object_type: 'companies' }).execute();
  await expect(db.insertInto('custom_fields').values({ ...field, id: 'cf_3', key: 'plan', object_type: 'contacts' }).execute()).rejects.toThrow();

  await db.insertInto('users').values({ id: 'usr_1', email: 'a@x.test', email_lower: 'a@x.test', name: 'A', password_hash: 'x', created_at: 1 }).execute();
  const customer = { workspace_id: 'ws_1', ...sync };
  await db.insertInto('customers').values([{ ...customer, id: 'cus_1' }, { ...customer, id: 'cus_2' }]).execute();
  expect((await db.selectFrom('customers').select('owner_user_id').where('id', '=', 'cus_1').executeTakeFirstOrThrow())['owner_user_id']).toBeNull();
  const organization = { workspace_id: 'ws_1', ...sync };
  await db.insertInto('organizations').values([{ ...organization, id: 'org_1', external_id: 'A-1' }, { ...organization, id: 'org_2' }]).execute();
  await expect(db.insertInto('organizations').values({ ...organization, id: 'org_3', external_id: 'A-1' }).execute()).rejects.toThrow();

  // A customer may belong to several organizations, one of them primary.
  const member = { workspace_id: 'ws_1', customer_id: 'cus_1', created_at: 1 };
  await db.insertInto('customer_organizations').values([{ ...member, organization_id: 'org_1', is_primary: 1 }, { ...member, organization_id: 'org_2', is_primary: 0 }]).execute();
  await expect(db.updateTable('customer_organizations').set({ is_primary: 1 }).where('organization_id', '=', 'org_2').execute()).rejects.toThrow();
  await db.insertInto('customer_organizations').values({ ...member, customer_id: 'cus_2', organization_id: 'org_1', is_primary: 1 }).execute();

  const { tags: _tags, ...dealSync } = sync;
  await db.insertInto('deals').values({ workspace_id: 'ws_1', ...dealSync, id: 'deal_1', pipeline: 'default', organization_id: 'org_2' }).execute();
  await db.insertInto('deal_customers').values({ workspace_id: 'ws_1', deal_id: 'deal_1', customer_id: 'cus_2', created_at: 1 }).execute();
  const activity = { workspace_id: 'ws_1', customer_id: 'cus_2', type: 'other', occurred_at: 5, title: 'Hello', created_at: 1, version: 1, sync_status: 'not_synced' };
  await db.insertInto('activities').values({ ...activity, id: 'act_1', external_id: 'E-1', organization_id: 'org_2', deal_id: 'deal_1' }).execute();
  await expect(db.insertInto('activities').values({ ...activity, id: 'act_2', external_id: 'E-1' }).execute()).rejects.toThrow();

  // Removing an organization clears the deal's and the activity's pointer and ends its memberships.
  await db.deleteFrom('organizations').where('id', '=', 'org_2').execute();
  expect((await db.selectFrom('deals').select('organization_id').executeTakeFirstOrThrow())['organization_id']).toBeNull();
  expect((await db.selectFrom('activities').select('organization_id').executeTakeFirstOrThrow())['organization_id']).toBeNull();
  expect(await db.selectFrom('customer_organizations').select(['customer_id', 'organization_id']).orderBy('customer_id').execute()).toEqual([
    { customer_id: 'cus_1', organization_id: 'org_1' },
    { customer_id: 'cus_2', organization_id: 'org_1' },
  ]);
  // Removing a customer takes its deal links and activities with it.
  await db.deleteFrom('customers').where('id', '=', 'cus_2').execute();
  expect(await db.selectFrom('deal_customers').selectAll().execute()).toEqual([]);
  expect(await db.selectFrom('activities').selectAll().execute()).toEqual([]);

  // One HubSpot owner per local user in a workspace; unlinked owners are not limited.
  const owner = { workspace_id: 'ws_1', archived: 0, read_at: 1, updated_at: 1 };
  await db.insertInto('hubspot_owners').values([{ ...owner, owner_id: '11', user_id: 'usr_1' }, { ...owner, owner_id: '12' }, { ...owner, owner_id: '13' }]).execute();
  await expect(db.updateTable('hubspot_owners').set({ user_id: 'usr_1' }).where('owner_id', '=', '12').execute()).rejects.toThrow();
});
