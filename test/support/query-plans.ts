// The plans a database chooses for the statements a piece of code sends, for the tests that keep
// hot queries on their indexes (src/store/query-plans.int.test.ts, sync-log-plans.int.test.ts):
// SQLite's `explain query plan` or PostgreSQL's `explain`, each plan on one line.
import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import type { OpenedDatabase } from '../../src/store/database.js';

/** The plan of one compiled statement, one line (its steps joined by ` | `). */
export async function planOf(opened: OpenedDatabase, query: CompiledQuery): Promise<string> {
  const explain = opened.kind === 'sqlite' ? 'explain query plan' : 'explain';
  const result = await opened.db.executeQuery<{ detail?: string; 'QUERY PLAN'?: string }>(CompiledQuery.raw(`${explain} ${query.sql}`, [...query.parameters]));
  return result.rows.map((r) => r.detail ?? r['QUERY PLAN']).join(' | ');
}

/** The plan of each statement `run` sends through the database it is given, one line per statement, in order. */
export async function plansOf(opened: OpenedDatabase, run: (db: OpenedDatabase['db']) => Promise<unknown>): Promise<string[]> {
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
  for (const node of nodes) plans.push(await planOf(opened, opened.db.getExecutor().compileQuery(node, { queryId: 'plan' })));
  return plans;
}
