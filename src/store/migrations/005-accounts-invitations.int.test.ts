// Migration 005 on an install that already has accounts: the first account (the admin bootstrap
// created) keeps the right to create workspaces; everyone else starts without it.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../../test/support/migration-database.js';
import { migrateToLatest } from '../migrate.js';

const migrated = useDatabaseMigratedTo('004-partial-status-index');

it('makes the oldest existing account an instance admin, and only it', async () => {
  const db = migrated();
  // Inserted newest first, so "first row" and "oldest account" differ.
  await sql`insert into users (id, email, email_lower, name, password_hash, created_at) values
    ('usr_b', 'later@example.com', 'later@example.com', 'Later', 'x', 2000),
    ('usr_a', 'first@example.com', 'first@example.com', 'First', 'x', 1000)`.execute(db);

  expect((await migrateToLatest(db)).applied).toContain('005-accounts-invitations');

  const rows = await db.selectFrom('users').select(['id', 'is_instance_admin']).orderBy('id').execute();
  expect(rows.map((r) => [r.id, Number(r.is_instance_admin)])).toEqual([
    ['usr_a', 1],
    ['usr_b', 0],
  ]);
});
