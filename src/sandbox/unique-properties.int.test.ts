// Unique-value properties over real HTTP: a property created with `hasUniqueValue` is enforced
// on create, update, batch create (whole batch fails) and batch upsert, and batch upsert by it
// creates or updates (`new: true|false`). An idProperty that is not unique is refused.

import { describe, expect, it } from 'vitest';
import { sandboxCaller, useSandbox } from './testing.js';

type Obj = { id: string; properties: Record<string, string | null>; new?: boolean };
type Batch = { status: string; results: Obj[]; errors?: { category: string; message: string; context?: Record<string, string[]> }[] };
type Err = { status: string; category: string; message: string; errors?: { message: string; in?: string }[] };

const sb = useSandbox();
const { call } = sb;

async function uniqueProperty(type: string, name = 'hubsync_id'): Promise<void> {
  const groupName = { companies: 'companyinformation', deals: 'dealinformation', notes: 'engagement', contacts: 'contactinformation' }[type]!;
  const res = await call<{ hasUniqueValue: boolean }>('POST', `/crm/v3/properties/${type}`, {
    name,
    label: 'hubsync id',
    type: 'string',
    fieldType: 'text',
    groupName,
    hasUniqueValue: true,
  });
  expect(res.status).toBe(201);
  expect(res.body.hasUniqueValue).toBe(true);
}

