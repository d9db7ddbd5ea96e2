// The activity API over real HTTP against a real database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres): every type, the support ticket's payload, links to live records of
// the same workspace only, appending the same externalId again (also concurrently) never
// making a second row, bulk appends of up to 1,000, the newest-first timeline, the pending set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization, workspaceIdOf } from '../../../test/support/crm-records.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../../test/support/service.js';
import { ACTIVITY_TYPES } from './activity-input.js';

const W = '/api/workspaces/default';
const O = '/api/workspaces/other';
let ts: TestService;
let admin: ApiClient;
let host: ApiClient;
let customer: string;
let otherCustomer: string;
let foreignCustomer: string;
let organization: string;
let foreignOrganization: string;
let deal: string;
let foreignDeal: string;

interface ActivityBody {
  id: string;
  externalId: string | null;
  type: string;
  occurredAt: string;
  title: string;
  details: string | null;
  ticket: { number: string; status: string; url: string } | null;
  customerId: string;
  organizationId: string | null;
  dealId: string | null;
  sync: { status: string };
}

const TICKET = { number: 'T-1042', status: 'waiting on customer', url: 'https://help.example.com/tickets/1042' };

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  host = new ApiClient(ts.url, (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'host' })).body.key);
  await admin.post('/api/workspaces', { slug: 'other', name: 'Other' });
  customer = (await host.post<{ id: string }>(`${W}/customers`, { email: 'a@example.com' })).body.id;
  otherCustomer = (await host.post<{ id: string }>(`${W}/customers`, { email: 'b@example.com' })).body.id;
  foreignCustomer = (await admin.post<{ id: string }>(`${O}/customers`, { email: 'x@example.com' })).body.id;
  const db = ts.service.database.db;
  organization = await insertOrganization(db, await workspaceIdOf(db, 'default'), 'Acme');
  foreignOrganization = await insertOrganization(db, await workspaceIdOf(db, 'other'), 'Elsewhere');
  deal = (await host.post<{ id: string }>(`${W}/deals`, { name: 'Renewal' })).body.id;
  foreignDeal = (await admin.post<{ id: string }>(`${O}/deals`, { name: 'Theirs' })).body.id;
});
afterAll(async () => ts?.close());

const activity = (over: Record<string, unknown> = {}) => ({ type: 'other', occurredAt: '2026-01-15T10:00:00Z', title: 'Something happened', customerId: customer, ...over });

