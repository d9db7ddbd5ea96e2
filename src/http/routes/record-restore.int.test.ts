// Restoring deleted organizations and deals (`POST …/organizations/:id/restore`,
// `POST …/deals/:id/restore`), like customers': through the running service, against the
// sandbox over real HTTP, on the test database (SQLite or PostgreSQL). A restored record is live
// again without its externalId (deleting freed it); an organization's kept member links count
// again (its members' contacts get the company association back); a propagated delete not yet
// run is cancelled, one already run leaves the record unlinked and the next push creates it
// again; restoring what is not deleted, or not there, is a 404 in the error envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../../test/support/sandboxed.js';
import type { Db } from '../../store/index.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
const db = (): Db => env.ts.service.database.db;

async function settings(patch: Record<string, unknown>): Promise<void> {
  expect((await env.admin.patch(`${W}/hubspot/settings`, patch)).status).toBe(200);
}

async function synced(): Promise<void> {
  expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', failed: 0 });
}

const pendingArchives = () => db().selectFrom('pending_archives').select(['object_type', 'record_id']).execute();
const archived = (type: string, id: string) => env.sandbox.control.getObject(env.portalId, type, id).archived;
const companiesOf = (contactId: string) => env.sandbox.control.associationsOf(env.portalId, 'contacts', contactId, 'companies').map((a) => a.id);

beforeAll(async () => {
  // Jobs are worked in this process; runs start only when the test says (Sync now): the
  // on-change push and the schedule are off, and the flush a delete wakes (to archive it) is
  // sent an hour later, so a restore is never raced by it, whatever the machine's load.
  env = await startSandboxedService({ jobs: { flushDelayMs: 3_600_000 } });
  await settings({ syncCompanies: true, syncDeals: true, pushContactsOnChange: false, pushCompaniesOnChange: false, reconcileSchedule: null });
  const mappings = [{ pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' }];
  expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings })).status).toBe(200);
});
afterAll(async () => env?.close());

