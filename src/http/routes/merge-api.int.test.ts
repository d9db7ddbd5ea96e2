// The Merge action over real HTTP on a real database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres), records not linked to HubSpot: the preview's differing fields and
// default winners, a merge with choices moving deals, activities and organization links to the
// survivor, the secondary soft-deleted and recorded (record_merges, audit trail naming both), an
// admin's restore, organizations' merges, and every refusal with its stable code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../../test/support/service.js';

let ts: TestService;
let admin: ApiClient;
const W = '/api/workspaces/default';
const tick = () => new Promise((r) => setTimeout(r, 5));

interface Field {
  field: string;
  label: string;
  survivorValue: unknown;
  otherValue: unknown;
  winner: 'survivor' | 'other';
}

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => ts?.close());

const db = () => ts.service.database.db;
const customer = async (body: Record<string, unknown>) => (await admin.post<{ id: string }>(`${W}/customers`, body)).body.id;
const organization = async (body: Record<string, unknown>) => (await admin.post<{ id: string }>(`${W}/organizations`, body)).body.id;

describe('customers: preview and merge', () => {
  it('shows every differing field with the most recent (or only) value winning', async () => {
    const a = await customer({ email: 'ann@example.com', firstName: 'Ann', city: 'Bern', phone: '+41 1' });
    await tick();
    const b = await customer({ email: 'ann.old@example.com', firstName: 'Anne', city: 'Basel', country: 'CH', tags: ['vip'] });
    await tick();
    expect((await admin.patch(`${W}/customers/${a}`, { city: 'Zürich' })).status).toBe(200);
    const preview = await admin.get<{ survivor: { id: string }; other: { id: string }; fields: Field[] }>(`${W}/customers/${a}/merge-preview?otherId=${b}`);
    expect(preview.status).toBe(200);
    expect(preview.body.survivor.id).toBe(a);
    expect(preview.body.other.id).toBe(b);
    const byField = Object.fromEntries(preview.body.fields.map((f) => [f.field, f]));
    expect(Object.keys(byField).sort()).toEqual(['city', 'country', 'email', 'firstName', 'phone', 'tags']);
    expect(byField['city']).toEqual({ field: 'city', label: 'City', survivorValue: 'Zürich', otherValue: 'Basel', winner: 'survivor' });
    expect(byField['firstName']).toMatchObject({ survivorValue: 'Ann', otherValue: 'Anne', winner: 'other' });
    expect(byField['country']).toMatchObject({ survivorValue: null, otherValue: 'CH', winner: 'other' });
    expect(byField['phone']).toMatchObject({ survivorValue: '+41 1', otherValue: null, winner: 'survivor' });
    expect(byField['tags']).toMatchObject({ survivorValue: [], otherValue: ['vip'], winner: 'other' });
  });

  it('merges: chosen values, deals, activities and organizations on the survivor; the other soft-deleted, recorded and restorable', async () => {
    const org1 = await organization({ name: 'Acme' });
    const org2 = await organization({ name: 'Globex' });
    const a = await customer({ email: 'bob@example.com', firstName: 'Bob', lastName: 'Stone' });
    await tick();
    const b = await customer({ email: 'bob.s@example.com', firstName: 'Robert', lastName: 'Stone', city: 'Lyon', organizationIds: [org1, org2] });
    const shared = (await admin.post<{ id: string }>(`${W}/deals`, { name: 'Shared', customerIds: [a, b] })).body.id;
    const onB = (await admin.post<{ id: string }>(`${W}/deals`, { name: 'Only B', customerIds: [b] })).body.id;
    const activity = (await admin.post<{ id: string }>(`${W}/activities`, { type: 'other', occurredAt: '2026-01-15T10:00:00Z', title: 'Called', customerId: b })).body.id;
    const before = Date.now();

    const merged = await admin.post<Record<string, unknown>>(`${W}/customers/${a}/merge`, { otherId: b, choices: { firstName: 'survivor', email: 'survivor' } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: a, firstName: 'Bob', email: 'bob@example.com', city: 'Lyon', organizationIds: [org1, org2] });
    // The taken field is stamped like an edit; the kept ones are not.
    const stamps = merged.body['fieldUpdatedAt'] as Record<string, string>;
    expect(Date.parse(stamps['city']!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(stamps['firstName']!)).toBeLessThan(before);

    expect((await admin.get(`${W}/customers/${b}`)).status).toBe(404);
    expect((await admin.get<{ customerIds: string[] }>(`${W}/deals/${shared}`)).body.customerIds).toEqual([a]);
    expect((await admin.get<{ customerIds: string[] }>(`${W}/deals/${onB}`)).body.customerIds).toEqual([a]);
    expect((await admin.get<{ customerId: string }>(`${W}/activities/${activity}`)).body.customerId).toBe(a);
    // The secondary's primary organization became the survivor's (it had none).
    const primary = await db().selectFrom('customer_organizations').select(['organization_id']).where('customer_id', '=', a).where('is_primary', '=', 1).execute();
    expect(primary).toEqual([{ organization_id: org1 }]);

    const merges = await admin.get<{ merges: Record<string, unknown>[] }>(`${W}/merges?recordId=${b}`);
    expect(merges.body.merges).toHaveLength(1);
    expect(merges.body.merges[0]).toMatchObject({ recordType: 'customers', survivorId: a, secondaryId: b, source: 'local', actor: ADMIN_EMAIL, restoredAt: null });
    expect(merges.body.merges[0]!['choices']).toMatchObject({ firstName: 'survivor', email: 'survivor', city: 'other' });
    const audit = await admin.get<{ entries: { action: string; target: { id: string }; details: Record<string, unknown> }[] }>(`${W}/audit-log?action=customer.merged`);
    expect(audit.body.entries[0]).toMatchObject({ action: 'customer.merged', target: { id: a }, details: { survivorId: a, secondaryId: b, source: 'local' } });

    const mergeId = merges.body.merges[0]!['id'] as string;
    const restored = await admin.post<{ recordType: string; record: Record<string, unknown> }>(`${W}/merges/${mergeId}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ recordType: 'customers', record: { id: b, firstName: 'Robert', email: 'bob.s@example.com' } });
    // References stay on the survivor.
    expect((await admin.get<{ customerIds: string[] }>(`${W}/deals/${onB}`)).body.customerIds).toEqual([a]);
    const again = await admin.post(`${W}/merges/${mergeId}/restore`);
    expect(again.status).toBe(409);
    expect((await admin.get<{ entries: unknown[] }>(`${W}/audit-log?action=customer.merge_restored`)).body.entries).toHaveLength(1);
  });

  it('a change of the secondary waiting to be pushed becomes the survivor’s', async () => {
    const a = await customer({ email: 'pen@example.com' });
    const b = await customer({ email: 'pen2@example.com' });
    // On-change push is off here: only what the merge moves is in the set.
    await db().insertInto('pending_changes').values({ workspace_id: (await db().selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id, object_type: 'contacts', record_id: b, changed_at: Date.now(), version: 1 }).execute();
    expect((await admin.post(`${W}/customers/${a}/merge`, { otherId: b, choices: { email: 'survivor' } })).status).toBe(200);
    const pending = await db().selectFrom('pending_changes').select('record_id').where('record_id', 'in', [a, b]).execute();
    expect(pending).toEqual([{ record_id: a }]);
  });
});

describe('HubSpot links', () => {
  it('a survivor without a link takes the other record’s, with its merge base', async () => {
    const a = await customer({ email: 'nolink@example.com' });
    const b = await customer({ email: 'linked@example.com' });
    await db().updateTable('customers').set({ hubspot_id: '9001', synced_values: '{"email":"linked@example.com"}' }).where('id', '=', b).execute();
    const merged = await admin.post<{ sync: { hubspotId: string } }>(`${W}/customers/${a}/merge`, { otherId: b, choices: { email: 'survivor' } });
    expect(merged.status).toBe(200);
    expect(merged.body.sync.hubspotId).toBe('9001');
    expect(await db().selectFrom('customers').select(['id', 'hubspot_id', 'synced_values']).where('id', 'in', [a, b]).orderBy('id').execute()).toEqual(
      [
        { id: a, hubspot_id: '9001', synced_values: '{"email":"linked@example.com"}' },
        { id: b, hubspot_id: null, synced_values: null },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
  });
});

describe('organizations: merge', () => {
  it('moves members (a shared one kept once, its primary moved), deals and activities', async () => {
    const a = await organization({ name: 'Initech', domain: 'initech.example' });
    await tick();
    const b = await organization({ name: 'Initech Ltd', domain: 'initech.example', industry: 'Software' });
    const both = await customer({ email: 'both@example.com', organizationIds: [b, a] });
    const onlyB = await customer({ email: 'onlyb@example.com', organizationIds: [b] });
    const deal = (await admin.post<{ id: string }>(`${W}/deals`, { name: 'Org deal', organizationId: b })).body.id;
    const preview = await admin.get<{ fields: Field[] }>(`${W}/organizations/${a}/merge-preview?otherId=${b}`);
    expect(preview.body.fields.map((f) => f.field).sort()).toEqual(['industry', 'name']);
    const merged = await admin.post<{ id: string; name: string; industry: string; customerIds: string[] }>(`${W}/organizations/${a}/merge`, { otherId: b, choices: { name: 'survivor' } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: a, name: 'Initech', industry: 'Software' });
    expect(merged.body.customerIds.sort()).toEqual([both, onlyB].sort());
    expect((await admin.get<{ organizationIds: string[] }>(`${W}/customers/${both}`)).body.organizationIds).toEqual([a]);
    const links = await db().selectFrom('customer_organizations').select(['customer_id', 'organization_id', 'is_primary']).where('customer_id', 'in', [both, onlyB]).orderBy('customer_id').execute();
    expect(links.every((l) => l.organization_id === a && l.is_primary === 1)).toBe(true);
    expect((await admin.get<{ organizationId: string }>(`${W}/deals/${deal}`)).body.organizationId).toBe(a);
    expect((await admin.get(`${W}/organizations/${b}`)).status).toBe(404);
  });
});

describe('refusals', () => {
  it('answers each with its stable code, and nothing changes', async () => {
    const a = await customer({ email: 'r1@example.com' });
    const b = await customer({ email: 'r2@example.com' });
    const org = await organization({ name: 'Refusals' });
    const cases: [string, string, Record<string, unknown>, number, string][] = [
      ['the same record', a, { otherId: a }, 400, 'MERGE_SAME_RECORD'],
      ['an organization', a, { otherId: org }, 400, 'MERGE_TYPE_MISMATCH'],
      ['an unknown id', a, { otherId: 'cus_nope' }, 404, 'NOT_FOUND'],
      ['a choice for a field that does not differ', a, { otherId: b, choices: { city: 'other' } }, 400, 'VALIDATION_FAILED'],
      ['a choice that is not a side', a, { otherId: b, choices: { email: 'mine' } }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [, id, body, status, code] of cases) {
      const res = await admin.post(`${W}/customers/${id}/merge`, body);
      expect({ status: res.status, code: (res.body as { error?: { code: string } }).error?.code }).toEqual({ status, code });
    }
    expect((await admin.get(`${W}/customers/${a}/merge-preview?otherId=${org}`)).status).toBe(400);
    expect((await admin.delete(`${W}/customers/${b}`)).status).toBe(204);
    const deleted = await admin.post(`${W}/customers/${a}/merge`, { otherId: b });
    expect(deleted.status).toBe(409);
    expect(deleted.body).toMatchObject({ error: { code: 'MERGE_RECORD_DELETED' } });
    expect((await admin.get(`${W}/customers/${a}`)).status).toBe(200);
    expect(await db().selectFrom('record_merges').select('id').where('survivor_id', '=', a).execute()).toEqual([]);
  });

  it('is for admins only', async () => {
    const member = await inviteMember(admin, ts.url, 'default', { email: 'merge-member@example.com', role: 'member', password: 'member-password-1' });
    const a = await customer({ email: 'm1@example.com' });
    const b = await customer({ email: 'm2@example.com' });
    expect((await member.post(`${W}/customers/${a}/merge`, { otherId: b })).status).toBe(403);
    expect((await member.get(`${W}/customers/${a}/merge-preview?otherId=${b}`)).status).toBe(403);
    expect((await admin.get(`${W}/customers/${b}`)).status).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('lists the merge routes of both types', async () => {
    const doc = (await (await fetch(`${ts.url}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/api/workspaces/{workspace}/customers/{customerId}/merge-preview',
      '/api/workspaces/{workspace}/customers/{customerId}/merge',
      '/api/workspaces/{workspace}/organizations/{organizationId}/merge-preview',
      '/api/workspaces/{workspace}/organizations/{organizationId}/merge',
      '/api/workspaces/{workspace}/merges',
      '/api/workspaces/{workspace}/merges/{mergeId}/restore',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