describe('appending activities', () => {
  it.each(ACTIVITY_TYPES.map((type) => [type]))('accepts the type %s', async (type) => {
    const body = activity({ type, title: `A ${type}`, ...(type === 'support_ticket_updated' ? { ticket: TICKET } : {}) });
    const answer = await host.post<ActivityBody>(`${W}/activities`, body);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ type, title: `A ${type}`, customerId: customer, sync: { status: 'not_synced' }, ticket: type === 'support_ticket_updated' ? TICKET : null });
    expect((await host.get(`${W}/activities/${answer.body.id}`)).body).toEqual(answer.body);
  });

  it('stores any Unicode unchanged, with its links and the time as an instant', async () => {
    const title = 'Kurs abgeschlossen ✔ — Zoë 😀 שלום';
    const details = 'Line one\nLine two: «ÆØÅ» 中文 \u{1F600}';
    const answer = await host.post<ActivityBody>(`${W}/activities`, activity({ type: 'course_completed', title, details, organizationId: organization, dealId: deal, occurredAt: '2026-01-15T11:00:00+01:00' }));
    expect(answer.body).toMatchObject({ title, details, organizationId: organization, dealId: deal, occurredAt: '2026-01-15T10:00:00.000Z' });
  });

  it.each([
    [{ type: 'support_ticket_updated' }, 'ticket', 'is required'],
    [{ type: 'support_ticket_updated', ticket: { number: 'T-1', status: 'open' } }, 'ticket.url', 'is required'],
    [{ type: 'support_ticket_updated', ticket: { ...TICKET, url: 'javascript:alert(1)' } }, 'ticket.url', 'http(s)'],
    [{ type: 'support_ticket_updated', ticket: { ...TICKET, priority: 'high' } }, 'ticket.priority', 'not a ticket field'],
    [{ type: 'event_attended', ticket: TICKET }, 'ticket', 'only a support_ticket_updated'],
    [{ type: 'meeting' }, 'type', 'must be one of'],
    [{ occurredAt: '2026-01-15' }, 'occurredAt', 'ISO 8601'],
    [{ occurredAt: '2026-02-30T10:00:00Z' }, 'occurredAt', 'real calendar'],
    [{ title: '' }, 'title', 'is required'],
    [{ title: 't'.repeat(501) }, 'title', 'at most 500'],
    [{ details: 'd\u0000' }, 'details', 'NUL'],
    [{ customerId: undefined }, 'customerId', 'is required'],
    [{ customerId: 'cus_nothere' }, 'customerId', 'not a customer of this workspace'],
    [{ mood: 'happy' }, 'mood', 'not an activity field'],
    [{ externalId: 5 }, 'externalId', 'must be text'],
  ])('refuses %j naming the field', async (over, field, words) => {
    const answer = await host.post(`${W}/activities`, activity(over));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field } } });
    expect(JSON.stringify(answer.body)).toContain(words);
  });

  it('refuses links to another workspace’s customer, organization or deal', async () => {
    for (const [over, field] of [
      [{ customerId: foreignCustomer }, 'customerId'],
      [{ organizationId: foreignOrganization }, 'organizationId'],
      [{ dealId: foreignDeal }, 'dealId'],
    ] as const) {
      const answer = await host.post(`${W}/activities`, activity(over));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { details: { field } } });
    }
    const theirs = await admin.post<ActivityBody>(`${O}/activities`, activity({ customerId: foreignCustomer }));
    expect(theirs.status).toBe(201);
    expect((await host.get(`${W}/activities/${theirs.body.id}`)).status).toBe(404);
    expect((await host.get(`${O}/activities`)).status).toBe(404);
  });
});

describe('the same externalId twice', () => {
  it('answers the stored activity with 200 instead of a second row', async () => {
    const first = await host.post<ActivityBody>(`${W}/activities`, activity({ externalId: 'evt-1', title: 'First' }));
    expect(first.status).toBe(201);
    const again = await host.post<ActivityBody>(`${W}/activities`, activity({ externalId: 'evt-1', title: 'Retried' }));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const db = ts.service.database.db;
    expect(await db.selectFrom('activities').select('id').where('external_id', '=', 'evt-1').execute()).toHaveLength(1);
  });

  it('makes one row when the same activity is appended concurrently', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => host.post<ActivityBody>(`${W}/activities`, activity({ externalId: 'evt-race', title: 'Race' }))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(11);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const bulks = await Promise.all(
      Array.from({ length: 4 }, () => host.post<{ created: number; existing: number }>(`${W}/activities/bulk`, { activities: Array.from({ length: 50 }, (_, i) => activity({ externalId: `race-bulk-${i}` })) })),
    );
    expect(bulks.reduce((n, b) => n + b.body.created, 0)).toBe(50);
    expect(bulks.reduce((n, b) => n + b.body.existing, 0)).toBe(150);
    const db = ts.service.database.db;
    const rows = await db.selectFrom('activities').select('id').where('external_id', 'like', 'race-bulk-%').execute();
    expect(rows).toHaveLength(50);
  });
});

