// Gives each test file its own real database: a fresh SQLite file, or — with
// HUBSYNC_TEST_DB=postgres — a freshly created PostgreSQL database that is dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config/index.js';

export const TEST_DB_KIND: 'sqlite' | 'postgres' = process.env['HUBSYNC_TEST_DB'] === 'postgres' ? 'postgres' : 'sqlite';
const ADMIN_URL = process.env['HUBSYNC_TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** A fresh database of the test run's kind (HUBSYNC_TEST_DB), or of the kind asked for (benchmarks that need PostgreSQL). */
export async function createTestDatabase(options: { kind?: 'sqlite' | 'postgres' } = {}): Promise<TestDatabase> {
  if ((options.kind ?? TEST_DB_KIND) === 'postgres') {
    const name = `hubsync_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return {
      config: { kind: 'postgres', url: url.toString() },
      async drop() {
        const client = new pg.Client({ connectionString: ADMIN_URL });
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hubsync-test-'));
  return {
    config: { kind: 'sqlite', file: join(dir, 'hubsync.sqlite') },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
