// Brings a database up to the latest schema. Kysely's migrator takes a lock (a row lock on
// PostgreSQL, the write lock on SQLite) before it reads which migrations ran, so two processes
// starting at once apply each migration exactly once; the second simply finds nothing to do.
import { Migrator, type MigrationResult } from 'kysely';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';

export interface MigrateOutcome {
  applied: string[];
}

export async function migrateToLatest(db: Db): Promise<MigrateOutcome> {
  // On SQLite two processes can both open the migration transaction for reading; the one that
  // loses the upgrade to a write lock gets SQLITE_BUSY at once. Its transaction rolled back, so
  // trying again is safe, and the retry finds the other process's work already done.
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db);
    } catch (error) {
      const busy = String((error as { cause?: { code?: unknown } }).cause?.code ?? '').startsWith('SQLITE_BUSY');
      if (!busy || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function migrateOnce(db: Db): Promise<MigrateOutcome> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
