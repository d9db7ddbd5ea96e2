// The deal API over real HTTP against a real database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres): create / read / update / delete, validation with stable codes,
// links to customers and an organization (only live records of the same workspace), owners,
// tenancy, bulk upsert by externalId, CSV import, statuses and the pending set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization, workspaceIdOf } from '../../../test/support/crm-records.js';
import { findDeal, replaceDealStageMappings } from '../../store/index.js';
import { dealCurrentHash, loadDealValuesContext } from '../../sync/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../../test/support/service.js';

const W = '/api/workspaces/default';
const O = '/api/workspaces/other';
let ts: TestService;
let admin: ApiClient;
let host: ApiClient;
let customerA: string;
let customerB: string;
let foreignCustomer: string;
let organization: string;
let foreignOrganization: string;
let adminUserId: string;

interface DealBody {
  id: string;
  externalId: string | null;
  name: string | null;
  amount: string | null;
  currency: string | null;
  closeDate: string | null;
  pipeline: string;
  stage: string | null;
  ownerUserId: string | null;
  organizationId: string | null;
  customerIds: string[];
  custom: Record<string, unknown>;
  fieldUpdatedAt: Record<string, string>;
  sync: { status: string; statusLabel: string };
}

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  host = new ApiClient(ts.url, (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'host' })).body.key);
  await admin.post('/api/workspaces', { slug: 'other', name: 'Other' });
  customerA = (await host.post<{ id: string }>(`${W}/customers`, { email: 'a@example.com' })).body.id;
  customerB = (await host.post<{ id: string }>(`${W}/customers`, { email: 'b@example.com' })).body.id;
  foreignCustomer = (await admin.post<{ id: string }>(`${O}/customers`, { email: 'x@example.com' })).body.id;
  const db = ts.service.database.db;
  organization = await insertOrganization(db, await workspaceIdOf(db, 'default'), 'Acme');
  foreignOrganization = await insertOrganization(db, await workspaceIdOf(db, 'other'), 'Elsewhere');
  adminUserId = (await admin.get<{ user: { id: string } }>('/api/auth/me')).body.user.id;
});
afterAll(async () => ts?.close());

