// Organizations over real HTTP against a real database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres): CRUD, validation codes, tenancy, domain normalization and the
// Duplicate rule, members with one primary, bulk upsert limits, CSV import, the on-change
// pending set, custom fields of companies, and soft delete freeing the externalId.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

let ts: TestService;
let admin: ApiClient;
const W = '/api/workspaces/default';

interface Org {
  id: string;
  name: string;
  domain: string | null;
  domainKey: string | null;
  externalId: string | null;
  customerIds?: string[];
  fieldUpdatedAt: Record<string, string>;
  sync: { status: string; statusLabel: string };
}

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => ts?.close());

const create = (body: Record<string, unknown>, client = admin) => client.post<Org>(`${W}/organizations`, body);
const read = (id: string) => admin.get<Org>(`${W}/organizations/${id}`);
const db = () => ts.service.database.db;

describe('organizations: create, read, update, delete', () => {
  it('creates one with every field and any Unicode, and reads it back unchanged', async () => {
    const name = 'Ærøskøbing Bücher GmbH 😀 שלום "Q"';
    const created = await create({
      name,
      domain: 'https://www.Bücher.example/impressum',
      website: 'https://www.bücher.example',
      phone: '+49 30 1234567',
      street: 'Straße 1',
      city: 'Zürich',
      postalCode: '8001',
      region: 'ZH',
      country: 'Schweiz',
      industry: 'Publishing',
      numberOfEmployees: 42,
      annualRevenue: '1250000.50',
      lifecycleStage: 'customer',
      tags: ['vip', 'ñandú'],
      externalId: 'org-1',
    });
    expect(created.status).toBe(201);
    const got = await read(created.body.id);
    expect(got.body).toMatchObject({
      name,
      domain: 'https://www.Bücher.example/impressum',
      domainKey: 'xn--bcher-kva.example',
      city: 'Zürich',
      numberOfEmployees: 42,
      annualRevenue: '1250000.50',
      tags: ['vip', 'ñandú'],
      externalId: 'org-1',
      customerIds: [],
      sync: { status: 'not_synced', statusLabel: 'Not synced' },
    });
    expect(got.body.id).toMatch(/^org_/);
  });

  it('stamps only the fields that really change, and lists by search, domain, status and cursor', async () => {
    const created = await create({ name: 'Stamp Co', domain: 'stamp.example', city: 'Oslo' });
    await new Promise((r) => setTimeout(r, 5));
    const same = await admin.patch<Org>(`${W}/organizations/${created.body.id}`, { city: 'Oslo' });
    expect(same.body.fieldUpdatedAt).toEqual(created.body.fieldUpdatedAt);
    const changed = await admin.patch<Org>(`${W}/organizations/${created.body.id}`, { city: 'Bergen', industry: null });
    expect(changed.body.fieldUpdatedAt['name']).toBe(created.body.fieldUpdatedAt['name']);
    expect(Date.parse(changed.body.fieldUpdatedAt['city']!)).toBeGreaterThan(Date.parse(created.body.fieldUpdatedAt['city']!));
    expect(changed.body.fieldUpdatedAt['industry']).toBeUndefined();

    for (let i = 0; i < 3; i++) await create({ name: `Pager ${i}`, domain: `pager${i}.example` });
    const first = await admin.get<{ organizations: Org[]; nextCursor: string }>(`${W}/organizations?q=pager&limit=2`);
    expect(first.body.organizations.map((o) => o.name)).toEqual(['Pager 0', 'Pager 1']);
    const second = await admin.get<{ organizations: Org[]; nextCursor: null }>(`${W}/organizations?q=pager&limit=2&after=${first.body.nextCursor}`);
    expect(second.body.organizations.map((o) => o.name)).toEqual(['Pager 2']);
    expect(second.body.nextCursor).toBeNull();
    const byDomain = await admin.get<{ organizations: Org[] }>(`${W}/organizations?domain=${encodeURIComponent('HTTP://WWW.pager1.example/x')}`);
    expect(byDomain.body.organizations.map((o) => o.name)).toEqual(['Pager 1']);
    const bySearchDomain = await admin.get<{ organizations: Org[] }>(`${W}/organizations?q=pager2.exa`);
    expect(bySearchDomain.body.organizations.map((o) => o.name)).toEqual(['Pager 2']);
    const byStatus = await admin.get<{ organizations: Org[] }>(`${W}/organizations?status=duplicate&q=pager`);
    expect(byStatus.body.organizations).toEqual([]);
    const badCursor = await admin.get(`${W}/organizations?after=cus_x`);
    expect(badCursor.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'querystring.after' } } });
  });

  it('soft-deletes: the organization is gone (404) and its externalId can be used again', async () => {
    const first = await create({ name: 'Gone Ltd', externalId: 'reuse-me' });
    expect((await create({ name: 'Clash Ltd', externalId: 'reuse-me' })).body).toMatchObject({ error: { code: 'ALREADY_EXISTS', details: { field: 'externalId' } } });
    expect((await admin.delete(`${W}/organizations/${first.body.id}`)).status).toBe(204);
    expect((await read(first.body.id)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await admin.delete(`${W}/organizations/${first.body.id}`)).status).toBe(404);
    const again = await create({ name: 'New Ltd', externalId: 'reuse-me' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
  });
});

