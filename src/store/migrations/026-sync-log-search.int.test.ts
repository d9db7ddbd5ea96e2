// Migration 026 on a sync log recorded before it: each attempt gets its record's name (and a
// customer's lower-cased email) so the log's search by email finds the attempts already there.
// Runs on SQLite and (HUBSYNC_TEST_DB=postgres) PostgreSQL.
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../../test/support/migration-database.js';
import { insertOrganization } from '../../../test/support/crm-records.js';
import { insertCustomers, type Customer } from '../customer.repository.js';
import { migrateToLatest } from '../migrate.js';

const migrated = useDatabaseMigratedTo('025-tags');

it('names the attempts already recorded after their records', async () => {
  const typed = migrated();
  const db = typed as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await db.insertInto('workspaces').values({ id: 'ws_1', slug: 'one', name: 'One', created_at: 1 }).execute();
  const customer: Customer = {
    id: 'cus_000001', workspaceId: 'ws_1', externalId: null, firstName: 'Ada', lastName: 'Lovelace', email: ' Ada@Example.COM', phone: null, street: null, city: null, postalCode: null,
    region: null, country: null, companyName: null, lifecycleStage: null, ownerUserId: null, tags: [], custom: {}, fieldUpdatedAt: {}, createdAt: 1, updatedAt: 1, version: 1,
    sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  };
  await insertCustomers(typed, [customer]);
  const organizationId = await insertOrganization(typed, 'ws_1', 'Analytical Engines Ltd');
  const attempt = { run_id: 'run_1', workspace_id: 'ws_1', operation: 'update', outcome: 'success', message: null, correlation_id: null, hubspot_id: '1', at: 5, direction: 'push' };
  await db
    .insertInto('sync_attempts')
    .values([
      { ...attempt, id: 'att_1', object_type: 'contacts', record_id: customer.id, customer_id: customer.id },
      { ...attempt, id: 'att_2', object_type: 'companies', record_id: organizationId, customer_id: null },
      { ...attempt, id: 'att_3', object_type: 'contacts', record_id: 'cus_gone00', customer_id: 'cus_gone00' },
    ])
    .execute();

  expect((await migrateToLatest(typed)).applied).toContain('026-sync-log-search');

  const rows = await db.selectFrom('sync_attempts').select(['id', 'record_name', 'record_email']).orderBy('id').execute();
  expect(rows).toEqual([
    { id: 'att_1', record_name: 'Ada Lovelace', record_email: 'ada@example.com' },
    { id: 'att_2', record_name: 'Analytical Engines Ltd', record_email: null },
    { id: 'att_3', record_name: null, record_email: null },
  ]);
});
