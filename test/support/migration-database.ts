// A fresh test database migrated only part of the way, for a test of one migration on the data
// the migrations before it left behind (an install upgrading from an older release), or all the
// way, for a test of the repositories on their own.
import { Migrator } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Db, type OpenedDatabase } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/**
 * Gives the test file its own database (of HUBSYNC_TEST_DB's kind) migrated up to and including
 * `migration` (without one: every migration), opened before its tests and closed and dropped
 * after them. Returns the database, to be called inside the tests.
 *
 * @example
 * const db = useDatabaseMigratedTo('009-pending-changes');
 * it('…', async () => { await db().insertInto('workspaces')…; await migrateToLatest(db()); });
 */
export function useDatabaseMigratedTo(migration?: string): () => Db {
  let testDb: TestDatabase | undefined;
  let opened: OpenedDatabase | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    opened = openDatabase(testDb.config);
    const migrator = new Migrator({ db: opened.db, provider: { getMigrations: async () => migrations } });
    const { error } = await (migration === undefined ? migrator.migrateToLatest() : migrator.migrateTo(migration));
    if (error !== undefined) throw new Error(`Migrating the test database to ${migration ?? 'the latest migration'} failed.`, { cause: error });
  });
  afterAll(async () => {
    await opened?.close();
    await testDb?.drop();
  });
  return () => {
    if (!opened) throw new Error('The migrated test database is opened in beforeAll: call this inside a test.');
    return opened.db;
  };
}
