import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { sandboxCaller, useSandbox } from './testing.js';

type Obj = { id: string; properties: Record<string, string | null>; propertiesWithHistory?: Record<string, { value: string; timestamp: string; sourceType: string }[]>; archived: boolean; new?: boolean };
type Batch = { status: string; results: Obj[]; numErrors?: number; errors?: { category: string; message: string; context: Record<string, string[]> }[] };

const clock = new ManualClock();

const sb = useSandbox({ clock });
const { call } = sb;

const createContact = async (properties: Record<string, unknown>) => (await call<Obj>('POST', '/crm/v3/objects/contacts', { properties })).body;

describe('single-record CRUD', () => {
  it('creates a contact with 201, string values and system properties', async () => {
    const res = await call<Obj & { createdAt: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'Ann@Example.com', firstname: 'Ann', annualrevenue: 5000 } });
    expect(res.status).toBe(201);
    expect(res.body.properties).toMatchObject({
      email: 'ann@example.com',
      firstname: 'Ann',
      annualrevenue: '5000',
      hs_object_id: res.body.id,
      createdate: new Date(clock.now()).toISOString(),
      lastmodifieddate: new Date(clock.now()).toISOString(),
      lifecyclestage: 'lead',
    });
    expect(res.body.createdAt).toBe(new Date(clock.now()).toISOString());
  });

  it('gets by id and by email, returning default properties or the ones asked for', async () => {
    const c = await createContact({ email: 'bob@example.com', firstname: 'Bob', phone: '123' });
    const byId = await call<Obj>('GET', `/crm/v3/objects/contacts/${c.id}`);
    expect(Object.keys(byId.body.properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
    expect(byId.body.properties['lastname']).toBeNull();
    const byEmail = await call<Obj>('GET', `/crm/v3/objects/contacts/BOB@example.com?idProperty=email&properties=phone,nonexistent`);
    expect(byEmail.body).toMatchObject({ id: c.id, properties: { phone: '123' } });
    expect(byEmail.body.properties).not.toHaveProperty('nonexistent');
    const missing = await call('GET', '/crm/v3/objects/contacts/999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('updates, clears with "" and keeps history with timestamps and sources', async () => {
    const c = await createContact({ email: 'h@example.com', firstname: 'Old', city: 'Paris' });
    clock.advance(1000);
    const upd = await call<Obj>('PATCH', `/crm/v3/objects/contacts/${c.id}`, { properties: { firstname: 'New', city: '' } });
    expect(upd.status).toBe(200);
    expect(upd.body.properties).toMatchObject({ firstname: 'New', city: '', lastmodifieddate: new Date(clock.now()).toISOString() });
    const got = await call<Obj>('GET', `/crm/v3/objects/contacts/${c.id}?properties=city,firstname&propertiesWithHistory=firstname,city`);
    expect(got.body.properties).toMatchObject({ city: null, firstname: 'New' });
    const history = got.body.propertiesWithHistory!;
    expect(history['firstname']!.map((v) => v.value)).toEqual(['New', 'Old']);
    expect(history['firstname']![0]!.timestamp).toBe(new Date(clock.now()).toISOString());
    expect(history['firstname']![0]!.sourceType).toBe('INTEGRATION');
    expect(history['city']!.map((v) => v.value)).toEqual(['', 'Paris']);
  });

  it('patches by email with idProperty=email', async () => {
    const c = await createContact({ email: 'p@example.com' });
    const res = await call<Obj>('PATCH', '/crm/v3/objects/contacts/p@example.com?idProperty=email', { properties: { jobtitle: 'CTO' } });
    expect(res.body.id).toBe(c.id);
    expect(sb.control.listObjects(sb.portalId, 'contacts')[0]!.properties['jobtitle']).toBe('CTO');
  });

  it('archives with 204, hides the record, and lists it under archived=true', async () => {
    const c = await createContact({ email: 'gone@example.com' });
    expect((await call('DELETE', `/crm/v3/objects/contacts/${c.id}`)).status).toBe(204);
    expect((await call('GET', `/crm/v3/objects/contacts/${c.id}`)).status).toBe(404);
    const archived = await call<{ results: Obj[] }>('GET', '/crm/v3/objects/contacts?archived=true');
    expect(archived.body.results.map((r) => r.id)).toEqual([c.id]);
    expect(archived.body.results[0]!.archived).toBe(true);
    expect((await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'gone@example.com' } })).status).toBe(201);
  });

  it('only moves lifecyclestage forward unless it is cleared first', async () => {
    const c = await createContact({ email: 'l@example.com', lifecyclestage: 'customer' });
    await call('PATCH', `/crm/v3/objects/contacts/${c.id}`, { properties: { lifecyclestage: 'lead' } });
    expect(sb.control.listObjects(sb.portalId, 'contacts')[0]!.properties['lifecyclestage']).toBe('customer');
    await call('PATCH', `/crm/v3/objects/contacts/${c.id}`, { properties: { lifecyclestage: '' } });
    await call('PATCH', `/crm/v3/objects/contacts/${c.id}`, { properties: { lifecyclestage: 'lead' } });
    expect(sb.control.listObjects(sb.portalId, 'contacts')[0]!.properties['lifecyclestage']).toBe('lead');
  });

  it('creates companies, deals and notes with their own system properties', async () => {
    const co = await call<Obj>('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme', domain: 'acme.test' } });
    expect(co.body.properties).toMatchObject({ name: 'Acme', hs_lastmodifieddate: expect.any(String) as string, hs_object_id: co.body.id });
    const deal = await call<Obj>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Big', amount: 10, pipeline: 'default', dealstage: 'closedwon' } });
    expect(deal.status).toBe(201);
    const badStage = await call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'X', pipeline: 'default', dealstage: 'nope' } });
    expect(badStage.status).toBe(400);
    const noTimestamp = await call('POST', '/crm/v3/objects/notes', { properties: { hs_note_body: 'hi' } });
    expect(noTimestamp.status).toBe(400);
  });
});