describe('deal records', () => {
  it('creates, reads, changes and deletes a deal; Unicode round-trips; only changed fields get a new time', async () => {
    const name = 'Zoë\'s 😀 Ærø — שלום deal';
    const created = await host.post<DealBody>(`${W}/deals`, {
      externalId: 'd-1',
      name,
      amount: '1250.50',
      currency: 'chf',
      closeDate: '2026-03-31',
      stage: 'proposal',
      ownerUserId: adminUserId,
      customerIds: [customerB, customerA, customerA],
      organizationId: organization,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      externalId: 'd-1',
      name,
      amount: '1250.50',
      currency: 'CHF',
      closeDate: '2026-03-31',
      pipeline: 'default',
      stage: 'proposal',
      ownerUserId: adminUserId,
      organizationId: organization,
      customerIds: [customerA, customerB].sort(),
      sync: { status: 'not_synced', statusLabel: 'Not synced' },
    });
    const read = await host.get<DealBody>(`${W}/deals/${created.body.id}`);
    expect(read.body).toEqual(created.body);

    await new Promise((r) => setTimeout(r, 5));
    const changed = await host.patch<DealBody>(`${W}/deals/${created.body.id}`, { stage: 'won', amount: '1250.50', organizationId: null });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ stage: 'won', organizationId: null, amount: '1250.50' });
    expect(changed.body.fieldUpdatedAt['amount']).toBe(created.body.fieldUpdatedAt['amount']);
    expect(Date.parse(changed.body.fieldUpdatedAt['stage']!)).toBeGreaterThan(Date.parse(created.body.fieldUpdatedAt['stage']!));

    expect((await host.delete(`${W}/deals/${created.body.id}`)).status).toBe(204);
    expect((await host.get(`${W}/deals/${created.body.id}`)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await host.delete(`${W}/deals/${created.body.id}`)).status).toBe(404);
    // Deleting freed the externalId.
    expect((await host.post(`${W}/deals`, { externalId: 'd-1', name: 'Again' })).status).toBe(201);
    const clash = await host.post(`${W}/deals`, { externalId: 'd-1', name: 'Twice' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: { code: 'ALREADY_EXISTS', details: { field: 'externalId' } } });
  });

  it('answers racing creates of one externalId with one 201 and 409s, never a 500 or a second deal', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => host.post(`${W}/deals`, { externalId: 'race-1', name: `Racer ${i}` })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) expect(answer.body).toMatchObject({ error: { code: 'ALREADY_EXISTS', details: { field: 'externalId' } } });
    const bulks = await Promise.all(Array.from({ length: 3 }, () => host.post(`${W}/deals/bulk-upsert`, { deals: [{ externalId: 'race-2', name: 'Bulk racer' }] })));
    expect(bulks.every((b) => b.status === 200 || b.status === 409)).toBe(true);
    const db = ts.service.database.db;
    expect(await db.selectFrom('deals').select('id').where('external_id', 'in', ['race-1', 'race-2']).execute()).toHaveLength(2);
  });

  it.each([
    [{ currency: 'XYZ' }, 'currency', 'ISO 4217'],
    [{ currency: 'EURO' }, 'currency', 'ISO 4217'],
    [{ amount: '12,50' }, 'amount', 'decimal'],
    [{ amount: true }, 'amount', 'decimal'],
    [{ closeDate: '2026-02-30' }, 'closeDate', 'not a real calendar date'],
    [{ closeDate: '31.03.2026' }, 'closeDate', 'YYYY-MM-DD'],
    [{ stage: 'closed won!' }, 'stage', 'key'],
    [{ pipeline: 5 }, 'pipeline', 'text'],
    [{ name: 'n'.repeat(501) }, 'name', 'at most 500'],
    [{ name: 'a\u0000b' }, 'name', 'NUL'],
    [{ nickname: 'x' }, 'nickname', 'not a deal field'],
    [{ customerIds: 'cus_1' }, 'customerIds', 'list'],
    [{ custom: { plan: 'x' } }, 'custom.plan', 'not a custom field'],
    [{ externalId: 12 }, 'externalId', 'must be text'],
    [{ ownerUserId: 'usr_nobody' }, 'ownerUserId', 'not a member'],
  ])('refuses %j naming the field', async (body, field, words) => {
    const answer = await host.post(`${W}/deals`, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field } } });
    expect(JSON.stringify(answer.body)).toContain(words);
  });

  it('accepts numbers as amounts and keeps every digit of a decimal string', async () => {
    const answer = await host.post<DealBody>(`${W}/deals`, { amount: '123456789012345678.123456789' });
    expect(answer.body.amount).toBe('123456789012345678.123456789');
    expect((await host.post<DealBody>(`${W}/deals`, { amount: 99.5 })).body.amount).toBe('99.5');
  });

  it('writes custom fields of deals, not of contacts', async () => {
    const db = ts.service.database.db;
    const workspaceId = await workspaceIdOf(db, 'default');
    const now = Date.now();
    await db
      .insertInto('custom_fields')
      .values([
        { id: 'fld_dealtier01', workspace_id: workspaceId, object_type: 'deals', key: 'tier', label: 'Tier', type: 'single_choice', options: JSON.stringify([{ value: 'gold', label: 'Gold' }]), archived_at: null, created_at: now, updated_at: now },
        { id: 'fld_contactonly', workspace_id: workspaceId, object_type: 'contacts', key: 'plan', label: 'Plan', type: 'text', options: '[]', archived_at: null, created_at: now, updated_at: now },
      ])
      .execute();
    const created = await host.post<DealBody>(`${W}/deals`, { name: 'Tiered', custom: { tier: 'gold' } });
    expect(created.body.custom).toEqual({ tier: 'gold' });
    expect((await host.post(`${W}/deals`, { custom: { tier: 'silver' } })).body).toMatchObject({ error: { details: { field: 'custom.tier' } } });
    expect((await host.post(`${W}/deals`, { custom: { plan: 'basic' } })).body).toMatchObject({ error: { details: { field: 'custom.plan' } } });
    // And the customer side does not see the deal field.
    expect((await host.post(`${W}/customers`, { custom: { tier: 'gold' } })).status).toBe(400);
  });

  it('creates deal custom fields through the API, never under a built-in key, and imports them from CSV', async () => {
    const field = await admin.post(`${W}/custom-fields`, { objectType: 'deals', key: 'region_code', label: 'Region code', type: 'text' });
    expect(field.status).toBe(201);
    expect(field.body).toMatchObject({ objectType: 'deals', key: 'region_code' });
    for (const key of ['amount', 'close_date', 'customer_ids']) {
      expect((await admin.post(`${W}/custom-fields`, { objectType: 'deals', key, label: key, type: 'text' })).body, key).toMatchObject({ error: { details: { field: 'key' } } });
    }
    const listed = await admin.get<{ customFields: { key: string }[] }>(`${W}/custom-fields?objectType=deals`);
    expect(listed.body.customFields.map((f) => f.key)).toEqual(['tier', 'region_code']);
    expect((await admin.get<{ customFields: { key: string }[] }>(`${W}/custom-fields`)).body.customFields.map((f) => f.key)).not.toContain('region_code');
    const csv = 'Deal name,Region code\nCustom from CSV,EMEA\n';
    expect((await host.request('POST', `${W}/deals/import`, undefined, { rawBody: csv, contentType: 'text/csv' })).body).toMatchObject({ created: 1, failed: 0 });
    const imported = await host.get<{ deals: DealBody[] }>(`${W}/deals?q=${encodeURIComponent('custom from csv')}`);
    expect(imported.body.deals[0]!.custom).toEqual({ region_code: 'EMEA' });
  });
});

