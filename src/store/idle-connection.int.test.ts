// PostgreSQL may end an idle pooled connection at any time (a restart, an administrator, a
// failover). The process must live on and the next query must get a fresh connection.
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { openDatabase, type OpenedDatabase } from './database.js';

const onPostgres = TEST_DB_KIND === 'postgres';
let testDb: TestDatabase;
let opened: OpenedDatabase;

beforeAll(async () => {
  if (!onPostgres) return;
  testDb = await createTestDatabase();
  opened = openDatabase(testDb.config);
});
afterAll(async () => {
  if (!onPostgres) return;
  await opened.close();
  await testDb.drop();
});

it.skipIf(!onPostgres)('an idle connection ended by the server costs the process nothing, and the next query reconnects', async () => {
  const first = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(opened.db);
  const pid = first.rows[0]!.pid;
  const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
  const admin = new pg.Client({ connectionString: (testDb.config as { url: string }).url });
  await admin.connect();
  await admin.query('select pg_terminate_backend($1)', [pid]);
  await admin.end();
  expect(String(await warned)).toContain('PostgreSQL closed an idle connection (57P01)');
  const next = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(opened.db);
  expect(next.rows[0]!.pid).not.toBe(pid);
});
