// The additional emails of HubSpot contacts as the pull last read them (migration 035), and the
// customers they point at: what a push by email would land on besides the primary email's match.
import type { Db } from './database.js';
import { inChunks } from './record-rows.js';

/** Rows or ids per statement (well under SQLite's and PostgreSQL's parameter limits). */
const CHUNK = 500;

/** Replaces what is kept of these contacts' additional emails (lower-cased) with what the pull just read. */
export async function saveContactAdditionalEmails(db: Db, workspaceId: string, contacts: readonly { hubspotId: string; emails: readonly string[] }[]): Promise<void> {
  if (contacts.length === 0) return;
  const ids = contacts.map((c) => c.hubspotId);
  for (let i = 0; i < ids.length; i += CHUNK) {
    await db.deleteFrom('contact_additional_emails').where('workspace_id', '=', workspaceId).where('hubspot_id', 'in', ids.slice(i, i + CHUNK)).execute();
  }
  // One email on two contacts (HubSpot refuses that; a stale row would): the contact read last keeps it.
  const byEmail = new Map<string, string>();
  for (const contact of contacts) for (const email of contact.emails) byEmail.set(email, contact.hubspotId);
  const rows = [...byEmail].map(([email, hubspotId]) => ({ workspace_id: workspaceId, email_lower: email, hubspot_id: hubspotId }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('contact_additional_emails')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['workspace_id', 'email_lower']).doUpdateSet((eb) => ({ hubspot_id: eb.ref('excluded.hubspot_id') })))
      .execute();
  }
}

/**
 * Of these lower-cased emails, those a HubSpot contact keeps as an additional email while a live
 * customer is linked to that contact: email → the contact and that customer.
 */
export async function findAdditionalEmailOwners(db: Db, workspaceId: string, emails: readonly string[]): Promise<Map<string, { hubspotId: string; customerId: string }>> {
  const rows = await inChunks([...new Set(emails)], (chunk) =>
    db
      .selectFrom('contact_additional_emails as e')
      .innerJoin('customers as c', (join) => join.onRef('c.workspace_id', '=', 'e.workspace_id').onRef('c.hubspot_id', '=', 'e.hubspot_id'))
      .select(['e.email_lower', 'e.hubspot_id', 'c.id'])
      .where('e.workspace_id', '=', workspaceId)
      .where('e.email_lower', 'in', chunk)
      .where('c.deleted_at', 'is', null)
      .execute(),
  );
  return new Map(rows.map((r) => [r.email_lower, { hubspotId: r.hubspot_id, customerId: r.id }]));
}
