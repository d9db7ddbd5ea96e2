// The searchable sync log and audit trail (docs/ARCHITECTURE.md "Sync log and audit trail"):
// - `sync_attempts.record_name` and `record_email`: the record's name and (for contacts) its
//   lower-cased email as they were when the attempt was recorded, so a search by email and an
//   export need no join to four record tables; filled here for the attempts already recorded.
// - keyset indexes: every filter the log's search offers leads one index whose tail is
//   (at, id), the order pages are read in, so a page — first or millionth — is a range scan that
//   stops after `limit` rows (src/store/sync-log.repository.ts picks the index per search).
// - the same for the audit trail by (created_at, id): the whole workspace, one actor, one target.
import { sql, type Kysely } from 'kysely';

/** The sync log's search indexes: name → columns. Exported for the bench, which builds them after loading millions of rows. */
export const SYNC_LOG_INDEXES: Readonly<Record<string, readonly string[]>> = {
  attempt_log_at: ['workspace_id', 'at', 'id'],
  attempt_log_outcome: ['workspace_id', 'outcome', 'at', 'id'],
  attempt_log_direction: ['workspace_id', 'direction', 'at', 'id'],
  attempt_log_type: ['workspace_id', 'object_type', 'at', 'id'],
  attempt_log_run: ['workspace_id', 'run_id', 'at', 'id'],
  attempt_log_record: ['workspace_id', 'record_id', 'at', 'id'],
  attempt_log_email: ['workspace_id', 'record_email', 'at', 'id'],
};

const AUDIT_INDEXES: Readonly<Record<string, readonly string[]>> = {
  audit_log_at: ['workspace_id', 'created_at', 'id'],
  audit_log_actor: ['workspace_id', 'actor_id', 'created_at', 'id'],
  audit_log_target: ['workspace_id', 'target_type', 'target_id', 'created_at', 'id'],
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_attempts').addColumn('record_name', 'text').execute();
  await db.schema.alterTable('sync_attempts').addColumn('record_email', 'text').execute();
  await sql`
    update sync_attempts set
      record_name = (select nullif(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), '') from customers c where c.id = sync_attempts.record_id),
      record_email = (select c.email_lower from customers c where c.id = sync_attempts.record_id)
    where object_type = 'contacts'`.execute(db);
  await sql`update sync_attempts set record_name = (select o.name from organizations o where o.id = sync_attempts.record_id) where object_type = 'companies'`.execute(db);
  await sql`update sync_attempts set record_name = (select d.name from deals d where d.id = sync_attempts.record_id) where object_type = 'deals'`.execute(db);
  await sql`update sync_attempts set record_name = (select a.title from activities a where a.id = sync_attempts.record_id) where object_type = 'notes'`.execute(db);
  for (const [name, columns] of Object.entries(SYNC_LOG_INDEXES)) await db.schema.createIndex(name).on('sync_attempts').columns([...columns]).execute();
  // (workspace_id, at, id) does all it did, and one index fewer is one write fewer per attempt.
  await db.schema.dropIndex('sync_attempts_workspace_at').execute();
  for (const [name, columns] of Object.entries(AUDIT_INDEXES)) await db.schema.createIndex(name).on('audit_log').columns([...columns]).execute();
}
