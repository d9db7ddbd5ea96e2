// Seed 000 end to end, through the public API only, against the sandbox over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, syncNow, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';

let env: SandboxedService;
const W = '/api/workspaces/default';

const contactsByEmail = () => new Map(env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => [String(c.properties['email']), c]));

beforeAll(async () => {
  env = await startSandboxedService();
});
afterAll(async () => env?.close());

describe('Sync now', () => {
  it('computes the summary, pushes every customer once, and reports the seven statuses truthfully', async () => {
    const { admin } = env;
    await admin.post(`${W}/custom-fields`, { key: 'plan', label: 'Plan', type: 'single_choice', options: [{ value: 'basic', label: 'Basic' }] });
    // 50 customers already exist in HubSpot by email (with other values).
    env.sandbox.control.seedContacts(env.portalId, Array.from({ length: 50 }, (_, i) => ({ email: `c${i}@example.com`, firstname: 'Old' })));

    const customers: Record<string, unknown>[] = [];
    for (let i = 0; i < 940; i++) customers.push({ externalId: `e${i}`, email: `c${i}@example.com`, firstName: `Zoë ${i} 😀`, lastName: `O'Brien`, city: 'Zürich' });
    // 20 customers sharing 10 emails; 30 without email.
    for (let i = 0; i < 10; i++) customers.push({ externalId: `dup${i}`, email: `C${900 + i}@Example.com`, firstName: 'Second' });
    for (let i = 0; i < 30; i++) customers.push({ externalId: `none${i}`, firstName: 'Walk-in' });
    for (let i = 0; i < customers.length; i += 500) {
      const r = await admin.post(`${W}/customers/bulk-upsert`, { customers: customers.slice(i, i + 500) });
      expect(r.body['failed']).toBe(0);
    }
    // 10 emails HubSpot refuses are refused at the door, each with the reason.
    const bad = await admin.post<{ failed: number; results: { error: { message: string } }[] }>(`${W}/customers/bulk-upsert`, {
      customers: Array.from({ length: 10 }, (_, i) => ({ externalId: `bad${i}`, email: `bad${i}@nowhere`, firstName: 'Bad' })),
    });
    expect(bad.body.failed).toBe(10);
    expect(bad.body.results[0]!.error.message).toContain('its domain "nowhere" has no dot');

    const before = await admin.get(`${W}/sync/summary`);
    expect(before.body).toMatchObject({ total: 980, willCreate: 940, willUpdate: 0, synced: 0, cantSync: 30, duplicate: 10 });
    // Per object type too: only contacts while the other types are off.
    expect(before.body['objects']).toEqual([expect.objectContaining({ objectType: 'contacts', note: null, total: 980, willCreate: 940, duplicate: 10 })]);

    const run = await syncNow(admin);
    expect(run).toMatchObject({ status: 'succeeded', processed: 940, created: 890, updated: 50, failed: 0 });
    const detail = await admin.get(`${W}/sync/runs/${String(run['id'])}`);
    expect(detail.body['objects']).toEqual([{ objectType: 'contacts', total: 940, processed: 940, created: 890, updated: 50, failed: 0, skipped: 40, note: null }]);

    const after = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(after.body.byStatus).toEqual({ synced: 940, needs_update: 0, not_synced: 0, outdated: 0, error: 0, duplicate: 10, no_email: 30 });

    const contacts = contactsByEmail();
    expect(contacts.size).toBe(940);
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts')).toHaveLength(940);
    expect(contacts.get('c7@example.com')!.properties).toMatchObject({ firstname: 'Zoë 7 😀', lastname: "O'Brien", city: 'Zürich' });
    // Pre-existing contacts were matched and updated, never duplicated.
    expect(contacts.get('c3@example.com')!.properties['firstname']).toBe('Zoë 3 😀');
    // The duplicate never overwrote the first customer's contact.
    expect(contacts.get('c905@example.com')!.properties['firstname']).toBe('Zoë 905 😀');

    const errors = await admin.get<{ records: unknown[] }>(`${W}/sync/records?status=error`);
    expect(errors.body.records).toHaveLength(0);
    const synced = await admin.get<{ records: { hubspotId: string | null }[] }>(`${W}/sync/records?status=synced&limit=5`);
    expect(synced.body.records.every((r) => r.hubspotId !== null)).toBe(true);
  });

  it('sends only the changed customers on the next run', async () => {
    const { admin } = env;
    const page = await admin.get<{ customers: { id: string }[] }>(`${W}/customers?status=synced&limit=5`);
    for (const c of page.body.customers) await admin.patch(`${W}/customers/${c.id}`, { lastName: 'Édité' });
    const summary = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['needs_update']).toBe(5);

    env.sandbox.control.resetCounts();
    const run = await syncNow(admin);
    expect(run).toMatchObject({ status: 'succeeded', updated: 5 });
    const counts = env.sandbox.control.counts();
    const updateCalls = Object.values(counts.byRoute['POST /crm/v3/objects/contacts/batch/update'] ?? {}).reduce((a, b) => a + b, 0);
    const upsertCalls = Object.values(counts.byRoute['POST /crm/v3/objects/contacts/batch/upsert'] ?? {}).reduce((a, b) => a + b, 0);
    expect(updateCalls).toBe(1);
    expect(upsertCalls).toBe(0);
    expect(run['failed']).toBe(0);
    const after = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(after.body.byStatus['needs_update']).toBe(0);
    expect(after.body.byStatus['synced']).toBe(940);
  });

  it('marks a previously synced customer Outdated when its next push fails, and records every attempt', async () => {
    const { admin } = env;
    const page = await admin.get<{ customers: { id: string }[] }>(`${W}/customers?status=synced&limit=1`);
    const id = page.body.customers[0]!.id;
    await admin.patch(`${W}/customers/${id}`, { lifecycleStage: 'not-a-stage' });
    const run = await syncNow(admin);
    const customer = await admin.get<{ sync: { status: string; lastError: string } }>(`${W}/customers/${id}`);
    expect(customer.body.sync.status).toBe('outdated');
    expect(customer.body.sync.lastError).toContain('not-a-stage');
    const attempts = await admin.get<{ attempts: { customerId: string; outcome: string; message: string }[] }>(`${W}/sync/runs/${String(run['id'])}/attempts?outcome=error`);
    expect(attempts.body.attempts.find((a) => a.customerId === id)?.message).toContain('not-a-stage');
  });

  it('refuses a second run while one is running (409 with its id)', async () => {
    const { admin } = env;
    env.sandbox.control.setLatency(300);
    const page = await admin.get<{ customers: { id: string }[] }>(`${W}/customers?status=synced&limit=3`);
    for (const c of page.body.customers) await admin.patch(`${W}/customers/${c.id}`, { city: 'Genève' });
    const first = await admin.post<{ id: string }>(`${W}/sync/runs`);
    const second = await admin.post(`${W}/sync/runs`);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: { code: 'SYNC_ALREADY_RUNNING', details: { runId: first.body.id } } });
    env.sandbox.control.setLatency(undefined);
    await waitForRun(admin, first.body.id, runEnded);
  });
});