describe('contact validation errors', () => {
  it('answers 409 CONFLICT naming the existing id, case-insensitively', async () => {
    const c = await createContact({ email: 'dup@example.com' });
    const res = await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'DUP@example.com' } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ status: 'error', message: `Contact already exists. Existing ID: ${c.id}`, correlationId: res.headers.get('x-hubspot-correlation-id'), category: 'CONFLICT' });
  });

  it('answers INVALID_EMAIL with HubSpot message embedding the problems as JSON', async () => {
    const res = await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'example.lcom' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: 'Property values were not valid: [{"isValid":false,"message":"Email address example.lcom is invalid","error":"INVALID_EMAIL","name":"email"}]',
    });
  });

  it('answers INVALID_OPTION and PROPERTY_DOESNT_EXIST (with errors[].context)', async () => {
    const opt = await call<{ message: string }>('POST', '/crm/v3/objects/contacts', { properties: { hs_lead_status: 'HOT' } });
    expect(opt.body.message).toContain('"error":"INVALID_OPTION"');
    expect(opt.body.message).toContain('HOT was not one of the allowed options: [NEW, OPEN, IN_PROGRESS');
    const unknown = await call('POST', '/crm/v3/objects/companies', { properties: { testproperty: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      category: 'VALIDATION_ERROR',
      message: `Property values were not valid: [{"isValid":false,"message":"Property \\"testproperty\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"testproperty","localizedErrorMessage":"Property \\"testproperty\\" does not exist","portalId":${sb.portalId}}]`,
      errors: [{ message: 'Property "testproperty" does not exist', code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['testproperty'] } }],
    });
  });
});

describe('list paging', () => {
  it('pages with an opaque after cursor and limit', async () => {
    sb.control.seedContacts(sb.portalId, Array.from({ length: 25 }, (_, i) => ({ email: `c${i}@example.com` })));
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const res = await call<{ results: Obj[]; paging?: { next: { after: string } } }>('GET', `/crm/v3/objects/contacts?limit=10&properties=email${after ? `&after=${after}` : ''}`);
      seen.push(...res.body.results.map((r) => r.properties['email']!));
      after = res.body.paging?.next.after;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });
});