describe('organization validation', () => {
  it.each([
    ['no name', { domain: 'x.example' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a domain that is not one', { name: 'A', domain: 'localhost' }, 'domain'],
    ['a domain with white space', { name: 'A', domain: 'exa mple.com' }, 'domain'],
    ['a negative number of employees', { name: 'A', numberOfEmployees: -1 }, 'numberOfEmployees'],
    ['a fractional number of employees', { name: 'A', numberOfEmployees: 2.5 }, 'numberOfEmployees'],
    ['revenue with a thousands separator', { name: 'A', annualRevenue: '1,000' }, 'annualRevenue'],
    ['an over-long name', { name: 'x'.repeat(501) }, 'name'],
    ['an over-long phone', { name: 'A', phone: '1'.repeat(51) }, 'phone'],
    ['a NUL character', { name: 'A\u0000B' }, 'name'],
    ['an unknown field', { name: 'A', nickname: 'x' }, 'nickname'],
    ['tags that are not a list', { name: 'A', tags: 'vip' }, 'tags'],
    ['an owner who is not a member', { name: 'A', ownerUserId: 'usr_nobody' }, 'ownerUserId'],
    ['an unknown custom field', { name: 'A', custom: { nope: 1 } }, 'custom.nope'],
  ])('refuses %s with VALIDATION_FAILED naming the field', async (_name, body, field) => {
    const response = await create(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field } } });
  });

  it('accepts a member of the workspace as owner, and a revenue given as a number', async () => {
    const users = await admin.get<{ users: { id: string }[] }>(`${W}/users`);
    const created = await create({ name: 'Owned', ownerUserId: users.body.users[0]!.id, annualRevenue: 99.5, numberOfEmployees: '12' });
    expect(created.body).toMatchObject({ ownerUserId: users.body.users[0]!.id, annualRevenue: '99.5', numberOfEmployees: 12 });
  });

  it('refuses a name cleared by an update, and answers an unknown organization with 404', async () => {
    const created = await create({ name: 'Keep' });
    expect((await admin.patch(`${W}/organizations/${created.body.id}`, { name: null })).body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'name' } } });
    expect((await admin.patch(`${W}/organizations/org_missing0`, { name: 'x' })).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('tenancy and API keys', () => {
  it("lets a workspace's API key work with its organizations and hides another workspace's (404)", async () => {
    await admin.post('/api/workspaces', { slug: 'other', name: 'Other' });
    const secret = await admin.post<Org>('/api/workspaces/other/organizations', { name: 'Secret Org' });
    expect(secret.status).toBe(201);
    const key = await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'host app' });
    const host = new ApiClient(ts.url, key.body.key);
    expect((await create({ name: 'From host' }, host)).status).toBe(201);
    expect((await host.get(`${W}/organizations/${secret.body.id}`)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await host.get(`/api/workspaces/other/organizations/${secret.body.id}`)).status).toBe(404);
    expect((await host.patch(`/api/workspaces/other/organizations/${secret.body.id}`, { name: 'x' })).status).toBe(404);
    expect((await admin.get(`${W}/organizations/${secret.body.id}`)).status).toBe(404);
    const anon = new ApiClient(ts.url);
    expect((await anon.get(`${W}/organizations`)).status).toBe(401);
  });
});

