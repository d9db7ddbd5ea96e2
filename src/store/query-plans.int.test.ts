// The hot queries of sync and status work must use an index that narrows them to the rows
// asked for. A new index once made SQLite answer lookups by id by reading the whole workspace
// (fast on a test's hundred rows, minutes at a million), so the plans themselves are checked.
// SQLite only: PostgreSQL chooses plans from table statistics, which an empty test database lacks.
import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { openDatabase, type OpenedDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';
import { countPending } from './pending-change.repository.js';
import { countByStatus, findCandidatesByEmails, findCandidatesByIds, pageIdsByStatus } from './sync.repository.js';

let testDb: TestDatabase;
let opened: OpenedDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = openDatabase(testDb.config);
  await migrateToLatest(opened.db);
});
afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

/** SQLite's plan for each query `run` sends, one line per query. */
async function plansOf(run: (db: OpenedDatabase['db']) => Promise<unknown>): Promise<string[]> {
  const nodes: RootOperationNode[] = [];
  const capture: KyselyPlugin = {
    transformQuery: (args) => {
      nodes.push(args.node);
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  await run(opened.db.withPlugin(capture));
  const plans: string[] = [];
  for (const node of nodes) {
    const compiled = opened.db.getExecutor().compileQuery(node, { queryId: 'plan' });
    const result = await opened.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
    plans.push(result.rows.map((r) => r.detail).join(' | '));
  }
  return plans;
}

describe.skipIf(TEST_DB_KIND !== 'sqlite')('SQLite query plans', () => {
  it('looks customers up by id through (workspace_id, id)', async () => {
    const [plan] = await plansOf((db) => findCandidatesByIds(db, 'ws', ['a', 'b', 'c']));
    expect(plan).toMatch(/USING INDEX \w+ \(workspace_id=\? AND id=\?\)/);
  });

  it('looks customers up by email through (workspace_id, email_lower)', async () => {
    const [plan] = await plansOf((db) => findCandidatesByEmails(db, 'ws', ['a@example.com', 'b@example.com']));
    expect(plan).toMatch(/USING INDEX \w+ \(workspace_id=\? AND email_lower=\?\)/);
  });

  it('counts statuses from an index alone, without reading customer rows', async () => {
    const [plan] = await plansOf((db) => countByStatus(db, 'ws'));
    expect(plan).toMatch(/USING COVERING INDEX/);
  });

  it('counts a workspace\'s pending changes from an index alone', async () => {
    const [plan] = await plansOf((db) => countPending(db, 'ws'));
    expect(plan).toMatch(/USING COVERING INDEX \w+ \(workspace_id=\?\)/);
  });

  it('pages pushable ids by keyset on (workspace_id, id)', async () => {
    const [plan] = await plansOf((db) => pageIdsByStatus(db, 'ws', ['not_synced', 'needs_update'], 'cus_x', 600));
    expect(plan).toMatch(/\(workspace_id=\? AND id>\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });
});
