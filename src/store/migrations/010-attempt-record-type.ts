// The sync log names each attempt's record by object type and id (`object_type`, `record_id`),
// so one log serves every object type the push engine handles; `customer_id` stays for the
// attempts that concern a customer (contacts) and becomes optional.
//
// SQLite cannot drop a NOT NULL constraint, so the table is rebuilt: its rows are set aside in
// a scratch table, the table is dropped and created anew, the rows come back (every existing
// attempt was a contact's), and the indexes are made again. Kysely's migrator runs each
// migration in one transaction on both databases, so a crash anywhere leaves the old table as
// it was. PostgreSQL could alter the column in place; it takes the same rebuild so there is one
// path to reason about (and the primary key keeps its usual name); the sync log is pruned by
// age, so the copy stays small.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table sync_attempts_before_010 as select * from sync_attempts`.execute(db);
  await db.schema.dropTable('sync_attempts').execute();
  await db.schema
    .createTable('sync_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull().defaultTo('contacts'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('correlation_id', 'text')
    .addColumn('hubspot_id', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`
    insert into sync_attempts (id, run_id, workspace_id, object_type, record_id, customer_id, operation, outcome, message, correlation_id, hubspot_id, at)
    select id, run_id, workspace_id, 'contacts', customer_id, customer_id, operation, outcome, message, correlation_id, hubspot_id, at from sync_attempts_before_010
  `.execute(db);
  await db.schema.dropTable('sync_attempts_before_010').execute();
  await db.schema.createIndex('sync_attempts_run').on('sync_attempts').columns(['run_id', 'id']).execute();
  await db.schema.createIndex('sync_attempts_workspace_at').on('sync_attempts').columns(['workspace_id', 'at']).execute();
}
