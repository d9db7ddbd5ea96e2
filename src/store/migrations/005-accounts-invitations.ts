// Accounts: who may create workspaces (`users.is_instance_admin`) and invitations to a workspace
// (a one-time link: only the SHA-256 of its token is stored; it expires and can be revoked).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('is_instance_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // On an existing install the first account is the admin bootstrap created: it keeps the right
  // to create workspaces that every account had before.
  await sql`update users set is_instance_admin = 1 where id = (select id from users order by created_at, id limit 1)`.execute(db);

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_lower', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('accepted_by', 'text')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('invitations_workspace').on('invitations').columns(['workspace_id', 'email_lower']).execute();
}
