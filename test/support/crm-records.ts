// Test fixtures for the CRM records: an organization row written straight into the table (for
// tests of deals and activities that only need one to link to), and a workspace's id by slug.
import type { Db } from '../../src/store/index.js';

let organizationCount = 0;

export async function workspaceIdOf(db: Db, slug: string): Promise<string> {
  return (await db.selectFrom('workspaces').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

export async function insertOrganization(db: Db, workspaceId: string, name: string): Promise<string> {
  const id = `org_test${String(++organizationCount).padStart(6, '0')}`;
  await db
    .insertInto('organizations')
    .values({
      id,
      workspace_id: workspaceId,
      external_id: null,
      name,
      domain: null,
      domain_key: null,
      website: null,
      phone: null,
      street: null,
      city: null,
      postal_code: null,
      region: null,
      country: null,
      industry: null,
      number_of_employees: null,
      annual_revenue: null,
      lifecycle_stage: null,
      owner_user_id: null,
      tags: '[]',
      custom_values: '{}',
      field_updated_at: '{}',
      search_text: name.toLowerCase(),
      created_at: Date.now(),
      updated_at: Date.now(),
      deleted_at: null,
      version: 1,
      hubspot_id: null,
      sync_status: 'not_synced',
      sync_error: null,
      synced_hash: null,
      synced_at: null,
      last_attempt_at: null,
      current_hash: null,
    })
    .execute();
  return id;
}
