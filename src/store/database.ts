// Opens the database named by the configuration: a SQLite file through better-sqlite3 in the
// embedded default, or PostgreSQL through pg. Both sit behind the same Kysely instance so
// repositories are written once.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, type DialectAdapter, type MigrationLockOptions } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/index.js';
import type { Database } from './tables.js';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  db: Db;
  kind: DatabaseConfig['kind'];
  close(): Promise<void>;
}

// PostgreSQL returns int8 as a string by default; every bigint we store is an epoch-ms
// timestamp or a counter well inside Number's safe range.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Kysely's SQLite adapter leaves the migration lock to the single connection, which does not
 * stop a second process. Writing the lock row first inside the migration transaction takes
 * SQLite's write lock, so the other process waits (busy timeout) and then sees the work done.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  // SQLite runs DDL inside transactions; saying so makes the migrator use one, and the lock
  // below is held by that transaction.
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(db: Kysely<unknown>, options: MigrationLockOptions): Promise<void> {
    await (db as unknown as Kysely<Record<string, { id: string; is_locked: number }>>)
      .updateTable(options.lockTable)
      .set({ is_locked: 1 })
      .where('id', '=', options.lockRowId)
      .execute();
  }
}

class LockingSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new LockingSqliteAdapter();
  }
}

/**
 * The database holds every customer's personal data: its directory is created 0700 and the
 * file 0600 (both can only lose bits to the umask, never gain them). SQLite gives the -wal and
 * -shm files it creates the database file's mode, so they are 0600 too. A file left readable
 * by an older version is tightened the same way.
 */
function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    try {
      chmodSync(path, 0o600);
    } catch {
      // Someone else's file (a shared, read-only deployment): leave its mode to its owner.
    }
  }
}

export function openDatabase(config: DatabaseConfig): OpenedDatabase {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    // An idle pooled connection the server ends (a restart, an administrator, a dropped
    // database) is an 'error' on the pool; unhandled, it would end the process. The pool
    // discards that connection and the next query opens a new one; a query in flight gets its
    // own error.
    pool.on('error', (error: Error & { code?: string }) => process.emitWarning(`PostgreSQL closed an idle connection (${error.code ?? error.message})`, 'HubsyncDatabaseWarning'));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (config.file !== ':memory:') createPrivateFile(config.file);
  const sqlite = new SQLite(config.file);
  // WAL lets readers (the UI, the status table) proceed while a sync run writes; the busy
  // timeout makes a second process wait for the write lock instead of failing at once.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new LockingSqliteDialect({ database: sqlite }) });
  return { db, kind: 'sqlite', close: () => db.destroy() };
}