describe('domains and the Duplicate rule', () => {
  it('normalizes the domain; the earliest of two organizations with one domain keeps it, the other reads Duplicate', async () => {
    const first = await create({ name: 'Acme One', domain: 'https://www.ACME-dup.example:8080/about' });
    const second = await create({ name: 'Acme Two', domain: 'acme-dup.example' });
    expect(first.body.domainKey).toBe('acme-dup.example');
    expect(second.body.sync).toMatchObject({ status: 'duplicate', statusLabel: 'Duplicate' });
    expect((await read(first.body.id)).body.sync.status).toBe('not_synced');
    // The earlier one moves to another domain: the second one owns acme-dup.example now.
    await admin.patch(`${W}/organizations/${first.body.id}`, { domain: 'acme-other.example' });
    expect((await read(second.body.id)).body.sync.status).toBe('not_synced');
    // Back again: the earliest wins again; deleting it frees the domain.
    await admin.patch(`${W}/organizations/${first.body.id}`, { domain: 'www.acme-dup.example' });
    expect((await read(second.body.id)).body.sync.status).toBe('duplicate');
    await admin.delete(`${W}/organizations/${first.body.id}`);
    expect((await read(second.body.id)).body.sync.status).toBe('not_synced');
  });

  it('leaves organizations without a domain alone (Not synced), however many there are', async () => {
    const a = await create({ name: 'No Domain A' });
    const b = await create({ name: 'No Domain B' });
    expect([a.body.sync.status, b.body.sync.status]).toEqual(['not_synced', 'not_synced']);
  });
});

describe('members', () => {
  it('keeps one primary organization per customer, from organizationIds and from the link routes', async () => {
    const o1 = await create({ name: 'Member Org 1' });
    const o2 = await create({ name: 'Member Org 2' });
    const customer = await admin.post<{ id: string; organizationIds: string[] }>(`${W}/customers`, { email: 'member1@example.com', organizationIds: [o1.body.id, o2.body.id] });
    expect(customer.status).toBe(201);
    expect(customer.body.organizationIds).toEqual([o1.body.id, o2.body.id]);
    expect((await read(o2.body.id)).body.customerIds).toEqual([customer.body.id]);

    const put = await admin.request('PUT', `${W}/organizations/${o2.body.id}/customers/${customer.body.id}`, { primary: true });
    expect(put.status).toBe(204);
    const after = await admin.get<{ organizationIds: string[] }>(`${W}/customers/${customer.body.id}`);
    expect(after.body.organizationIds).toEqual([o2.body.id, o1.body.id]);
    const primaries = await db().selectFrom('customer_organizations').select('organization_id').where('customer_id', '=', customer.body.id).where('is_primary', '=', 1).execute();
    expect(primaries.map((p) => p.organization_id)).toEqual([o2.body.id]);

    expect((await admin.delete(`${W}/organizations/${o2.body.id}/customers/${customer.body.id}`)).status).toBe(204);
    expect((await admin.get<{ organizationIds: string[] }>(`${W}/customers/${customer.body.id}`)).body.organizationIds).toEqual([o1.body.id]);
    expect((await admin.delete(`${W}/organizations/${o2.body.id}/customers/${customer.body.id}`)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });

    const cleared = await admin.patch<{ organizationIds: string[] }>(`${W}/customers/${customer.body.id}`, { organizationIds: [] });
    expect(cleared.body.organizationIds).toEqual([]);
  });

  it('links through the customers bulk upsert, accepts a PUT without a body, and forgets a deleted organization', async () => {
    const o1 = await create({ name: 'Bulk Member Org' });
    const o2 = await create({ name: 'Doomed Org' });
    const upserted = await admin.post<{ results: { status: string; id: string }[] }>(`${W}/customers/bulk-upsert`, {
      customers: [{ externalId: 'bm-1', email: 'bm1@example.com', organizationIds: [o2.body.id, o1.body.id] }, { externalId: 'bm-2', organizationIds: ['org_nothere1'] }],
    });
    expect(upserted.body.results.map((r) => r.status)).toEqual(['created', 'error']);
    const id = upserted.body.results[0]!.id;
    expect((await admin.get<{ organizationIds: string[] }>(`${W}/customers/${id}`)).body.organizationIds).toEqual([o2.body.id, o1.body.id]);
    const bare = await admin.request('PUT', `${W}/organizations/${o1.body.id}/customers/${id}`);
    expect(bare.body).toBeUndefined();
    expect(bare.status).toBe(204);
    await admin.delete(`${W}/organizations/${o2.body.id}`);
    const listed = await admin.get<{ customers: { id: string; organizationIds: string[] }[] }>(`${W}/customers?email=bm1@example.com`);
    expect(listed.body.customers[0]!.organizationIds).toEqual([o1.body.id]);
    expect((await read(o1.body.id)).body.customerIds).toEqual([id]);
  });

  it('refuses organizationIds naming an organization of another workspace, and bumps both sides when links change', async () => {
    const foreign = await admin.post<Org>('/api/workspaces/other/organizations', { name: 'Foreign' });
    const refused = await admin.post(`${W}/customers`, { email: 'member2@example.com', organizationIds: [foreign.body.id] });
    expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'organizationIds' } } });
    expect((await admin.post(`${W}/customers`, { email: 'member2@example.com', organizationIds: 'x' })).status).toBe(400);

    const org = await create({ name: 'Bump Org' });
    const customer = await admin.post<{ id: string }>(`${W}/customers`, { email: 'member3@example.com' });
    const versions = async () => [
      (await db().selectFrom('customers').select('version').where('id', '=', customer.body.id).executeTakeFirstOrThrow()).version,
      (await db().selectFrom('organizations').select('version').where('id', '=', org.body.id).executeTakeFirstOrThrow()).version,
    ];
    const before = await versions();
    await admin.request('PUT', `${W}/organizations/${org.body.id}/customers/${customer.body.id}`, {});
    const after = await versions();
    expect(after[0]).toBeGreaterThan(before[0]!);
    expect(after[1]).toBeGreaterThan(before[1]!);
    // Linking again the same way changes nothing.
    await admin.request('PUT', `${W}/organizations/${org.body.id}/customers/${customer.body.id}`, { primary: false });
    expect(await versions()).toEqual(after);
  });
});

