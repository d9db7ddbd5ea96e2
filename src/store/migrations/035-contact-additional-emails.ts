// The other emails HubSpot keeps on a contact (`hs_additional_emails`, e.g. left by a merge), as
// the pull last read them: HubSpot finds the contact by any of them, so a push by email of a
// customer holding one lands on that contact (sync/objects/contact.adapter.ts refuses it when the
// contact is another customer's). One row per (workspace, email); the index by contact replaces
// a contact's rows when it is read again.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_additional_emails')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('email_lower', 'text', (c) => c.notNull())
    .addColumn('hubspot_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_additional_emails_pk', ['workspace_id', 'email_lower'])
    .execute();
  await db.schema.createIndex('contact_additional_emails_contact').on('contact_additional_emails').columns(['workspace_id', 'hubspot_id']).execute();
}
