// Every column that holds a value sealed with the install's secret key (src/lib/secret-box.ts),
// and the one pass that re-seals them all (`hubsync rotate-secret`). A new encrypted column is
// added to ENCRYPTED_COLUMNS, or rotating the key leaves it unreadable.
import { sql } from 'kysely';
import type { Db } from './database.js';

export interface EncryptedColumns {
  table: string;
  /** The columns naming one row. */
  key: readonly string[];
  /** The sealed columns (null allowed: left null). */
  columns: readonly string[];
}

export const ENCRYPTED_COLUMNS: readonly EncryptedColumns[] = [
  // The private-app token or OAuth refresh token, and the current OAuth access token.
  { table: 'hubspot_connections', key: ['workspace_id'], columns: ['secret_enc', 'access_token_enc'] },
  // The signing secret of each webhook endpoint (webhooks out).
  { table: 'webhook_endpoints', key: ['id'], columns: ['secret_enc'] },
];

export interface ResealOutcome {
  /** Values re-sealed, per `table.column`. */
  resealed: Record<string, number>;
}

/**
 * Replaces every sealed value by `reseal(value)`, in one transaction: either every value is
 * re-sealed or (when `reseal` throws for one) none is. The caller's `reseal` decides what a value
 * that does not open means (here: the whole rotation stops).
 */
export async function resealAll(db: Db, reseal: (sealed: string, where: string) => string): Promise<ResealOutcome> {
  const resealed: Record<string, number> = {};
  await db.transaction().execute(async (trx) => {
    for (const spec of ENCRYPTED_COLUMNS) {
      const { rows } = await sql<Record<string, unknown>>`select ${sql.join([...spec.key, ...spec.columns].map((c) => sql.ref(c)))} from ${sql.table(spec.table)}`.execute(trx);
      for (const row of rows) {
        const sets = spec.columns.flatMap((column) => {
          const value = row[column];
          if (value === null || value === undefined) return [];
          resealed[`${spec.table}.${column}`] = (resealed[`${spec.table}.${column}`] ?? 0) + 1;
          const where = `${spec.table}.${column} (${spec.key.map((k) => `${k}=${String(row[k])}`).join(', ')})`;
          return [sql`${sql.ref(column)} = ${reseal(String(value), where)}`];
        });
        if (sets.length === 0) continue;
        const match = sql.join(spec.key.map((k) => sql`${sql.ref(k)} = ${row[k]}`), sql` and `);
        await sql`update ${sql.table(spec.table)} set ${sql.join(sets)} where ${match}`.execute(trx);
      }
    }
  });
  return { resealed };
}
