import { describe, expect, it } from 'vitest';
import { useSandbox } from './testing.js';

type Prop = { name: string; type: string; fieldType: string; groupName: string; options: { value: string }[]; hubspotDefined: boolean; modificationMetadata: { readOnlyValue: boolean; archivable: boolean } };

const sb = useSandbox();
const { call } = sb;

describe('properties API', () => {
  it('lists HubSpot default contact, company and deal properties with types, groups and read-only flags', async () => {
    const contacts = (await call<{ results: Prop[] }>('GET', '/crm/v3/properties/contacts')).body.results;
    const byName = new Map(contacts.map((p) => [p.name, p]));
    for (const name of ['email', 'firstname', 'lastname', 'phone', 'mobilephone', 'address', 'city', 'zip', 'state', 'country', 'company', 'jobtitle', 'website', 'lifecyclestage', 'hs_lead_status', 'hubspot_owner_id', 'createdate', 'lastmodifieddate', 'hs_object_id', 'hs_merged_object_ids']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('lifecyclestage')).toMatchObject({ type: 'enumeration', fieldType: 'radio', groupName: 'contactinformation' });
    expect(byName.get('lifecyclestage')!.options.map((o) => o.value)).toEqual(['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other']);
    expect(byName.get('hs_object_id')!.modificationMetadata.readOnlyValue).toBe(true);
    expect(byName.get('email')!.modificationMetadata.readOnlyValue).toBe(false);
    const companies = (await call<{ results: Prop[] }>('GET', '/crm/v3/properties/companies')).body.results.map((p) => p.name);
    expect(companies).toEqual(expect.arrayContaining(['name', 'domain', 'city', 'industry', 'hs_lastmodifieddate']));
    const deal = await call<Prop>('GET', '/crm/v3/properties/deals/dealstage');
    expect(deal.body.options.map((o) => o.value)).toContain('closedwon');
    expect((await call('GET', '/crm/v3/properties/deals/nope')).status).toBe(404);
  });

  it('creates, updates and archives a custom property, which then validates values', async () => {
    const created = await call<Prop>('POST', '/crm/v3/properties/contacts', {
      name: 'plan',
      label: 'Plan',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'contactinformation',
      options: [
        { label: 'Free', value: 'free' },
        { label: 'Pro', value: 'pro' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'plan', hubspotDefined: false, modificationMetadata: { archivable: true, readOnlyValue: false } });
    const dup = await call('POST', '/crm/v3/properties/contacts', { name: 'plan', label: 'Plan', type: 'string', fieldType: 'text', groupName: 'contactinformation' });
    expect(dup.status).toBe(409);
    expect((await call('POST', '/crm/v3/objects/contacts', { properties: { plan: 'gold' } })).status).toBe(400);
    expect((await call('POST', '/crm/v3/objects/contacts', { properties: { plan: 'pro' } })).status).toBe(201);
    const updated = await call<Prop>('PATCH', '/crm/v3/properties/contacts/plan', { options: [{ label: 'Gold', value: 'gold' }] });
    expect(updated.body.options.map((o) => o.value)).toEqual(['gold']);
    expect((await call('POST', '/crm/v3/objects/contacts', { properties: { plan: 'gold' } })).status).toBe(201);
    expect((await call('DELETE', '/crm/v3/properties/contacts/plan')).status).toBe(204);
    const gone = await call<{ message: string }>('POST', '/crm/v3/objects/contacts', { properties: { plan: 'gold' } });
    expect(gone.body.message).toContain('PROPERTY_DOESNT_EXIST');
    expect((await call('DELETE', '/crm/v3/properties/contacts/email')).status).toBe(400);
    expect((await call('PATCH', '/crm/v3/properties/contacts/email', { label: 'x' })).status).toBe(400);
  });

  it('validates property definitions', async () => {
    const bad = await call('POST', '/crm/v3/properties/contacts', { name: 'x', label: 'X', type: 'string', fieldType: 'select', groupName: 'contactinformation' });
    expect(bad.status).toBe(400);
    expect((await call('POST', '/crm/v3/properties/contacts', { name: 'x', label: 'X' })).status).toBe(400);
    expect((await call('POST', '/crm/v3/properties/contacts', { name: 'x', label: 'X', type: 'string', fieldType: 'text', groupName: 'nogroup' })).status).toBe(400);
  });

  it('manages property groups', async () => {
    expect((await call<{ results: { name: string }[] }>('GET', '/crm/v3/properties/contacts/groups')).body.results.map((g) => g.name)).toContain('contactinformation');
    expect((await call('POST', '/crm/v3/properties/contacts/groups', { name: 'hubsync', label: 'hubsync' })).status).toBe(201);
    expect((await call('PATCH', '/crm/v3/properties/contacts/groups/hubsync', { label: 'Hubsync' })).body).toMatchObject({ label: 'Hubsync' });
    expect((await call('POST', '/crm/v3/properties/contacts', { name: 'ext_id', label: 'External id', type: 'string', fieldType: 'text', groupName: 'hubsync', hasUniqueValue: true })).status).toBe(201);
    expect((await call('DELETE', '/crm/v3/properties/contacts/groups/hubsync')).status).toBe(204);
    expect((await call('GET', '/crm/v3/properties/contacts/groups/hubsync')).status).toBe(404);
  });

  it('upserts by a custom unique property with partial 207 failures', async () => {
    await call('POST', '/crm/v3/properties/contacts', { name: 'ext_id', label: 'External id', type: 'string', fieldType: 'text', groupName: 'contactinformation', hasUniqueValue: true });
    const res = await call<{ results: { new: boolean; properties: Record<string, string> }[]; errors?: unknown[] }>('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { idProperty: 'ext_id', id: 'E1', properties: { firstname: 'One' } },
        { idProperty: 'ext_id', id: 'E2', properties: { lifecyclestage: 'nope' } },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.new)).toEqual([true]);
    expect(res.body.errors).toHaveLength(1);
    const again = await call<{ results: { new: boolean }[] }>('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ idProperty: 'ext_id', id: 'E1', properties: { firstname: 'Uno' } }] });
    expect(again.body.results.map((r) => r.new)).toEqual([false]);
  });

  it('serves the default deal pipeline with its stages', async () => {
    const res = await call<{ results: { id: string; label: string; stages: { id: string; metadata: { isClosed: string } }[] }[] }>('GET', '/crm/v3/pipelines/deals');
    expect(res.body.results[0]).toMatchObject({ id: 'default', label: 'Sales Pipeline' });
    expect(res.body.results[0]!.stages.map((s) => s.id)).toEqual(['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost']);
    expect(res.body.results[0]!.stages.find((s) => s.id === 'closedwon')!.metadata.isClosed).toBe('true');
  });
});
