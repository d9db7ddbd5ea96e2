// Authorization links (issue 17): an admin hands a single-use, expiring link to whoever holds
// the HubSpot account, who approves the app without a hubsync account. Only the token's SHA-256
// is stored. `portal_id` and `connected_by` record what the approval connected (the HubSpot
// portal and the HubSpot user's email). An OAuth state started from a link names it
// (`oauth_states.authorization_link_id`), so the callback can mark that link used.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authorization_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text')
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('portal_id', 'bigint')
    .addColumn('connected_by', 'text')
    .execute();
  await db.schema.createIndex('authorization_links_workspace').on('authorization_links').columns(['workspace_id', 'created_at']).execute();
  await db.schema.alterTable('oauth_states').addColumn('authorization_link_id', 'text').execute();
}