describe('batch endpoints', () => {
  it('rejects more than 100 inputs with a validation error', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { email: `b${i}@example.com` } }));
    const res = await call('POST', '/crm/v3/objects/contacts/batch/create', { inputs });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toHaveLength(0);
  });

  it('batch create answers 201, and fails whole on the first conflict', async () => {
    const ok = await call<Batch>('POST', '/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email: 'x1@example.com' } }, { properties: { email: 'x2@example.com' } }] });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe('COMPLETE');
    expect(ok.body.results).toHaveLength(2);
    const first = ok.body.results[0]!.id;
    const res = await call('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'new@example.com' } }, { properties: { email: 'x1@example.com' } }, { properties: { email: 'x2@example.com' } }],
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ category: 'CONFLICT', message: `Contact already exists. Existing ID: ${first}` });
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toHaveLength(2);
  });

  it('batch create with objectWriteTraceId answers 207 with the bad inputs in errors', async () => {
    const res = await call<Batch>('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'ok@example.com' }, objectWriteTraceId: 'a' }, { properties: { missing: 'x' }, objectWriteTraceId: 'b' }],
    });
    expect(res.status).toBe(207);
    expect(res.body.numErrors).toBe(1);
    expect(res.body.errors![0]).toMatchObject({ category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['b'] } });
    expect(res.body.results).toHaveLength(1);
  });

  it('batch read answers 207 naming missing ids', async () => {
    const a = await createContact({ email: 'r@example.com' });
    const res = await call<Batch>('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: a.id }, { id: '424242' }], properties: ['email'] });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.properties['email'])).toEqual(['r@example.com']);
    expect(res.body.errors![0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['424242'] } });
    const byEmail = await call<Batch>('POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', inputs: [{ id: 'R@example.com' }], properties: ['email'] });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.results[0]!.id).toBe(a.id);
  });

  it('batch update applies valid inputs and reports failing ones in a 207', async () => {
    const a = await createContact({ email: 'u1@example.com' });
    const b = await createContact({ email: 'u2@example.com' });
    const res = await call<Batch>('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [{ id: a.id, properties: { firstname: 'A' } }, { id: b.id, properties: { lifecyclestage: 'bogus' } }, { id: '777', properties: { firstname: 'C' } }],
    });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r) => r.id)).toEqual([a.id]);
    expect(res.body.errors!.map((e) => e.category).sort()).toEqual(['OBJECT_NOT_FOUND', 'VALIDATION_ERROR']);
    expect(sb.control.listObjects(sb.portalId, 'contacts').map((c) => c.properties['firstname'])).toEqual(['A', undefined]);
  });

  it('batch upsert by email creates and updates with new: true|false', async () => {
    const existing = await createContact({ email: 'up@example.com', firstname: 'Old' });
    const res = await call<Batch>('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { idProperty: 'email', id: 'UP@example.com', properties: { firstname: 'New' } },
        { idProperty: 'email', id: 'fresh@example.com', properties: { firstname: 'Fresh' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => [r.id === existing.id, r.new])).toEqual([
      [true, false],
      [false, true],
    ]);
    const all = sb.control.listObjects(sb.portalId, 'contacts');
    expect(all.map((c) => [c.properties['email'], c.properties['firstname']])).toEqual([
      ['up@example.com', 'New'],
      ['fresh@example.com', 'Fresh'],
    ]);
  });

  it('batch upsert by email fails whole on an invalid input', async () => {
    const res = await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { idProperty: 'email', id: 'good@example.com', properties: { firstname: 'G' } },
        { idProperty: 'email', id: 'bad@example.com', properties: { lifecyclestage: 'nope' } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toHaveLength(0);
  });

  it('batch upsert refuses duplicate ids', async () => {
    const res = await call<{ message: string }>('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ idProperty: 'email', id: 'a@example.com', properties: {} }, { idProperty: 'email', id: 'A@example.com', properties: {} }],
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/Duplicate IDs/);
  });

  it('batch archive answers 204 and archives every input', async () => {
    const a = await createContact({ email: 'z1@example.com' });
    const b = await createContact({ email: 'z2@example.com' });
    const res = await call('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: [{ id: a.id }, { id: b.id }, { id: '999' }] });
    expect(res.status).toBe(204);
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toHaveLength(0);
  });
});

describe('merge', () => {
  it('gives the merged contact a new id, keeps old ids resolving and lists them', async () => {
    const a = await createContact({ email: 'a@example.com', firstname: 'Primary' });
    const b = await createContact({ email: 'b@example.com', firstname: 'Other', city: 'Oslo' });
    const res = await call<Obj>('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: a.id, objectIdToMerge: b.id });
    expect(res.status).toBe(200);
    const merged = res.body.id;
    expect([a.id, b.id]).not.toContain(merged);
    for (const old of [a.id, b.id]) {
      const got = await call<Obj>('GET', `/crm/v3/objects/contacts/${old}?properties=hs_merged_object_ids,firstname,city,email`);
      expect(got.status).toBe(200);
      expect(got.body.id).toBe(merged);
      expect(got.body.properties).toMatchObject({ hs_merged_object_ids: `${a.id};${b.id}`, firstname: 'Primary', city: 'Oslo', email: 'a@example.com' });
    }
    const byOtherEmail = await call<Obj>('GET', '/crm/v3/objects/contacts/b@example.com?idProperty=email');
    expect(byOtherEmail.body.id).toBe(merged);
    expect(sb.control.listObjects(sb.portalId, 'contacts').map((c) => c.id)).toEqual([merged]);
    const self = await call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: merged, objectIdToMerge: a.id });
    expect(self.status).toBe(400);
  });
});

describe('portals', () => {
  it('keeps portals isolated', async () => {
    await createContact({ email: 'mine@example.com' });
    const other = sb.control.createPrivateAppToken({ tier: 'unlimited' });
    expect(other.portalId).not.toBe(sb.portalId);
    const theirs = sandboxCaller(sb.baseUrl, other.token);
    const list = await theirs<{ results: Obj[] }>('GET', '/crm/v3/objects/contacts');
    expect(list.body.results).toEqual([]);
    expect((await theirs('POST', '/crm/v3/objects/contacts', { properties: { email: 'mine@example.com' } })).status).toBe(201);
  });
});