describe('bulk appends', () => {
  it('appends up to 1,000, each alone; refuses 1,001', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => activity({ externalId: `bulk-${i}`, type: 'event_registered', title: `Registered ${i}` }));
    const answer = await host.post<{ created: number; existing: number; failed: number }>(`${W}/activities/bulk`, { activities: items });
    expect(answer.body).toMatchObject({ created: 1000, existing: 0, failed: 0 });
    const tooMany = await host.post(`${W}/activities/bulk`, { activities: [...items, activity()] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'activities' } } });
    const mixed = await host.post<{ results: { status: string; id?: string; error?: { problems: { field: string }[] } }[] }>(`${W}/activities/bulk`, {
      activities: [activity({ externalId: 'bulk-0' }), activity({ externalId: 'mix-1' }), activity({ externalId: 'mix-1' }), activity({ type: 'support_ticket_updated' }), activity({ customerId: foreignCustomer })],
    });
    expect(mixed.body.results.map((r) => r.status)).toEqual(['existing', 'created', 'existing', 'error', 'error']);
    expect(mixed.body.results[2]!.id).toBe(mixed.body.results[1]!.id);
    expect(mixed.body.results[3]!.error!.problems[0]!.field).toBe('ticket');
  });
});

describe('the timeline', () => {
  it('lists newest first by occurredAt, filtered, and pages with a cursor', async () => {
    const times = ['2025-03-01T00:00:00Z', '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', '2025-02-01T00:00:00Z'];
    const ids: string[] = [];
    for (const [i, occurredAt] of times.entries()) {
      ids.push((await host.post<ActivityBody>(`${W}/activities`, activity({ customerId: otherCustomer, occurredAt, title: `T${i}`, type: i === 0 ? 'membership_expired' : 'other', dealId: i === 1 ? deal : null }))).body.id);
    }
    const page1 = await host.get<{ activities: ActivityBody[]; nextCursor: string }>(`${W}/activities?customerId=${otherCustomer}&limit=2`);
    expect(page1.body.activities.map((a) => a.title)).toEqual(['T0', 'T3']);
    const page2 = await host.get<{ activities: ActivityBody[]; nextCursor: string | null }>(`${W}/activities?customerId=${otherCustomer}&limit=2&after=${page1.body.nextCursor}`);
    expect(page2.body.activities.map((a) => a.title)).toEqual(['T2', 'T1']);
    expect(page2.body.nextCursor).toBeNull();
    expect((await host.get<{ activities: ActivityBody[] }>(`${W}/activities?customerId=${otherCustomer}&type=membership_expired,event_attended`)).body.activities.map((a) => a.title)).toEqual(['T0']);
    expect((await host.get<{ activities: ActivityBody[] }>(`${W}/activities?customerId=${otherCustomer}&dealId=${deal}`)).body.activities.map((a) => a.title)).toEqual(['T1']);
    expect((await host.get<{ activities: ActivityBody[] }>(`${W}/activities?organizationId=${organization}`)).body.activities.every((a) => a.organizationId === organization)).toBe(true);
    expect((await host.get(`${W}/activities?type=meeting`)).status).toBe(400);
    expect((await host.get(`${W}/activities?after=${Buffer.from('x.act_1').toString('base64url')}`)).body).toMatchObject({ error: { details: { field: 'querystring.after' } } });
  });
});

describe('the pending set', () => {
  it('adds appended activities as notes when on-change push is on, and nothing when it is off', async () => {
    const db = ts.service.database.db;
    const off = await host.post<ActivityBody>(`${W}/activities`, activity({ title: 'Off' }));
    const pending = (id: string) => db.selectFrom('pending_changes').select(['object_type', 'record_id']).where('record_id', '=', id).execute();
    expect(await pending(off.body.id)).toEqual([]);
    await db.updateTable('sync_settings').set({ push_contacts_on_change: 1 }).execute();
    try {
      const on = await host.post<ActivityBody>(`${W}/activities`, activity({ title: 'On', externalId: 'pending-1' }));
      expect(await pending(on.body.id)).toEqual([{ object_type: 'notes', record_id: on.body.id }]);
    } finally {
      await db.updateTable('sync_settings').set({ push_contacts_on_change: 0 }).execute();
    }
  });
});
