// Migration 005 on an install that already has accounts: the first account (the admin bootstrap
// created) keeps the right to create workspaces; everyone else starts without it.
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { openDatabase, type OpenedDatabase } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { migrations } from './index.js';

let testDb: TestDatabase;
let opened: OpenedDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = openDatabase(testDb.config);
});
afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

it('makes the oldest existing account an instance admin, and only it', async () => {
  const before005 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '005'));
  const { error } = await new Migrator({ db: opened.db, provider: { getMigrations: async () => before005 } }).migrateToLatest();
  expect(error).toBeUndefined();
  // Inserted newest first, so "first row" and "oldest account" differ.
  await sql`insert into users (id, email, email_lower, name, password_hash, created_at) values
    ('usr_b', 'later@example.com', 'later@example.com', 'Later', 'x', 2000),
    ('usr_a', 'first@example.com', 'first@example.com', 'First', 'x', 1000)`.execute(opened.db);

  expect((await migrateToLatest(opened.db)).applied).toContain('005-accounts-invitations');

  const rows = await opened.db.selectFrom('users').select(['id', 'is_instance_admin']).orderBy('id').execute();
  expect(rows.map((r) => [r.id, Number(r.is_instance_admin)])).toEqual([
    ['usr_a', 1],
    ['usr_b', 0],
  ]);
});