describe('links and tenancy', () => {
  it('refuses links to records of another workspace or deleted ones', async () => {
    const foreign = await host.post(`${W}/deals`, { name: 'X', customerIds: [customerA, foreignCustomer] });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'customerIds' } } });
    expect((await host.post(`${W}/deals`, { organizationId: foreignOrganization })).body).toMatchObject({ error: { details: { field: 'organizationId' } } });
    const gone = (await host.post<{ id: string }>(`${W}/customers`, { email: 'gone@example.com' })).body.id;
    await host.delete(`${W}/customers/${gone}`);
    expect((await host.post(`${W}/deals`, { customerIds: [gone] })).status).toBe(400);
    // The other workspace's admin may link its own records there.
    expect((await admin.post(`${O}/deals`, { customerIds: [foreignCustomer], organizationId: foreignOrganization })).status).toBe(201);
  });

  it('links and unlinks customers one by one and through PATCH', async () => {
    const deal = (await host.post<DealBody>(`${W}/deals`, { name: 'Links' })).body;
    const linked = await host.request<DealBody>('PUT', `${W}/deals/${deal.id}/customers/${customerA}`);
    expect(linked.status).toBe(200);
    expect(linked.body.customerIds).toEqual([customerA]);
    expect((await host.request<DealBody>('PUT', `${W}/deals/${deal.id}/customers/${customerA}`)).body.customerIds).toEqual([customerA]);
    expect((await host.request('PUT', `${W}/deals/${deal.id}/customers/${foreignCustomer}`)).status).toBe(400);
    const byCustomer = await host.get<{ deals: DealBody[] }>(`${W}/deals?customerId=${customerA}`);
    expect(byCustomer.body.deals.map((d) => d.id)).toContain(deal.id);
    expect((await host.request<DealBody>('DELETE', `${W}/deals/${deal.id}/customers/${customerA}`)).body.customerIds).toEqual([]);
    expect((await host.request('DELETE', `${W}/deals/${deal.id}/customers/${customerA}`)).status).toBe(404);
    expect((await host.patch<DealBody>(`${W}/deals/${deal.id}`, { customerIds: [customerB], organizationId: organization })).body).toMatchObject({ customerIds: [customerB], organizationId: organization });
    // A deleted customer drops out of the deal's customers.
    const temp = (await host.post<{ id: string }>(`${W}/customers`, { email: 'temp@example.com' })).body.id;
    await host.request('PUT', `${W}/deals/${deal.id}/customers/${temp}`);
    await host.delete(`${W}/customers/${temp}`);
    expect((await host.get<DealBody>(`${W}/deals/${deal.id}`)).body.customerIds).toEqual([customerB]);
  });

  it('keeps every link when customers are linked by concurrent requests', async () => {
    const deal = (await host.post<DealBody>(`${W}/deals`, { name: 'Crowded' })).body;
    const customers = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await host.post<{ id: string }>(`${W}/customers`, { email: `crowd${i}@example.com` })).body.id));
    const answers = await Promise.all(customers.map((c) => host.request('PUT', `${W}/deals/${deal.id}/customers/${c}`)));
    expect(answers.map((a) => a.status)).toEqual(customers.map(() => 200));
    expect((await host.get<DealBody>(`${W}/deals/${deal.id}`)).body.customerIds).toEqual([...customers].sort());
    // The stored hash is the one of the deal as it ended, every link in it (the status depends on it).
    const db = ts.service.database.db;
    const workspaceId = await workspaceIdOf(db, 'default');
    const stored = await findDeal(db, workspaceId, deal.id);
    const row = await db.selectFrom('deals').select(['current_hash', 'version']).where('id', '=', deal.id).executeTakeFirstOrThrow();
    expect(row.current_hash).toBe(dealCurrentHash(stored!, await loadDealValuesContext(db, workspaceId)));
    expect(row.version).toBe(1 + customers.length);
  });

  it('hides other workspaces’ deals from API keys and members, and lets members write', async () => {
    const secret = (await admin.post<{ id: string }>(`${O}/deals`, { name: 'Secret' })).body.id;
    expect((await host.get(`${W}/deals/${secret}`)).status).toBe(404);
    expect((await host.get(`${O}/deals/${secret}`)).status).toBe(404);
    expect((await host.patch(`${W}/deals/${secret}`, { name: 'Mine' })).status).toBe(404);
    expect((await host.request('PUT', `${W}/deals/${secret}/customers/${customerA}`)).status).toBe(404);
    const member = await inviteMember(admin, ts.url, 'default', { email: 'member@example.com', role: 'member', password: 'member-password-1' });
    expect((await member.post(`${W}/deals`, { name: 'By a member' })).status).toBe(201);
    expect((await member.get(`${O}/deals`)).status).toBe(404);
    const other = await admin.get<{ deals: DealBody[] }>(`${O}/deals`);
    expect(other.body.deals.every((d) => d.name !== 'By a member')).toBe(true);
  });
});

