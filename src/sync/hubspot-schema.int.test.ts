// HubSpot's schema into the app, through the API against the sandbox over HTTP: a local custom
// field made from a HubSpot property (type and options carried over, mapped straight away, its
// options following HubSpot's when the mapping page loads), a HubSpot property made for a local
// field (and the missing schema-write scope named), and type mismatches refused when the mapping
// is saved, with a stable code per field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';

const W = '/api/workspaces/default';

interface CustomField {
  id: string;
  key: string;
  label: string;
  type: string;
  options: { value: string; label: string }[];
}
interface MappingView {
  objectType: string;
  fields: { field: string; property: string | null; type: string }[];
  properties: { name: string; type: string; fieldType: string; options: { value: string }[] }[];
  saved: boolean;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { problems?: { field: string; code: string; message: string }[]; missingScopes?: string[] } };
}

let env: SandboxedService;
beforeAll(async () => {
  env = await startSandboxedService();
});
afterAll(async () => env?.close());

/** Creates a property in the portal the way a HubSpot user does. */
async function hubspotProperty(objectType: string, body: Record<string, unknown>, method = 'POST', name = ''): Promise<void> {
  const response = await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/${objectType}${name ? `/${name}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(method === 'POST' ? 201 : 200);
}

const fieldsOf = async (objectType: string) => (await env.admin.get<{ customFields: CustomField[] }>(`${W}/custom-fields?objectType=${objectType}`)).body.customFields;
const mappedTo = (view: MappingView, field: string) => view.fields.find((f) => f.field === field)?.property ?? null;

describe('a local custom field from a HubSpot property', () => {
  it('carries a choice property over with its options, maps it, and follows options HubSpot adds', async () => {
    const { admin } = env;
    await hubspotProperty('contacts', {
      name: 'membership_tier',
      label: 'Membership tier',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'contactinformation',
      options: [
        { value: 'gold', label: 'Gold', displayOrder: 0 },
        { value: 'silver', label: 'Silver', displayOrder: 1 },
      ],
    });
    const made = await admin.post<{ customField: CustomField; mapping: MappingView }>(`${W}/hubspot/mapping/fields`, { property: 'membership_tier' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.customField).toMatchObject({ key: 'membership_tier', label: 'Membership tier', type: 'single_choice', options: [{ value: 'gold', label: 'Gold' }, { value: 'silver', label: 'Silver' }] });
    expect(made.body.mapping.saved).toBe(true);
    expect(mappedTo(made.body.mapping, 'custom.membership_tier')).toBe('membership_tier');
    // The suggestions shown before were saved with it: email and the built-in defaults stay mapped.
    expect(mappedTo(made.body.mapping, 'firstName')).toBe('firstname');

    // A customer with the new field pushes its value to the property.
    const customer = await admin.post<{ id: string }>(`${W}/customers`, { email: 'tier@example.com', firstName: 'Tia', custom: { membership_tier: 'gold' } });
    expect(customer.status).toBe(201);
    expect(await syncNow(admin)).toMatchObject({ status: 'succeeded', failed: 0 });
    const contact = env.sandbox.control.listObjects(env.portalId, 'contacts').find((c) => c.properties['email'] === 'tier@example.com');
    expect(contact?.properties['membership_tier']).toBe('gold');

    // HubSpot gains an option and relabels one: the next mapping load (here refreshed) takes both.
    await hubspotProperty(
      'contacts',
      {
        options: [
          { value: 'platinum', label: 'Platinum', displayOrder: 0 },
          { value: 'gold', label: 'Gold (old)', displayOrder: 1 },
          { value: 'silver', label: 'Silver', displayOrder: 2 },
        ],
      },
      'PATCH',
      'membership_tier',
    );
    expect((await admin.get(`${W}/hubspot/mapping?refresh=true`)).status).toBe(200);
    const tier = (await fieldsOf('contacts')).find((f) => f.key === 'membership_tier');
    expect(tier?.options).toEqual([
      { value: 'platinum', label: 'Platinum' },
      { value: 'gold', label: 'Gold (old)' },
      { value: 'silver', label: 'Silver' },
    ]);
    // An option HubSpot drops is kept locally: records may hold it.
    await hubspotProperty('contacts', { options: [{ value: 'platinum', label: 'Platinum', displayOrder: 0 }] }, 'PATCH', 'membership_tier');
    await admin.get(`${W}/hubspot/mapping?refresh=true`);
    expect((await fieldsOf('contacts')).find((f) => f.key === 'membership_tier')?.options.map((o) => o.value)).toEqual(['platinum', 'gold', 'silver']);
    const log = await admin.get<{ entries: { action: string; details: Record<string, unknown> }[] }>(`${W}/audit-log`);
    const synced = log.body.entries.filter((e) => e.action === 'custom_field.options_synced');
    expect(synced.map((e) => e.details['added'])).toContainEqual(['platinum']);
    // Until HubSpot has the kept options again, the saved mapping names them (and the push would be refused).
    const stale = await admin.request<ErrorBody>('PUT', `${W}/hubspot/mapping`, { mappings: Object.fromEntries((await admin.get<MappingView>(`${W}/hubspot/mapping`)).body.fields.map((f) => [f.field, f.property])) });
    expect(stale.body.error.details?.problems).toEqual([{ field: 'custom.membership_tier', code: 'OPTIONS_MISSING', message: 'Membership tier (membership_tier) does not allow the options gold, silver; allowed: platinum.' }]);
  });

  it('makes a multiple-checkbox company property a multiple choice and a number deal property a number', async () => {
    const { admin } = env;
    await hubspotProperty('companies', {
      name: 'markets',
      label: 'Markets',
      type: 'enumeration',
      fieldType: 'checkbox',
      groupName: 'companyinformation',
      options: [
        { value: 'dach', label: 'DACH' },
        { value: 'nordics', label: 'Nordics' },
      ],
    });
    const companies = await admin.post<{ customField: CustomField; mapping: MappingView }>(`${W}/hubspot/mapping/fields`, { objectType: 'companies', property: 'markets', label: 'Target markets' });
    expect(companies.status, JSON.stringify(companies.body)).toBe(201);
    expect(companies.body.customField).toMatchObject({ key: 'markets', label: 'Target markets', type: 'multiple_choice' });
    expect(mappedTo(companies.body.mapping, 'custom.markets')).toBe('markets');

    await hubspotProperty('deals', { name: 'seats', label: 'Seats', type: 'number', fieldType: 'number', groupName: 'dealinformation' });
    const deals = await admin.post<{ customField: CustomField; mapping: MappingView }>(`${W}/hubspot/mapping/fields`, { objectType: 'deals', property: 'seats', key: 'seat_count' });
    expect(deals.status, JSON.stringify(deals.body)).toBe(201);
    expect(deals.body.customField).toMatchObject({ key: 'seat_count', type: 'number', options: [] });
    expect(mappedTo(deals.body.mapping, 'custom.seat_count')).toBe('seats');

    // The same property twice is refused: one property takes one field.
    const again = await admin.post<ErrorBody>(`${W}/hubspot/mapping/fields`, { objectType: 'deals', property: 'seats', key: 'seats_again' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_EXISTS');
    expect((await fieldsOf('deals')).map((f) => f.key)).not.toContain('seats_again');
  });

  it('refuses properties no local type can hold, unknown ones, and read-only ones', async () => {
    const { admin } = env;
    await hubspotProperty('contacts', { name: 'last_visit_at', label: 'Last visit', type: 'datetime', fieldType: 'date', groupName: 'contactinformation' });
    const datetime = await admin.post<ErrorBody>(`${W}/hubspot/mapping/fields`, { property: 'last_visit_at' });
    expect(datetime.status).toBe(422);
    expect(datetime.body.error.code).toBe('PROPERTY_TYPE_UNSUPPORTED');
    expect(datetime.body.error.message).toContain('Last visit (last_visit_at) is a date-and-time property');
    const unknown = await admin.post<ErrorBody>(`${W}/hubspot/mapping/fields`, { property: 'no_such_property' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('property: no_such_property is not a HubSpot contact property.');
    const readOnly = await admin.post<ErrorBody>(`${W}/hubspot/mapping/fields`, { property: 'createdate' });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.error.message).toContain('read-only');
    expect((await fieldsOf('contacts')).map((f) => f.key)).toEqual(['membership_tier']);
  });
});

describe('a HubSpot property for a local custom field', () => {
  it('creates the property with the type and options, maps the field, and pushes its values', async () => {
    const { admin } = env;
    expect((await admin.patch(`${W}/hubspot/settings`, { syncCompanies: true })).status).toBe(200);
    const field = await admin.post<CustomField>(`${W}/custom-fields`, {
      objectType: 'companies',
      key: 'partner_level',
      label: 'Partner level',
      type: 'single_choice',
      options: [
        { value: 'registered', label: 'Registered' },
        { value: 'premier', label: 'Premier' },
      ],
    });
    expect(field.status).toBe(201);
    const created = await admin.post<{ property: { name: string; type: string; fieldType: string; groupName: string }; mapping: MappingView }>(`${W}/hubspot/mapping/properties`, {
      objectType: 'companies',
      field: 'custom.partner_level',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.property).toMatchObject({ name: 'partner_level', type: 'enumeration', fieldType: 'select', groupName: 'companyinformation' });
    expect(mappedTo(created.body.mapping, 'custom.partner_level')).toBe('partner_level');
    // In HubSpot, read back over HTTP.
    const read = await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/companies/partner_level`, { headers: { authorization: `Bearer ${env.token}` } });
    const property = (await read.json()) as { label: string; options: { value: string; label: string }[] };
    expect(property.label).toBe('Partner level');
    expect(property.options.map((o) => [o.value, o.label])).toEqual([
      ['registered', 'Registered'],
      ['premier', 'Premier'],
    ]);

    const organization = await admin.post<{ id: string }>(`${W}/organizations`, { name: 'Partner GmbH', domain: 'partner.example', custom: { partner_level: 'premier' } });
    expect(organization.status).toBe(201);
    expect(await syncNow(admin)).toMatchObject({ status: 'succeeded', failed: 0 });
    const company = env.sandbox.control.listObjects(env.portalId, 'companies').find((c) => c.properties['name'] === 'Partner GmbH');
    expect(company?.properties['partner_level']).toBe('premier');

    // Twice: HubSpot already has it.
    const again = await admin.post<ErrorBody>(`${W}/hubspot/mapping/properties`, { objectType: 'companies', field: 'custom.partner_level' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('HubSpot already has a company property named partner_level; pick it in the mapping instead.');
    // A built-in field has no property of its own to create.
    const builtIn = await admin.post<ErrorBody>(`${W}/hubspot/mapping/properties`, { objectType: 'companies', field: 'name' });
    expect(builtIn.status).toBe(400);
  });

  it('creates yes/no and date properties for deals', async () => {
    const { admin } = env;
    expect((await admin.post(`${W}/custom-fields`, { objectType: 'deals', key: 'renewal', label: 'Renewal', type: 'boolean' })).status).toBe(201);
    expect((await admin.post(`${W}/custom-fields`, { objectType: 'deals', key: 'go_live', label: 'Go-live', type: 'date' })).status).toBe(201);
    const renewal = await admin.post<{ property: { type: string; fieldType: string } }>(`${W}/hubspot/mapping/properties`, { objectType: 'deals', field: 'custom.renewal' });
    expect(renewal.status, JSON.stringify(renewal.body)).toBe(201);
    expect(renewal.body.property).toMatchObject({ type: 'bool', fieldType: 'booleancheckbox' });
    const goLive = await admin.post<{ property: { type: string }; mapping: MappingView }>(`${W}/hubspot/mapping/properties`, { objectType: 'deals', field: 'custom.go_live' });
    expect(goLive.status, JSON.stringify(goLive.body)).toBe(201);
    expect(goLive.body.property.type).toBe('date');
    expect(mappedTo(goLive.body.mapping, 'custom.renewal')).toBe('renewal');
    expect(mappedTo(goLive.body.mapping, 'custom.go_live')).toBe('go_live');
    // The field made from a property earlier keeps its mapping.
    expect(mappedTo(goLive.body.mapping, 'custom.seat_count')).toBe('seats');
  });
});