describe('bulk upsert and CSV import', () => {
  it('upserts 1,000 organizations by externalId in one request and refuses 1,001', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ externalId: `bulk-${i}`, name: `Bulk ${i}`, domain: `bulk${i}.example` }));
    const created = await admin.post<{ created: number; failed: number }>(`${W}/organizations/bulk-upsert`, { organizations: items });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ created: 1000, failed: 0 });
    const again = await admin.post<{ results: { status: string }[] }>(`${W}/organizations/bulk-upsert`, {
      organizations: [{ externalId: 'bulk-1', name: 'Bulk 1' }, { externalId: 'bulk-2', name: 'Bulk Two' }, { externalId: 'bulk-2', name: 'twice' }, { name: 'no id' }, { externalId: 'bulk-new', numberOfEmployees: -3, name: 'x' }],
    });
    expect(again.body.results.map((r) => r.status)).toEqual(['unchanged', 'updated', 'error', 'error', 'error']);
    const tooMany = await admin.post(`${W}/organizations/bulk-upsert`, { organizations: [...items, { externalId: 'bulk-1000', name: 'one too many' }] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await admin.get<{ organizations: Org[] }>(`${W}/organizations?q=one too many`)).body.organizations).toEqual([]);
  });

  it('imports a CSV: good rows saved, bad rows reported with their line numbers', async () => {
    const csv = [
      'Company name,Domain,Employees,Annual revenue,Tags,External ID',
      'Csv Org One,csv-one.example,10,1000.5,a;b,csv-1',
      'Csv Org Two,not a domain,5,,,csv-2',
      '"Csv, Three",csv-three.example,,,,',
      'Csv Org Four,csv-four.example,-2,,,csv-4',
    ].join('\n');
    const response = await admin.request('POST', `${W}/organizations/import`, undefined, { rawBody: csv, contentType: 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ rowsRead: 4, created: 2, failed: 2 });
    expect((response.body['errors'] as { line: number }[]).map((e) => e.line)).toEqual([3, 5]);
    const one = await admin.get<{ organizations: Org[] }>(`${W}/organizations?domain=csv-one.example`);
    expect(one.body.organizations[0]).toMatchObject({ name: 'Csv Org One', numberOfEmployees: 10, annualRevenue: '1000.5', tags: ['a', 'b'], externalId: 'csv-1' });
    const three = await admin.get<{ organizations: Org[] }>(`${W}/organizations?domain=csv-three.example`);
    expect(three.body.organizations[0]!.name).toBe('Csv, Three');
    const noFields = await admin.request('POST', `${W}/organizations/import`, undefined, { rawBody: 'foo,bar\n1,2', contentType: 'text/csv' });
    expect(noFields.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'header' } } });
  });
});