describe('lists', () => {
  it('documents the deal and activity routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${ts.url}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/workspaces/{workspace}/deals',
        '/api/workspaces/{workspace}/deals/{dealId}/customers/{customerId}',
        '/api/workspaces/{workspace}/deals/bulk-upsert',
        '/api/workspaces/{workspace}/activities',
        '/api/workspaces/{workspace}/activities/bulk',
      ]),
    );
  });

  it('searches names, filters by stage, organization, status and time, and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await host.post(`${W}/deals`, { name: `Pager 100% ${i}`, stage: i % 2 === 0 ? 'even' : 'odd', organizationId: organization });
    const first = await host.get<{ deals: DealBody[]; nextCursor: string }>(`${W}/deals?q=${encodeURIComponent('100%')}&limit=2`);
    expect(first.body.deals.map((d) => d.name)).toEqual(['Pager 100% 0', 'Pager 100% 1']);
    const second = await host.get<{ deals: DealBody[]; nextCursor: string | null }>(`${W}/deals?q=pager&limit=2&after=${first.body.nextCursor}`);
    expect(second.body.deals.map((d) => d.name)).toEqual(['Pager 100% 2', 'Pager 100% 3']);
    expect((await host.get<{ deals: DealBody[] }>(`${W}/deals?q=pager&stage=even`)).body.deals).toHaveLength(3);
    expect((await host.get<{ deals: DealBody[] }>(`${W}/deals?q=pager&organizationId=${organization}&status=not_synced`)).body.deals).toHaveLength(5);
    expect((await host.get<{ deals: DealBody[] }>(`${W}/deals?q=pager&status=synced`)).body.deals).toHaveLength(0);
    expect((await host.get<{ deals: DealBody[] }>(`${W}/deals?q=pager&updatedSince=2999-01-01T00:00:00Z`)).body.deals).toHaveLength(0);
    expect((await host.get(`${W}/deals?after=bm9wZQ`)).body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'querystring.after' } } });
    expect((await host.get(`${W}/deals?status=lost`)).status).toBe(400);
  });
});

