// Migration 010 on a database whose sync log already holds contact attempts: every attempt
// keeps its values and is named as a contacts record by its customer's id; customer_id becomes
// optional; the indexes come back; and a failure inside the migration's transaction leaves the
// old table exactly as it was. Runs on SQLite and (HUBSYNC_TEST_DB=postgres) PostgreSQL.
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { TEST_DB_KIND } from '../../../test/support/database.js';
import { useDatabaseMigratedTo } from '../../../test/support/migration-database.js';
import type { Db } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import * as m010 from './010-attempt-record-type.js';

const migrated = useDatabaseMigratedTo('009-pending-changes');

const attempt = { run_id: 'run_1', workspace_id: 'ws_old', operation: 'create', correlation_id: null, at: 1_700_000_000_000 };

// PostgreSQL names the primary key's index too (SQLite's is internal).
const INDEXES = [...(TEST_DB_KIND === 'postgres' ? ['sync_attempts_pkey'] : []), 'sync_attempts_run', 'sync_attempts_workspace_at'];

async function attemptIndexes(db: Db): Promise<string[]> {
  const rows =
    TEST_DB_KIND === 'postgres'
      ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'sync_attempts' and indexname like 'sync_attempts%'`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'sync_attempts' and name like 'sync_attempts_%'`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

it('names existing attempts as contacts by their customer, keeps every value, and makes customer_id optional', async () => {
  const typed = migrated();
  const db = typed as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await db.insertInto('workspaces').values({ id: 'ws_old', slug: 'old', name: 'Old', created_at: 1 }).execute();
  await db
    .insertInto('sync_attempts')
    .values([
      { ...attempt, id: 'att_1', customer_id: 'cus_1', outcome: 'success', message: null, hubspot_id: '101' },
      { ...attempt, id: 'att_2', customer_id: 'cus_2', outcome: 'error', message: 'Property values were not valid: « not-a-stage »', hubspot_id: null },
    ])
    .execute();

  // A crash inside the migration's transaction: nothing of the rebuild remains.
  await expect(
    typed.transaction().execute(async (trx) => {
      await m010.up(trx as unknown as Kysely<unknown>);
      throw new Error('crashed mid-migration');
    }),
  ).rejects.toThrow('crashed mid-migration');
  const untouched = await db.selectFrom('sync_attempts').selectAll().orderBy('id').execute();
  expect(untouched.map((r) => r['id'])).toEqual(['att_1', 'att_2']);
  expect(untouched[0]).not.toHaveProperty('object_type');
  expect(await attemptIndexes(typed)).toEqual(INDEXES);

  expect((await migrateToLatest(typed)).applied).toContain('010-attempt-record-type');

  const rows = await db.selectFrom('sync_attempts').selectAll().orderBy('id').execute();
  // Migration 016 names every old attempt a push; 026 finds no record to take a name from.
  const later = { direction: 'push', record_name: null, record_email: null };
  expect(rows.map((r) => ({ ...r, at: Number(r['at']) }))).toEqual([
    { ...attempt, id: 'att_1', object_type: 'contacts', record_id: 'cus_1', customer_id: 'cus_1', outcome: 'success', message: null, hubspot_id: '101', ...later },
    { ...attempt, id: 'att_2', object_type: 'contacts', record_id: 'cus_2', customer_id: 'cus_2', outcome: 'error', message: 'Property values were not valid: « not-a-stage »', hubspot_id: null, ...later },
  ]);
  // Migration 026 replaced (workspace_id, at) with its search indexes (attempt_log_*).
  expect(await attemptIndexes(typed)).toEqual(INDEXES.filter((name) => name !== 'sync_attempts_workspace_at'));

  // Another object type's attempt has no customer; an insert that names no type is a contact's.
  await db.insertInto('sync_attempts').values({ ...attempt, id: 'att_3', object_type: 'companies', record_id: 'org_1', customer_id: null, outcome: 'success', message: null, hubspot_id: '9' }).execute();
  await db.insertInto('sync_attempts').values({ ...attempt, id: 'att_4', record_id: 'cus_4', customer_id: 'cus_4', outcome: 'success', message: null, hubspot_id: '10' }).execute();
  const added = await db.selectFrom('sync_attempts').select(['id', 'object_type', 'customer_id']).where('id', 'in', ['att_3', 'att_4']).orderBy('id').execute();
  expect(added).toEqual([
    { id: 'att_3', object_type: 'companies', customer_id: null },
    { id: 'att_4', object_type: 'contacts', customer_id: 'cus_4' },
  ]);
});