describe('unique-value properties', () => {
  it.each(['companies', 'deals', 'notes'])('%s: a second record cannot take a value another record holds', async (type) => {
    await uniqueProperty(type);
    const extra: Record<string, string> = type === 'deals' ? { dealname: 'D', pipeline: 'default', dealstage: 'qualifiedtobuy' } : type === 'notes' ? { hs_timestamp: '2026-01-01T00:00:00Z' } : {};
    const first = await call<Obj>('POST', `/crm/v3/objects/${type}`, { properties: { ...extra, hubsync_id: 'c-1' } });
    expect(first.status).toBe(201);
    const second = await call<Err>('POST', `/crm/v3/objects/${type}`, { properties: { ...extra, hubsync_id: 'c-1' } });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ status: 'error', category: 'CONFLICT' });
    expect(second.body.message).toContain(`Existing ID: ${first.body.id}`);
    expect(second.body.errors?.[0]?.in).toBe('hubsync_id');

    const other = await call<Obj>('POST', `/crm/v3/objects/${type}`, { properties: { ...extra, hubsync_id: 'c-2' } });
    const taken = await call<Err>('PATCH', `/crm/v3/objects/${type}/${other.body.id}`, { properties: { hubsync_id: 'c-1' } });
    expect(taken.status).toBe(409);
    // Writing a record's own value again, or clearing it, is fine; a freed value can be taken.
    expect((await call('PATCH', `/crm/v3/objects/${type}/${first.body.id}`, { properties: { hubsync_id: 'c-1' } })).status).toBe(200);
    expect((await call('PATCH', `/crm/v3/objects/${type}/${first.body.id}`, { properties: { hubsync_id: '' } })).status).toBe(200);
    expect((await call('PATCH', `/crm/v3/objects/${type}/${other.body.id}`, { properties: { hubsync_id: 'c-1' } })).status).toBe(200);
    // An archived record frees its value.
    expect((await call('DELETE', `/crm/v3/objects/${type}/${other.body.id}`)).status).toBe(204);
    expect((await call('POST', `/crm/v3/objects/${type}`, { properties: { ...extra, hubsync_id: 'c-1' } })).status).toBe(201);
  });

  it('batch create fails whole when one input takes a held value or two inputs share one', async () => {
    await uniqueProperty('companies');
    const held = await call<Obj>('POST', '/crm/v3/objects/companies', { properties: { name: 'Held', hubsync_id: 'h' } });
    const conflict = await call<Err>('POST', '/crm/v3/objects/companies/batch/create', {
      inputs: [{ properties: { name: 'A', hubsync_id: 'a' } }, { properties: { name: 'B', hubsync_id: 'h' } }],
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain(`Existing ID: ${held.body.id}`);
    const twice = await call<Err>('POST', '/crm/v3/objects/companies/batch/create', {
      inputs: [{ properties: { name: 'A', hubsync_id: 'a' } }, { properties: { name: 'B', hubsync_id: 'a' } }],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.category).toBe('VALIDATION_ERROR');
    const all = await call<{ results: Obj[] }>('GET', '/crm/v3/objects/companies?properties=hubsync_id&limit=100');
    expect(all.body.results.map((r) => r.properties['hubsync_id'])).toEqual(['h']);
  });

  it('batch upsert by a unique property creates or updates, with new: true|false', async () => {
    await uniqueProperty('deals');
    const made = await call<Obj>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Old', pipeline: 'default', dealstage: 'qualifiedtobuy', hubsync_id: 'd-1' } });
    const res = await call<Batch>('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [
        { idProperty: 'hubsync_id', id: 'd-1', properties: { dealname: 'Renamed' } },
        { idProperty: 'hubsync_id', id: 'd-2', properties: { dealname: 'New', pipeline: 'default', dealstage: 'closedwon' } },
      ],
    });
    expect(res.status).toBe(200);
    const byName = new Map(res.body.results.map((r) => [r.properties['dealname'], r]));
    expect(byName.get('Renamed')).toMatchObject({ id: made.body.id, new: false });
    expect(byName.get('New')).toMatchObject({ new: true, properties: { hubsync_id: 'd-2' } });
    const read = await call<Obj>('GET', `/crm/v3/objects/deals/d-2?idProperty=hubsync_id&properties=dealname,dealstage`);
    expect(read.body.properties).toMatchObject({ dealname: 'New', dealstage: 'closedwon' });
    // Again: both now exist, so both are updates.
    const again = await call<Batch>('POST', '/crm/v3/objects/deals/batch/upsert', {
      inputs: [
        { idProperty: 'hubsync_id', id: 'd-1', properties: { amount: '1' } },
        { idProperty: 'hubsync_id', id: 'd-2', properties: { amount: '2' } },
      ],
    });
    expect(again.body.results.map((r) => r.new)).toEqual([false, false]);
  });

  it('batch upsert refuses an input that would move a held value onto another record, and applies the rest', async () => {
    await uniqueProperty('companies');
    await uniqueProperty('companies', 'vat_number');
    await call('POST', '/crm/v3/objects/companies', { properties: { name: 'A', hubsync_id: 'a', vat_number: 'V1' } });
    const res = await call<Batch>('POST', '/crm/v3/objects/companies/batch/upsert', {
      inputs: [
        { idProperty: 'hubsync_id', id: 'b', properties: { name: 'B', vat_number: 'V1' } },
        { idProperty: 'hubsync_id', id: 'c', properties: { name: 'C', vat_number: 'V3' } },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.properties['name'])).toEqual(['C']);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ category: 'CONFLICT' });
  });

  it('refuses an idProperty whose values are not unique, as HubSpot does', async () => {
    const res = await call<Err>('POST', '/crm/v3/objects/companies/batch/upsert', {
      inputs: [{ idProperty: 'domain', id: 'example.com', properties: { name: 'X' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(res.body.message).toMatch(/^Unable to perform update\/upsert by non-unique 0-2 property domain in portal ID \d+$/);
    const get = await call<Err>('GET', '/crm/v3/objects/companies/example.com?idProperty=domain');
    expect(get.status).toBe(400);
    // hs_object_id is the record id, not a unique property (a recorded 400 from HubSpot says so).
    const company = await call<Obj>('POST', '/crm/v3/objects/companies', { properties: { name: 'A' } });
    for (const path of ['batch/update', 'batch/upsert']) {
      const byObjectId = await call<Err>('POST', `/crm/v3/objects/companies/${path}`, {
        inputs: [{ idProperty: 'hs_object_id', id: company.body.id, properties: { name: 'B' } }],
      });
      expect(byObjectId.status, path).toBe(400);
      expect(byObjectId.body.message).toMatch(/^Unable to perform update\/upsert by non-unique 0-2 property hs_object_id in portal ID \d+$/);
    }
    // Without idProperty, batch update takes record ids.
    const plain = await call<Batch>('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: company.body.id, properties: { name: 'B' } }] });
    expect(plain.status).toBe(200);
  });

  it('seeding through the control API refuses a value a record already holds', async () => {
    const { portalId, token } = sb.control.createPrivateAppToken({ tier: 'unlimited' });
    const seeded = sandboxCaller(sb.baseUrl);
    const own = sandboxCaller(sb.baseUrl, token);
    await own('POST', '/crm/v3/properties/companies', { name: 'hubsync_id', label: 'h', type: 'string', fieldType: 'text', groupName: 'companyinformation', hasUniqueValue: true });
    expect((await seeded('POST', `/_sandbox/portals/${portalId}/objects/companies`, { records: [{ name: 'A', hubsync_id: 's-1' }] })).status).toBe(201);
    const dup = await seeded<{ error: { code: string } }>('POST', `/_sandbox/portals/${portalId}/objects/companies`, { records: [{ name: 'B', hubsync_id: 's-1' }] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('DUPLICATE_UNIQUE_VALUE');
    const found = await own<Obj>('GET', '/crm/v3/objects/companies/s-1?idProperty=hubsync_id&properties=name');
    expect(found.body.properties['name']).toBe('A');
  });

  it('allows at most 10 unique properties per object type', async () => {
    for (let i = 0; i < 10; i++) await uniqueProperty('companies', `key_${i}`);
    const eleventh = await call<Err>('POST', '/crm/v3/properties/companies', {
      name: 'key_10', label: 'k', type: 'string', fieldType: 'text', groupName: 'companyinformation', hasUniqueValue: true,
    });
    expect(eleventh.status).toBe(400);
  });
});
