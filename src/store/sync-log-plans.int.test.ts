// The sync log's searches must stay range scans of one index at ten million attempts: each
// filter the UI offers (alone, with others, with a time range, after a cursor) leads an index of
// migration 026 whose tail gives the order, so no plan reads the table or sorts it. Checked on
// SQLite (no statistics: the leading filter is chosen in code) and on PostgreSQL after ANALYZE
// of a log whose values are spread as a real one's are (few errors, many emails and runs).
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { planOf, plansOf } from '../../test/support/query-plans.js';
import { openDatabase, type OpenedDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';
import { attemptSearchQuery, searchAuditLog, type AttemptFilter, type AuditFilter } from './sync-log.repository.js';

let testDb: TestDatabase;
let opened: OpenedDatabase;
const ROWS = 20_000;

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = openDatabase(testDb.config);
  await migrateToLatest(opened.db);
  const db = opened.db;
  await db.insertInto('workspaces').values([{ id: 'ws', slug: 'ws', name: 'W', created_at: 1 }, { id: 'ws2', slug: 'ws2', name: 'W2', created_at: 1 }]).execute();
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    id: `att_${String(i).padStart(10, '0')}`,
    run_id: `run_${String(Math.floor(i / 400)).padStart(8, '0')}`,
    workspace_id: i % 10 === 0 ? 'ws2' : 'ws',
    object_type: ['contacts', 'contacts', 'companies', 'deals', 'notes'][i % 5]!,
    record_id: `cus_${String(i % 3000).padStart(8, '0')}`,
    customer_id: null,
    operation: 'update',
    outcome: i % 50 === 0 ? 'error' : 'success',
    message: null,
    correlation_id: null,
    hubspot_id: null,
    at: 1_700_000_000_000 + i * 1000,
    direction: i % 7 === 0 ? 'pull' : 'push',
    record_name: null,
    record_email: `p${i % 3000}@example.com`,
  }));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('sync_attempts').values(rows.slice(i, i + 1000)).execute();
  });
  if (opened.kind === 'postgres') await db.executeQuery(CompiledQuery.raw('analyze sync_attempts'));
});
afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

const FROM = 1_700_000_000_000 + 5_000_000;
const TO = FROM + 3_600_000;
const CURSOR = { at: FROM + 600_000, id: 'att_0000005600' };

/** Each search of the UI, and the index it must lead with. */
const SEARCHES: [string, Omit<AttemptFilter, 'workspaceId'>, string][] = [
  ['the whole log', {}, 'attempt_log_at'],
  ['a time range', { from: FROM, to: TO }, 'attempt_log_at'],
  ['a record', { objectType: 'contacts', recordId: 'cus_00000042' }, 'attempt_log_record'],
  ['an email', { email: 'p42@example.com' }, 'attempt_log_email'],
  ['an email, failed, in a time range', { email: 'p42@example.com', outcome: 'error', from: FROM, to: TO }, 'attempt_log_email'],
  ['a run', { runId: 'run_00000003' }, 'attempt_log_run'],
  ['a run, failed, pushed', { runId: 'run_00000003', outcome: 'error', direction: 'push' }, 'attempt_log_run'],
  ['failures', { outcome: 'error' }, 'attempt_log_outcome'],
  ['failures in a time range', { outcome: 'error', from: FROM, to: TO }, 'attempt_log_outcome'],
  ['failed pulls of companies', { outcome: 'error', direction: 'pull', objectType: 'companies' }, 'attempt_log_outcome'],
  ['an object type', { objectType: 'deals' }, 'attempt_log_type'],
  ['a direction in a time range', { direction: 'pull', from: FROM, to: TO }, 'attempt_log_direction'],
];

describe.skipIf(TEST_DB_KIND !== 'sqlite')('SQLite: sync log searches', () => {
  it.each(SEARCHES)('%s: a range of one index in its order, first page and after a cursor', async (_, filter, index) => {
    for (const after of [undefined, CURSOR]) {
      const plan = await planOf(opened, attemptSearchQuery(opened.db, { workspaceId: 'ws', ...filter }, { after, limit: 51 }));
      expect(plan).toMatch(new RegExp(`SEARCH a USING INDEX ${index} \\(workspace_id=\\?`));
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN a\b/);
      if (after) expect(plan).toMatch(/\(at, ?id\)<\(\?,\?\)|at<\?/);
    }
  });

  it.each<[string, Omit<AuditFilter, 'workspaceId'>, string]>([
    ['the whole trail', {}, 'audit_log_at'],
    ['an action in a time range', { action: 'api_key.', from: 1, to: 2 }, 'audit_log_at'],
    ['an actor', { actorId: 'usr_1' }, 'audit_log_actor'],
    ['a target', { targetType: 'api_key', targetId: 'key_1', actorId: 'usr_1' }, 'audit_log_target'],
  ])('audit trail, %s: a range of one index in its order', async (_, filter, index) => {
    const [plan] = await plansOf(opened, (db) => searchAuditLog(db, { workspaceId: 'ws', ...filter }, { after: CURSOR, limit: 51 }));
    expect(plan).toMatch(new RegExp(`SEARCH l USING INDEX ${index} \\(workspace_id=\\?`));
    expect(plan).not.toMatch(/TEMP B-TREE|SCAN l\b/);
  });
});

describe.skipIf(TEST_DB_KIND !== 'postgres')('PostgreSQL: sync log searches', () => {
  // PostgreSQL picks among the indexes from its statistics (and may sort the few rows a
  // selective index yields), so the check is that an index is read, never the whole table.
  it.each(SEARCHES)('%s: an index range, never a sequential scan', async (_, filter) => {
    for (const after of [undefined, CURSOR]) {
      const plan = await planOf(opened, attemptSearchQuery(opened.db, { workspaceId: 'ws', ...filter }, { after, limit: 51 }));
      expect(plan).toMatch(/(Index|Index Only|Bitmap Index) Scan (Backward )?(using|on) (attempt_log_\w+|sync_attempts_run)/);
      expect(plan).not.toMatch(/Seq Scan on sync_attempts/);
    }
  });
});