describe('custom fields of companies', () => {
  it('defines fields per object type: a companies field is an organization field, not a customer one', async () => {
    const field = await admin.post(`${W}/custom-fields`, { objectType: 'companies', key: 'tier', label: 'Tier', type: 'single_choice', options: [{ value: 'gold', label: 'Gold' }] });
    expect(field.status).toBe(201);
    expect(field.body).toMatchObject({ objectType: 'companies', key: 'tier' });
    expect((await admin.post(`${W}/custom-fields`, { objectType: 'companies', key: 'domain', label: 'Domain', type: 'text' })).status).toBe(400);
    // The same key may exist for contacts.
    expect((await admin.post(`${W}/custom-fields`, { key: 'tier', label: 'Tier', type: 'text' })).body).toMatchObject({ objectType: 'contacts' });

    const org = await create({ name: 'Gold Org', custom: { tier: 'gold' } });
    expect(org.body).toMatchObject({ custom: { tier: 'gold' } });
    expect((await create({ name: 'Bad tier', custom: { tier: 'tin' } })).body).toMatchObject({ error: { details: { field: 'custom.tier' } } });
    const contacts = await admin.get<{ customFields: { key: string; objectType: string }[] }>(`${W}/custom-fields`);
    expect(contacts.body.customFields.map((f) => `${f.objectType}.${f.key}`)).toEqual(['contacts.tier']);
    const companies = await admin.get<{ customFields: { key: string }[] }>(`${W}/custom-fields?objectType=companies`);
    expect(companies.body.customFields.map((f) => f.key)).toEqual(['tier']);
    expect((await admin.get(`${W}/custom-fields?objectType=tickets`)).status).toBe(400);
  });
});

describe('the on-change push', () => {
  const pending = async (id: string) =>
    db().selectFrom('pending_changes').select(['object_type', 'version']).where('record_id', '=', id).execute();
  const setting = (on: boolean) => db().updateTable('sync_settings').set({ push_companies_on_change: on ? 1 : 0, push_contacts_on_change: on ? 1 : 0 }).execute();

  it('records a pending company change in the same transaction only while pushCompaniesOnChange is on', async () => {
    await setting(false);
    const off = await create({ name: 'Quiet Org' });
    await admin.patch(`${W}/organizations/${off.body.id}`, { city: 'Lima' });
    expect(await pending(off.body.id)).toEqual([]);

    await setting(true);
    const on = await create({ name: 'Loud Org' });
    expect(await pending(on.body.id)).toEqual([{ object_type: 'companies', version: 1 }]);
    await admin.patch(`${W}/organizations/${on.body.id}`, { city: 'Quito' });
    expect(await pending(on.body.id)).toEqual([{ object_type: 'companies', version: 2 }]);
    // A refused change writes nothing.
    await admin.patch(`${W}/organizations/${on.body.id}`, { numberOfEmployees: -1 });
    expect(await pending(on.body.id)).toEqual([{ object_type: 'companies', version: 2 }]);
    // A changed member is its customer's change: the contact's push carries its companies.
    const customer = await admin.post<{ id: string }>(`${W}/customers`, { email: 'pending-member@example.com' });
    await admin.request('PUT', `${W}/organizations/${on.body.id}/customers/${customer.body.id}`, { primary: true });
    expect(await pending(on.body.id)).toEqual([{ object_type: 'companies', version: 2 }]);
    expect(await pending(customer.body.id)).toEqual([{ object_type: 'contacts', version: 2 }]);
    await setting(false);
  });
});
