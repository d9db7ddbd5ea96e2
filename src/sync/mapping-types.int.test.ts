// The field mapping per object type, through the API against the sandbox: the deals mapping
// offers the deal fields (custom ones included) with HubSpot's live deal properties and
// suggestions, keeps hubsync's own properties (key, stage, owner) out of reach, and a saved
// change makes Synced deals Needs update so the next run sends the newly mapped value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';

const W = '/api/workspaces/default';

interface MappingView {
  objectType: string;
  fields: { field: string; property: string | null; locked: boolean; type: string }[];
  properties: { name: string }[];
  saved: boolean;
}

let env: SandboxedService;
beforeAll(async () => {
  env = await startSandboxedService();
});
afterAll(async () => env?.close());

describe('field mapping per object type', () => {
  it('maps deal fields to deal properties, refuses hubsync-owned ones, and pushes a newly mapped field', async () => {
    const { admin } = env;
    expect((await admin.patch(`${W}/hubspot/settings`, { syncDeals: true })).status).toBe(200);
    // A custom deal field, and a HubSpot deal property for it.
    expect((await admin.post(`${W}/custom-fields`, { objectType: 'deals', key: 'region_code', label: 'Region code', type: 'text' })).status).toBe(201);
    const property = await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/deals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'region_code', label: 'Region code', type: 'string', fieldType: 'text', groupName: 'dealinformation' }),
    });
    expect(property.status).toBe(201);

    const view = await admin.get<MappingView>(`${W}/hubspot/mapping?objectType=deals`);
    expect(view.status).toBe(200);
    expect(view.body.objectType).toBe('deals');
    expect(view.body.saved).toBe(false);
    const suggested = Object.fromEntries(view.body.fields.map((f) => [f.field, f.property]));
    expect(suggested).toEqual({ name: 'dealname', amount: 'amount', currency: 'deal_currency_code', closeDate: 'closedate', 'custom.region_code': 'region_code' });
    // The properties hubsync fills itself are not offered.
    const offered = new Set(view.body.properties.map((p) => p.name));
    for (const name of ['dealstage', 'pipeline', 'hubspot_owner_id']) expect(offered.has(name)).toBe(false);
    expect(offered.has('dealname')).toBe(true);

    const refused = await admin.request('PUT', `${W}/hubspot/mapping?objectType=deals`, { mappings: { name: 'dealstage' } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('Deal stages');
    const unknownType = await admin.get(`${W}/hubspot/mapping?objectType=notes`);
    expect(unknownType.status).toBe(400);

    // A deal pushed under the default mapping (without its custom field).
    const stages = await admin.get<{ pipelines: { id: string; stages: { id: string }[] }[] }>(`${W}/hubspot/deal-stages`);
    const pipeline = stages.body.pipelines[0]!;
    expect((await admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'new', hubspotPipelineId: pipeline.id, hubspotStageId: pipeline.stages[0]!.id }] })).status).toBe(200);
    const created = await admin.post<{ id: string }>(`${W}/deals`, { name: 'Öffentliche Ausschreibung', amount: '99.90', currency: 'EUR', stage: 'new', custom: { region_code: 'DE-BY' } });
    expect(created.status).toBe(201);
    expect(await syncNow(admin)).toMatchObject({ status: 'succeeded', created: 1, failed: 0 });
    const dealsInHubSpot = () => env.sandbox.control.listObjects(env.portalId, 'deals');
    expect(dealsInHubSpot()[0]!.properties).toMatchObject({ dealname: 'Öffentliche Ausschreibung', amount: '99.90', deal_currency_code: 'EUR' });
    expect(dealsInHubSpot()[0]!.properties['region_code'] ?? null).toBeNull();

    // Saving the suggested mapping adds the custom field: the deal needs an update, then has it.
    const saved = await admin.request('PUT', `${W}/hubspot/mapping?objectType=deals`, { mappings: suggested });
    expect(saved.status).toBe(200);
    expect((saved.body as unknown as MappingView).saved).toBe(true);
    const deal = await admin.get<{ sync: { status: string } }>(`${W}/deals/${created.body.id}`);
    expect(deal.body.sync.status).toBe('needs_update');
    expect(await syncNow(admin)).toMatchObject({ status: 'succeeded', updated: 1, failed: 0 });
    expect(dealsInHubSpot()[0]!.properties['region_code']).toBe('DE-BY');
    // The contacts mapping is untouched by the deals one.
    expect((await admin.get<MappingView>(`${W}/hubspot/mapping`)).body).toMatchObject({ objectType: 'contacts', saved: false });
  });
});