describe('contacts deleted in HubSpot', () => {
  it('re-creates the contact by email instead of failing forever', async () => {
    const { admin } = env;
    const page = await admin.get<{ customers: { id: string; email: string; sync: { hubspotId: string } }[] }>(`${W}/customers?status=synced&limit=2`);
    const [gone, kept] = page.body.customers;
    const archived = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${gone!.sync.hubspotId}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.token}` } });
    expect(archived.status).toBe(204);
    await admin.patch(`${W}/customers/${gone!.id}`, { firstName: 'Back' });
    await admin.patch(`${W}/customers/${kept!.id}`, { firstName: 'Still' });
    const run = await syncNow(admin);
    // Only the earlier test's refused record fails again; the two here succeed.
    expect(run['failed']).toBe(1);
    expect((await admin.get<{ sync: { status: string } }>(`${W}/customers/${kept!.id}`)).body.sync.status).toBe('synced');
    const after = await admin.get<{ sync: { status: string; hubspotId: string } }>(`${W}/customers/${gone!.id}`);
    expect(after.body.sync.status).toBe('synced');
    expect(after.body.sync.hubspotId).not.toBe(gone!.sync.hubspotId);
    expect(contactsByEmail().get(gone!.email.toLowerCase())?.properties['firstname']).toBe('Back');
  });
});

describe('field mapping API', () => {
  it('locks email, checks types, and turns Synced customers into Needs update when the mapping changes', async () => {
    const { admin } = env;
    const view = await admin.get<{ fields: { field: string; property: string | null; locked: boolean }[]; properties: { name: string }[] }>(`${W}/hubspot/mapping`);
    expect(view.body.fields.find((f) => f.field === 'email')).toMatchObject({ property: 'email', locked: true });
    expect(view.body.properties.some((p) => p.name === 'hs_object_id')).toBe(false);

    const locked = await admin.request('PUT', `${W}/hubspot/mapping`, { mappings: { email: 'firstname' } });
    expect(locked.status).toBe(422);
    expect(locked.body).toMatchObject({ error: { code: 'EMAIL_MAPPING_LOCKED' } });
    const unmapped = await admin.request('PUT', `${W}/hubspot/mapping`, { mappings: { email: null } });
    expect(unmapped.status).toBe(422);

    const wrongType = await admin.request('PUT', `${W}/hubspot/mapping`, { mappings: { firstName: 'numemployees' } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body).toMatchObject({ error: { code: 'MAPPING_INVALID', details: { problems: [{ field: 'firstName' }] } } });
    const twice = await admin.request('PUT', `${W}/hubspot/mapping`, { mappings: { firstName: 'firstname', lastName: 'firstname' } });
    expect(twice.body.error.details.problems[0].message).toContain('already filled');

    const before = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    const saved = await admin.request('PUT', `${W}/hubspot/mapping`, { mappings: { firstName: 'firstname', lastName: 'lastname', city: 'city', phone: 'mobilephone' } });
    expect(saved.status).toBe(200);
    expect(saved.body.saved).toBe(true);
    const after = await admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    // Dropping lifecycle stage, address fields and mapping phone elsewhere changes what every synced customer pushes.
    expect(after.body.byStatus['needs_update']).toBe(before.body.byStatus['synced']);
    const auditLog = await admin.get<{ entries: { action: string }[] }>(`${W}/audit-log?action=hubspot.mapping`);
    expect(auditLog.body.entries).toHaveLength(1);
  });

  it('keeps the mapping (which reads HubSpot live) to admins: members can neither change nor read it', async () => {
    const { inviteMember } = await import('../../test/support/service.js');
    const member = await inviteMember(env.admin, env.ts.url, 'default', { email: 'viewer@example.com', role: 'member', password: 'viewer-password-1' });
    expect((await member.request('PUT', `${W}/hubspot/mapping`, { mappings: {} })).status).toBe(403);
    const read = await member.get(`${W}/hubspot/mapping`);
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });
});

describe('live progress', () => {
  it('streams progress events over SSE and ends with done', async () => {
    const { admin } = env;
    env.sandbox.control.setLatency(100);
    const page = await admin.get<{ customers: { id: string }[] }>(`${W}/customers?status=synced&limit=250`);
    const batch = page.body.customers.slice(0, 250).map((c, i) => ({ id: c.id, i }));
    for (const { id, i } of batch) await admin.patch(`${W}/customers/${id}`, { phone: `+41 44 ${1000 + i}` });
    const started = await admin.post<{ id: string }>(`${W}/sync/runs`);
    const response = await fetch(`${env.ts.url}${W}/sync/runs/${started.body.id}/events`, { headers: { cookie: admin.cookie } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    env.sandbox.control.setLatency(undefined);
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ type: m[1], run: JSON.parse(m[2]!) as { status: string; processed: number } }));
    expect(events.at(-1)!.type).toBe('done');
    expect(events.at(-1)!.run.status).toBe('succeeded');
    const progress = events.filter((e) => e.type === 'progress').map((e) => e.run.processed);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});