describe('POST …/organizations/:id/restore', () => {
  it('brings a deleted organization back without its externalId, its members counting again (the contact gets the company back)', async () => {
    await settings({ propagateDeletes: false });
    const org = await env.admin.post<{ id: string }>(`${W}/organizations`, { externalId: 'org-ada', name: 'Analytical Engines', domain: 'engines.example.com' });
    expect(org.status).toBe(201);
    const customer = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'ada@engines.example.com', firstName: 'Ada', organizationIds: [org.body.id] });
    expect(customer.status).toBe(201);
    await synced();
    const orgRow = await db().selectFrom('organizations').select('hubspot_id').where('id', '=', org.body.id).executeTakeFirstOrThrow();
    const contactId = (await db().selectFrom('customers').select('hubspot_id').where('id', '=', customer.body.id).executeTakeFirstOrThrow()).hubspot_id!;
    expect(companiesOf(contactId)).toEqual([orgRow.hubspot_id]);

    // Deleted: the company stays in HubSpot (deletes are not propagated), the contact loses it.
    expect((await env.admin.request('DELETE', `${W}/organizations/${org.body.id}`)).status).toBe(204);
    expect((await env.admin.get(`${W}/organizations/${org.body.id}`)).status).toBe(404);
    await synced();
    expect(companiesOf(contactId)).toEqual([]);

    const restored = await env.admin.post<Record<string, unknown>>(`${W}/organizations/${org.body.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: org.body.id, name: 'Analytical Engines', externalId: null, customerIds: [customer.body.id], sync: { status: 'synced', hubspotId: orgRow.hubspot_id } });
    expect((await env.admin.get(`${W}/organizations/${org.body.id}`)).status).toBe(200);
    // The member's push carries the association again.
    const member = await env.admin.get<{ sync: { status: string } }>(`${W}/customers/${customer.body.id}`);
    expect(member.body.sync.status).toBe('needs_update');
    await synced();
    expect(companiesOf(contactId)).toEqual([orgRow.hubspot_id]);
    expect(archived('companies', orgRow.hubspot_id!)).toBe(false);
    // Its externalId was freed: another organization may take it; restoring again is a 404.
    expect((await env.admin.post(`${W}/organizations`, { externalId: 'org-ada', name: 'Difference Engines' })).status).toBe(201);
    const again = await env.admin.post<{ error: { code: string } }>(`${W}/organizations/${org.body.id}/restore`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    expect((await env.admin.post(`${W}/organizations/org_unknown/restore`)).status).toBe(404);
  });

  it('cancels a propagated delete that has not run yet', async () => {
    await settings({ propagateDeletes: true });
    const org = await env.admin.post<{ id: string }>(`${W}/organizations`, { name: 'Jacquard Looms', domain: 'looms.example.com' });
    await synced();
    const { hubspot_id } = await db().selectFrom('organizations').select('hubspot_id').where('id', '=', org.body.id).executeTakeFirstOrThrow();
    expect((await env.admin.request('DELETE', `${W}/organizations/${org.body.id}`)).status).toBe(204);
    expect(await pendingArchives()).toEqual([{ object_type: 'companies', record_id: org.body.id }]);
    expect((await env.admin.post(`${W}/organizations/${org.body.id}/restore`)).status).toBe(200);
    expect(await pendingArchives()).toEqual([]);
    await env.admin.post(`${W}/customers`, { email: 'someone@looms.example.com' });
    await synced();
    expect(archived('companies', hubspot_id!)).toBe(false);
    expect(await db().selectFrom('organizations').select(['sync_status', 'hubspot_id', 'deleted_at']).where('id', '=', org.body.id).executeTakeFirstOrThrow()).toEqual({ sync_status: 'synced', hubspot_id, deleted_at: null });
  });
});

describe('POST …/deals/:id/restore', () => {
  it('cancels a propagated delete that has not run yet, and the deal stays Synced', async () => {
    await settings({ propagateDeletes: true });
    const deal = await env.admin.post<{ id: string }>(`${W}/deals`, { externalId: 'deal-1', name: 'Mark I', stage: 'won', amount: '100' });
    expect(deal.status).toBe(201);
    await synced();
    const { hubspot_id } = await db().selectFrom('deals').select('hubspot_id').where('id', '=', deal.body.id).executeTakeFirstOrThrow();
    expect((await env.admin.request('DELETE', `${W}/deals/${deal.body.id}`)).status).toBe(204);
    expect(await pendingArchives()).toEqual([{ object_type: 'deals', record_id: deal.body.id }]);

    const restored = await env.admin.post<Record<string, unknown>>(`${W}/deals/${deal.body.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: deal.body.id, name: 'Mark I', externalId: null, sync: { status: 'synced', hubspotId: hubspot_id } });
    expect(await pendingArchives()).toEqual([]);
    await env.admin.post(`${W}/customers`, { email: 'someone@marks.example.com' });
    await synced();
    expect(archived('deals', hubspot_id!)).toBe(false);
    expect((await env.admin.post(`${W}/deals/${deal.body.id}/restore`)).status).toBe(404);
  });

  it('brings a deal restored after its archive back to HubSpot as a new deal', async () => {
    await settings({ propagateDeletes: true });
    const deal = await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'Mark II', stage: 'won', amount: '200' });
    await synced();
    const { hubspot_id } = await db().selectFrom('deals').select('hubspot_id').where('id', '=', deal.body.id).executeTakeFirstOrThrow();
    expect((await env.admin.request('DELETE', `${W}/deals/${deal.body.id}`)).status).toBe(204);
    await env.admin.post(`${W}/customers`, { email: 'another@marks.example.com' });
    await synced();
    expect(archived('deals', hubspot_id!)).toBe(true);

    const restored = await env.admin.post<{ sync: { status: string; hubspotId: string | null } }>(`${W}/deals/${deal.body.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.sync).toMatchObject({ status: 'not_synced', hubspotId: null });
    await synced();
    const row = await db().selectFrom('deals').select(['sync_status', 'hubspot_id']).where('id', '=', deal.body.id).executeTakeFirstOrThrow();
    expect(row.sync_status).toBe('synced');
    expect(row.hubspot_id).not.toBe(hubspot_id);
    expect(env.sandbox.control.getObject(env.portalId, 'deals', row.hubspot_id!)).toMatchObject({ archived: false, properties: { dealname: 'Mark II' } });
  });

  it('is a 404 for a deal that is not there', async () => {
    const missing = await env.admin.post<{ error: { code: string } }>(`${W}/deals/deal_unknown/restore`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});

it('documents both restore routes in the OpenAPI document', async () => {
  const doc = (await (await fetch(`${env.ts.url}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/workspaces/{workspace}/organizations/{organizationId}/restore', '/api/workspaces/{workspace}/deals/{dealId}/restore']));
});
