// Tags end to end (issue 16), over real HTTP to the sandbox with the on-change push and the
// tags.lists job running as in production: seed 001's flows end with the contacts'
// `hubsync_tags` and the lists' memberships matching, through batch calls only; a tag applied
// to over a thousand customers reaches the property and the list within ⌈n/100⌉ + a few calls;
// the catalog, the rules, the bulk limit and the missing scope answer as documented.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotListMembers, startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';
import { workspacesWithPendingMemberships } from '../store/index.js';

const W = '/api/workspaces/default';

let env: SandboxedService;

beforeAll(async () => {
  env = await startSandboxedService({ onChangePush: true, jobs: { flushDelayMs: 200 } });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

/** Waits until no change, flush, list job or linked list membership is waiting. */
async function settled(): Promise<void> {
  const db = env.ts.service.database.db;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pending = await db.selectFrom('pending_changes').select('record_id').limit(1).execute();
    const counts = await env.ts.service.jobs.counts();
    const busy = counts.filter((c) => ['sync.flush', 'tags.lists'].includes(c.queue)).some((c) => c.queued + c.active + c.retry > 0);
    const memberships = await workspacesWithPendingMemberships(db);
    if (pending.length === 0 && !busy && memberships.length === 0) return;
    if (Date.now() > deadline) throw new Error('not settled in 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const byRoute = () => env.sandbox.control.counts().byRoute;
const calls = (route: string) => Object.values(byRoute()[route] ?? {}).reduce((a, b) => a + b, 0);
const contactTags = (email: string) => {
  const contact = env.sandbox.control.listObjects(env.portalId, 'contacts').find((c) => c.properties['email'] === email);
  const value = String(contact?.properties['hubsync_tags'] ?? '');
  return value === '' ? [] : value.split(';').sort();
};

const listMembers = (name: string): Promise<string[]> => hubspotListMembers(env, name);

async function customersByExternalId(): Promise<Map<string, { id: string; hubspotId: string | null; tags: string[] }>> {
  const rows = await env.ts.service.database.db.selectFrom('customers').select(['id', 'external_id', 'hubspot_id', 'tags']).execute();
  return new Map(rows.map((r) => [r.external_id ?? r.id, { id: r.id, hubspotId: r.hubspot_id, tags: JSON.parse(r.tags) as string[] }]));
}

describe('tag catalog', () => {
  it('has seed 001’s ten tags with stable keys; labels change, keys do not', async () => {
    const catalog = await env.admin.get<{ tags: { key: string; label: string; builtIn: boolean }[]; rules: unknown[] }>(`${W}/tags`);
    expect(catalog.status).toBe(200);
    expect(catalog.body.tags.filter((t) => t.builtIn).map((t) => t.key)).toEqual([
      'membership_active',
      'membership_expiring',
      'membership_expired',
      'membership_upgraded',
      'membership_downgrade_scheduled',
      'event_registered',
      'event_attended',
      'event_no_show',
      'course_enrolled',
      'course_completed',
    ]);
    expect(catalog.body.rules.length).toBe(10);
    const renamed = await env.admin.patch<{ key: string; label: string }>(`${W}/tags/event_attended`, { label: 'Attended an event' });
    expect(renamed.body).toMatchObject({ key: 'event_attended', label: 'Attended an event' });
  });

  it('refuses a key HubSpot could not store, a duplicate, and deleting a built-in tag', async () => {
    const bad = await env.admin.post<{ error: { code: string; details: { field: string } } }>(`${W}/tags`, { key: 'a;b' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('key');
    const dup = await env.admin.post<{ error: { code: string } }>(`${W}/tags`, { key: 'event_attended' });
    expect(dup.status).toBe(409);
    const builtIn = await env.admin.delete<{ error: { code: string } }>(`${W}/tags/event_attended`);
    expect(builtIn.status).toBe(400);
    expect((await env.admin.post(`${W}/tags`, { key: 'temporary', label: 'Temporary' })).status).toBe(201);
    expect((await env.admin.delete(`${W}/tags/temporary`)).status).toBe(200);
    expect((await env.admin.get(`${W}/tags/temporary`)).status).toBe(404);
  });

  it('refuses rules naming an unknown tag, and restores the defaults with null', async () => {
    const bad = await env.admin.request<{ error: { code: string; message: string } }>('PUT', `${W}/tags/rules`, { rules: [{ activityType: 'event_attended', add: ['nope'], remove: [] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"nope" is not a tag');
    const reset = await env.admin.request<{ rules: unknown[] }>('PUT', `${W}/tags/rules`, { rules: null });
    expect(reset.body.rules.length).toBe(10);
  });

  it('refuses more than 1,000 customers in one bulk call with BULK_LIMIT_EXCEEDED', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `cus_${i}`);
    const res = await env.admin.post<{ error: { code: string; details: { limit: number } } }>(`${W}/tags/apply`, { customerIds: ids, add: ['event_registered'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BULK_LIMIT_EXCEEDED');
    expect(res.body.error.details.limit).toBe(1000);
  });
});

describe('the hubsync_tags property', () => {
  it('names the missing scope when the connection cannot create properties', async () => {
    const { token } = env.sandbox.control.createPrivateAppToken({ portalId: env.portalId, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.lists.read', 'crm.lists.write'] });
    expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
    const res = await env.admin.post<{ error: { code: string; message: string } }>(`${W}/tags/property/sync`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('HUBSPOT_MISSING_SCOPES');
    expect(res.body.error.message).toContain('crm.schemas.contacts.write');
    const state = await env.admin.get<{ property: { state: string; error: string } }>(`${W}/tags`);
    expect(state.body.property.error).toContain('crm.schemas.contacts.write');
    expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: env.token })).status).toBe(200);
  });

  it('is created as a multiple-checkbox property whose options follow the catalog (a renamed label renames the option, not the value)', async () => {
    const res = await env.admin.request<{ state: string; upToDate: boolean }>('PUT', `${W}/tags/property`, { enabled: true });
    expect(res.body).toMatchObject({ state: 'ready', upToDate: true });
    const property = await (await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/contacts/hubsync_tags`, { headers: { authorization: `Bearer ${env.token}` } })).json();
    expect(property).toMatchObject({ type: 'enumeration', fieldType: 'checkbox' });
    const options = (property as { options: { value: string; label: string }[] }).options;
    expect(options.find((o) => o.value === 'event_attended')?.label).toBe('Attended an event');
    await env.admin.patch(`${W}/tags/event_attended`, { label: 'Event attended' });
    const after = (await (await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/contacts/hubsync_tags`, { headers: { authorization: `Bearer ${env.token}` } })).json()) as { options: { value: string; label: string }[] };
    expect(after.options.find((o) => o.value === 'event_attended')?.label).toBe('Event attended');
  });
});

describe('seed 001’s flows', () => {
  it('register → attend, register → no-show, membership expires then renewed as an upgrade: property and lists match, batch calls only', async () => {
    for (const key of ['event_registered', 'event_attended', 'event_no_show', 'membership_active', 'membership_expired', 'membership_upgraded']) {
      expect((await env.admin.patch(`${W}/tags/${key}`, { list: { enabled: true } })).status).toBe(200);
    }
    env.sandbox.control.resetCounts();
    const members = [
      { externalId: 'm-ana', email: 'ana@example.com', firstName: 'Ana' },
      { externalId: 'm-ben', email: 'ben@example.com', firstName: 'Ben' },
      { externalId: 'm-cai', email: 'cai@example.com', firstName: 'Cai' },
    ];
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: members })).body['failed']).toBe(0);
    const ids = await customersByExternalId();
    const [ana, ben, cai] = ['m-ana', 'm-ben', 'm-cai'].map((e) => ids.get(e)!.id);
    let t = Date.parse('2026-11-01T10:00:00Z');
    const activity = (customerId: string, type: string) => ({ customerId, type, occurredAt: new Date((t += 60_000)).toISOString(), title: type.replace(/_/g, ' ') });
    const appended = await env.admin.post(`${W}/activities/bulk`, {
      activities: [activity(ana!, 'event_registered'), activity(ben!, 'event_registered'), activity(cai!, 'membership_activated')],
    });
    expect(appended.status).toBe(200);
    expect(appended.body['failed']).toBe(0);
    await settled();
    expect(contactTags('ana@example.com')).toEqual(['event_registered']);
    expect(await listMembers('hubsync: event_registered')).toHaveLength(2);

    await env.admin.post(`${W}/activities/bulk`, { activities: [activity(ana!, 'event_attended'), activity(ben!, 'event_no_show'), activity(cai!, 'membership_expired')] });
    await settled();
    expect(contactTags('cai@example.com')).toEqual(['membership_expired']);
    await env.admin.post(`${W}/activities/bulk`, { activities: [activity(cai!, 'membership_upgraded')] });
    await settled();

    expect(contactTags('ana@example.com')).toEqual(['event_attended']);
    expect(contactTags('ben@example.com')).toEqual(['event_no_show']);
    expect(contactTags('cai@example.com')).toEqual(['membership_active', 'membership_upgraded']);
    const linked = await customersByExternalId();
    const hs = (e: string) => linked.get(e)!.hubspotId!;
    expect(await listMembers('hubsync: event_registered')).toEqual([]);
    expect(await listMembers('hubsync: event_attended')).toEqual([hs('m-ana')]);
    expect(await listMembers('hubsync: event_no_show')).toEqual([hs('m-ben')]);
    expect(await listMembers('hubsync: membership_expired')).toEqual([]);
    expect(await listMembers('hubsync: membership_upgraded')).toEqual([hs('m-cai')]);
    expect(await listMembers('hubsync: membership_active')).toEqual([hs('m-cai')]);
    // Batch calls only: no contact was written one at a time.
    const single = Object.keys(byRoute()).filter((r) => /\/crm\/v3\/objects\/contacts(\/\{[^}]+\})?$/.test(r) && !r.startsWith('GET'));
    expect(single).toEqual([]);
    // Each tag's local timestamp moved like any field's.
    const customer = await env.admin.get<{ tags: string[] }>(`${W}/customers/${cai}`);
    expect(customer.body.tags.sort()).toEqual(['membership_active', 'membership_upgraded']);
  }, 120_000);

  it('a list deleted in HubSpot is re-created and refilled by default, or reported when the admin chose so', async () => {
    const headers = { authorization: `Bearer ${env.token}` };
    const listId = async (name: string) => ((await (await fetch(`${env.sandbox.baseUrl}/crm/v3/lists/object-type-id/0-1/name/${encodeURIComponent(name)}`, { headers })).json()) as { list: { listId: string } }).list.listId;
    const ids = await customersByExternalId();
    // Re-create (the default): the next change finds the list gone, makes it again with everyone who carries the tag.
    await fetch(`${env.sandbox.baseUrl}/crm/v3/lists/${await listId('hubsync: event_no_show')}`, { method: 'DELETE', headers });
    await env.admin.post(`${W}/tags/apply`, { customerIds: [ids.get('m-ana')!.id], add: ['event_no_show'] });
    await settled();
    expect(await listMembers('hubsync: event_no_show')).toEqual([ids.get('m-ana')!.hubspotId, ids.get('m-ben')!.hubspotId].sort());
    // Report: the tag says the list is missing and nothing is created.
    await env.admin.patch(`${W}/tags/event_attended`, { list: { missing: 'report' } });
    await fetch(`${env.sandbox.baseUrl}/crm/v3/lists/${await listId('hubsync: event_attended')}`, { method: 'DELETE', headers });
    await env.admin.post(`${W}/tags/apply`, { customerIds: [ids.get('m-ben')!.id], add: ['event_attended'] });
    const flushed = await env.admin.post<{ tags: { key: string; status: string; error: string }[] }>(`${W}/tags/lists/flush`);
    expect(flushed.body.tags.find((t) => t.key === 'event_attended')).toMatchObject({ status: 'missing' });
    const tag = await env.admin.get<{ list: { status: string; error: string } }>(`${W}/tags/event_attended`);
    expect(tag.body.list.status).toBe('missing');
    expect(tag.body.list.error).toContain('deleted');
    expect(await listMembers('hubsync: event_attended')).toEqual([]);
  }, 60_000);
});

describe('rules', () => {
  it('an overridden rule applies instead of seed 001’s, and turning a list on sends those already tagged', async () => {
    const rules = (await env.admin.get<{ rules: { activityType: string; add: string[]; remove: string[] }[] }>(`${W}/tags`)).body.rules;
    const mine = rules.map((r) => (r.activityType === 'course_completed' ? { ...r, remove: [] } : r));
    expect((await env.admin.request('PUT', `${W}/tags/rules`, { rules: mine })).status).toBe(200);
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'dee@example.com', tags: ['course_enrolled'] });
    await env.admin.post(`${W}/activities`, { customerId: created.body.id, type: 'course_completed', occurredAt: '2026-11-20T10:00:00Z', title: 'Finished' });
    expect((await env.admin.get<{ tags: string[] }>(`${W}/customers/${created.body.id}`)).body.tags).toEqual(['course_enrolled', 'course_completed']);
    await settled();
    expect(contactTags('dee@example.com')).toEqual(['course_completed', 'course_enrolled']);
    // The list goes on after the customer was tagged: the wake-up sends it without another change.
    expect((await env.admin.patch(`${W}/tags/course_completed`, { list: { enabled: true } })).status).toBe(200);
    await settled();
    const dee = (await customersByExternalId()).get(created.body.id)!;
    expect(await listMembers('hubsync: course_completed')).toEqual([dee.hubspotId]);
    await env.admin.request('PUT', `${W}/tags/rules`, { rules: null });
  }, 60_000);
});

describe('a tag on over a thousand customers', () => {
  it('reaches the property and the list within ⌈n/100⌉ + a few calls', async () => {
    const n = 1_050;
    expect((await env.admin.request<{ state: string }>('PUT', `${W}/tags/property`, { enabled: true })).body.state).toBe('ready');
    const customers = Array.from({ length: n }, (_, i) => ({ externalId: `bulk-${i}`, email: `bulk${i}@example.com` }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: customers.slice(0, 1000) })).body['failed']).toBe(0);
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: customers.slice(1000) })).body['failed']).toBe(0);
    expect((await env.admin.post(`${W}/tags`, { key: 'vip', label: 'VIP' })).status).toBe(201);
    expect((await env.admin.patch(`${W}/tags/vip`, { list: { enabled: true } })).status).toBe(200);
    await settled();
    env.sandbox.control.resetCounts();
    const ids = [...(await customersByExternalId()).entries()].filter(([e]) => e.startsWith('bulk-')).map(([, c]) => c.id);
    expect(ids).toHaveLength(n);
    const first = await env.admin.post<{ changed: number }>(`${W}/tags/apply`, { customerIds: ids.slice(0, 1000), add: ['vip'] });
    expect(first.body.changed).toBe(1000);
    expect((await env.admin.post<{ changed: number }>(`${W}/tags/apply`, { customerIds: ids.slice(1000), add: ['vip'] })).body.changed).toBe(50);
    await settled();
    const contacts = env.sandbox.control.listObjects(env.portalId, 'contacts').filter((c) => String(c.properties['email']).startsWith('bulk'));
    expect(contacts.filter((c) => String(c.properties['hubsync_tags']).split(';').includes('vip'))).toHaveLength(n);
    expect(await listMembers('hubsync: vip')).toHaveLength(n);
    const total = env.sandbox.control.counts().total;
    const contactBatches = calls('POST /crm/v3/objects/contacts/batch/upsert') + calls('POST /crm/v3/objects/contacts/batch/update');
    const memberships = calls('PUT /crm/v3/lists/{listId}/memberships/add');
    expect(contactBatches).toBeLessThanOrEqual(Math.ceil(n / 100) + 2);
    // One membership call for all of them (the list's limit is 100,000 ids), plus finding or making the list.
    expect(memberships).toBeLessThanOrEqual(2);
    expect(total).toBeLessThanOrEqual(Math.ceil(n / 100) + 2 + 2 + 6);
  }, 180_000);
});