describe('type mismatches', () => {
  it('are refused when the mapping is saved, with a stable code per field, and nothing is saved', async () => {
    const { admin } = env;
    expect((await admin.post(`${W}/custom-fields`, { key: 'visits', label: 'Visits', type: 'number' })).status).toBe(201);
    expect(
      (await admin.post(`${W}/custom-fields`, { key: 'level', label: 'Level', type: 'single_choice', options: [{ value: 'gold', label: 'Gold' }, { value: 'bronze', label: 'Bronze' }] })).status,
    ).toBe(201);
    await hubspotProperty('contacts', { name: 'loyalty', label: 'Loyalty', type: 'enumeration', fieldType: 'radio', groupName: 'contactinformation', options: [{ value: 'gold', label: 'Gold' }, { value: 'silver', label: 'Silver' }] });
    const before = (await admin.get<MappingView>(`${W}/hubspot/mapping?refresh=true`)).body;
    const refused = await admin.request<ErrorBody>('PUT', `${W}/hubspot/mapping`, {
      mappings: { ...Object.fromEntries(before.fields.map((f) => [f.field, f.property])), 'custom.membership_tier': null, 'custom.visits': 'loyalty', 'custom.level': 'loyalty' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('MAPPING_INVALID');
    // custom.level came second and finds the property taken; alone it would lack bronze.
    expect(refused.body.error.details?.problems).toEqual([
      { field: 'custom.visits', code: 'TYPE_MISMATCH', message: 'Visits is a number and cannot fill Loyalty (loyalty) is a enumeration property.' },
      { field: 'custom.level', code: 'TAKEN', message: expect.stringContaining('is already filled by Visits') },
    ]);
    const alone = await admin.request<ErrorBody>('PUT', `${W}/hubspot/mapping`, { mappings: { ...Object.fromEntries(before.fields.map((f) => [f.field, f.property])), 'custom.membership_tier': null, 'custom.level': 'loyalty' } });
    expect(alone.status).toBe(422);
    expect(alone.body.error.details?.problems).toEqual([{ field: 'custom.level', code: 'OPTIONS_MISSING', message: expect.stringContaining('does not allow the option bronze') }]);
    const after = (await admin.get<MappingView>(`${W}/hubspot/mapping`)).body;
    expect(mappedTo(after, 'custom.visits')).toBeNull();
    expect(mappedTo(after, 'custom.membership_tier')).toBe('membership_tier');
  });
});

describe('without the schema write scope', () => {
  it('names the missing scope before calling HubSpot, and creates nothing', async () => {
    const { admin } = env;
    const limited = env.sandbox.control.createPrivateAppToken({
      portalId: env.portalId,
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'],
    });
    expect((await admin.request('PUT', `${W}/hubspot/connection`, { accessToken: limited.token })).status).toBe(200);
    expect((await admin.post(`${W}/custom-fields`, { key: 'nickname', label: 'Nickname', type: 'text' })).status).toBe(201);
    const refused = await admin.post<ErrorBody>(`${W}/hubspot/mapping/properties`, { field: 'custom.nickname' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('HUBSPOT_MISSING_SCOPES');
    expect(refused.body.error.details?.missingScopes).toEqual(['crm.schemas.contacts.write']);
    expect(refused.body.error.message).toMatch(/^Creating a HubSpot contact property needs the scope crm\.schemas\.contacts\.write, which this connection was not granted\./);
    const read = await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/contacts/nickname`, { headers: { authorization: `Bearer ${env.token}` } });
    expect(read.status).toBe(404);
  });
});