describe('bulk upsert and CSV import', () => {
  it('upserts up to 1,000 deals by externalId, item by item, and refuses 1,001', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ externalId: `bulk-${i}`, name: `Bulk ${i}`, amount: String(i), currency: 'EUR', customerIds: [customerA] }));
    const created = await host.post<{ created: number; failed: number }>(`${W}/deals/bulk-upsert`, { deals: items });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ created: 1000, failed: 0 });
    const tooMany = await host.post(`${W}/deals/bulk-upsert`, { deals: [...items, { externalId: 'bulk-1000' }] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'deals' } } });
    const mixed = await host.post<{ results: { status: string; error?: { problems: { field: string }[] } }[] }>(`${W}/deals/bulk-upsert`, {
      deals: [
        { externalId: 'bulk-0', name: 'Bulk 0' },
        { externalId: 'bulk-1', stage: 'won' },
        { externalId: 'bulk-2', currency: 'nope' },
        { externalId: 'bulk-3', customerIds: [foreignCustomer] },
        { externalId: 'bulk-3', name: 'again' },
        { name: 'no external id' },
        { externalId: 'bulk-new', name: 'New' },
      ],
    });
    expect(mixed.body.results.map((r) => r.status)).toEqual(['unchanged', 'updated', 'error', 'error', 'error', 'error', 'created']);
    expect(mixed.body.results[2]!.error!.problems[0]!.field).toBe('currency');
    expect(mixed.body.results[3]!.error!.problems[0]!.field).toBe('customerIds');
    const updated = await host.get<{ deals: DealBody[] }>(`${W}/deals?q=${encodeURIComponent('Bulk 1')}&limit=1`);
    expect(updated.body.deals[0]).toMatchObject({ stage: 'won', amount: '1', currency: 'EUR', customerIds: [customerA] });
  });

  it('imports a CSV: good rows saved, a bad line reported with its number', async () => {
    const csv = [
      'externalId,Deal name,amount,currency,close date,stage,customerIds',
      `csv-1,Ünïcode deal,10.5,USD,2026-05-01,open,${customerA};${customerB}`,
      'csv-2,Bad currency,1,DOLLARS,,open,',
      '"csv-3","Quoted, name",,,,,',
      `csv-4,Foreign,1,USD,,open,${foreignCustomer}`,
    ].join('\n');
    const answer = await host.request('POST', `${W}/deals/import`, undefined, { rawBody: csv, contentType: 'text/csv' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rowsRead: 4, created: 2, failed: 2 });
    expect((answer.body['errors'] as { line: number; message: string }[]).map((e) => e.line)).toEqual([3, 5]);
    const one = await host.get<{ deals: DealBody[] }>(`${W}/deals?q=${encodeURIComponent('ünïcode')}`);
    expect(one.body.deals[0]).toMatchObject({ externalId: 'csv-1', amount: '10.5', currency: 'USD', closeDate: '2026-05-01', customerIds: [customerA, customerB].sort() });
    const nothing = await host.request('POST', `${W}/deals/import`, undefined, { rawBody: 'foo,bar\n1,2\n', contentType: 'text/csv' });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.message).toContain('names no deal field');
  });
});

describe('sync status and the pending set', () => {
  it('reads Needs update after an edit to a pushed deal, and joins the pending set when on-change push is on', async () => {
    const db = ts.service.database.db;
    // The stages are mapped, so each sends its own HubSpot stage (an unmapped one sends none).
    await replaceDealStageMappings(db, await workspaceIdOf(db, 'default'), [
      { pipeline: 'default', stage: 'open', hubspotPipelineId: 'default', hubspotStageId: 'qualifiedtobuy' },
      { pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' },
    ], Date.now());
    const deal = (await host.post<DealBody>(`${W}/deals`, { name: 'Pushed', stage: 'open' })).body;
    // As if the push engine had pushed it: linked, with the hash HubSpot accepted.
    const row = await db.selectFrom('deals').select('current_hash').where('id', '=', deal.id).executeTakeFirstOrThrow();
    await db.updateTable('deals').set({ hubspot_id: '9001', synced_hash: row.current_hash, sync_status: 'synced' }).where('id', '=', deal.id).execute();
    // A PATCH that changes nothing leaves it Synced.
    expect((await host.patch<DealBody>(`${W}/deals/${deal.id}`, { stage: 'open' })).body.sync.status).toBe('synced');
    const pending = () => db.selectFrom('pending_changes').select(['object_type', 'record_id']).where('record_id', '=', deal.id).execute();
    expect(await pending()).toEqual([]);
    await db.updateTable('sync_settings').set({ push_contacts_on_change: 1 }).execute();
    try {
      const edited = await host.patch<DealBody>(`${W}/deals/${deal.id}`, { stage: 'won' });
      expect(edited.body.sync).toMatchObject({ status: 'needs_update', statusLabel: 'Needs update' });
      expect(await pending()).toEqual([{ object_type: 'deals', record_id: deal.id }]);
      // Back to what HubSpot holds: Synced again.
      expect((await host.patch<DealBody>(`${W}/deals/${deal.id}`, { stage: 'open' })).body.sync.status).toBe('synced');
    } finally {
      await db.updateTable('sync_settings').set({ push_contacts_on_change: 0 }).execute();
    }
  });
});
