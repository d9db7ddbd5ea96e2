// Migration 024 on records written before it: every customer's and organization's phone and
// name keys are filled (more rows than one backfill batch), records without a phone or a name
// keep none, and the report's indexes exist. Runs on SQLite and (HUBSYNC_TEST_DB=postgres) PostgreSQL.
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../../test/support/migration-database.js';
import { migrateToLatest } from '../migrate.js';

const migrated = useDatabaseMigratedTo('019-pending-archives');

type AnyDb = Kysely<Record<string, Record<string, unknown>>>;
const base = { workspace_id: 'ws_1', sync_status: 'not_synced', tags: '[]', custom_values: '{}', field_updated_at: '{}', search_text: '', created_at: 1, updated_at: 1, version: 1 };

it('fills the phone and name keys of existing customers and organizations', async () => {
  const db = migrated() as unknown as AnyDb;
  await db.insertInto('workspaces').values({ id: 'ws_1', slug: 'one', name: 'One', created_at: 1 }).execute();
  const customers = Array.from({ length: 2100 }, (_, i) => ({ ...base, id: `cus_${String(i).padStart(5, '0')}`, first_name: 'Ada', last_name: `L${i}`, company_name: i % 2 === 0 ? 'Acme  AG' : null, phone: i % 3 === 0 ? null : `+41 44 ${i}` }));
  for (let i = 0; i < customers.length; i += 300) await db.insertInto('customers').values(customers.slice(i, i + 300)).execute();
  await db.insertInto('organizations').values([{ ...base, id: 'org_1', name: ' Zeta Labs', phone: '0049 30 1234567' }, { ...base, id: 'org_2', name: null, phone: null }]).execute();

  expect((await migrateToLatest(migrated())).applied).toContain('024-duplicate-keys');

  const keys = await db.selectFrom('customers').select(['id', 'phone_key', 'name_key']).where('id', 'in', ['cus_00000', 'cus_00001', 'cus_02099']).orderBy('id').execute();
  expect(keys).toEqual([
    { id: 'cus_00000', phone_key: null, name_key: 'ada l0|acme ag' },
    { id: 'cus_00001', phone_key: '+41441', name_key: null },
    { id: 'cus_02099', phone_key: '+41442099', name_key: null },
  ]);
  const filled = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('phone_key', 'is not', null).executeTakeFirstOrThrow();
  expect(Number(filled['n'])).toBe(1400);
  expect(await db.selectFrom('organizations').select(['id', 'phone_key', 'name_key']).orderBy('id').execute()).toEqual([
    { id: 'org_1', phone_key: '+49301234567', name_key: 'zeta labs' },
    { id: 'org_2', phone_key: null, name_key: null },
  ]);
});
