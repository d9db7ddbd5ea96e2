// Migrations are safe when two processes start at once: both succeed, each migration runs once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { migrations } from './migrations/index.js';
import { openDatabase } from './database.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => testDb?.drop());

const script = `
const { openDatabase, migrateToLatest } = await import(${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))});
const opened = openDatabase(JSON.parse(process.env.DB_CONFIG));
await migrateToLatest(opened.db);
await opened.close();
`;

function migrateInChild(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, DB_CONFIG: JSON.stringify(testDb.config) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

it('lets two processes migrate the same database at the same time', async () => {
  const codes = await Promise.all([migrateInChild(), migrateInChild()]);
  expect(codes).toEqual([0, 0]);
  const opened = openDatabase(testDb.config);
  const rows = await opened.db
    .selectFrom('kysely_migration' as never)
    .select('name' as never)
    .execute();
  await opened.close();
  expect((rows as { name: string }[]).map((r) => r.name).sort()).toEqual(Object.keys(migrations).sort());
});
