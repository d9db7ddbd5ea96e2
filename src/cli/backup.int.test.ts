// `hubsync backup <file>` as the real command while the service runs: the copy is a whole,
// readable SQLite database with the service's data; an existing file is never overwritten; on
// PostgreSQL the command points at pg_dump instead.
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_DB_KIND } from '../../test/support/database.js';
import { runCli } from '../../test/support/cli-process.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

let ts: TestService;
beforeAll(async () => {
  ts = await startTestService();
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  for (let i = 0; i < 3; i++) expect((await admin.post('/api/workspaces/default/customers', { externalId: `b${i}`, email: `backup${i}@example.com` })).status).toBe(201);
});
afterAll(async () => ts?.close());

const backup = async (file: string) => {
  const { database, dataDir } = ts.config;
  const cli = runCli(['backup', file], { DATABASE_URL: database.kind === 'sqlite' ? database.file : database.url, HUBSYNC_DATA_DIR: dataDir });
  return { code: await cli.exited, out: cli.stdout() };
};

it.skipIf(TEST_DB_KIND !== 'sqlite')('copies the running database to a file that opens with every customer, and never overwrites a file', async () => {
  const file = join(ts.config.dataDir, 'copy.sqlite');
  const first = await backup(file);
  expect(first.out).toMatch(/Backed up .* to .*copy\.sqlite \(\d+ pages\)\. The secret key is not in it/);
  expect(first.code).toBe(0);
  const copy = new SQLite(file, { readonly: true });
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('select count(*) as n from customers').get()).toEqual({ n: 3 });
  } finally {
    copy.close();
  }
  const again = await backup(file);
  expect(again.code).toBe(1);
  expect(again.out).toContain('exists; give a new file name');
}, 180_000);

it.skipIf(TEST_DB_KIND !== 'postgres')('points at pg_dump on PostgreSQL', async () => {
  const { code, out } = await backup('/tmp/never-written.sqlite');
  expect(code).toBe(1);
  expect(out).toContain('on PostgreSQL use pg_dump');
}, 180_000);
