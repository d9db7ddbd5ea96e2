// The foundation over real HTTP against a real database: sign-in, roles, tenancy, custom
// fields, customers, bulk upsert, CSV import, and the error envelope for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';

let ts: TestService;
let admin: ApiClient;
const W = '/api/workspaces/default';

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => ts?.close());

describe('health and sign-in', () => {
  it('answers /api/health', async () => {
    const response = await new ApiClient(ts.url).get('/api/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok' });
  });

  it('serves the OpenAPI document', async () => {
    const response = await fetch(`${ts.url}/api/docs/json`);
    const doc = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/workspaces/{workspace}/customers');
  });

  it('refuses a wrong password with 401 and then throttles', async () => {
    const anon = new ApiClient(ts.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await anon.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong-password' })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const throttled = await anon.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong-password' });
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ error: { code: 'LOGIN_THROTTLED' } });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lists the admin workspace in /me and rejects unsafe requests without the CSRF header', async () => {
    const me = await admin.get<{ workspaces: { slug: string; role: string }[] }>('/api/auth/me');
    expect(me.body.workspaces).toEqual([{ slug: 'default', name: 'Default workspace', role: 'admin' }]);
    const cookieOnly = await fetch(`${ts.url}${W}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin.cookie },
      body: '{"email":"csrf@example.com"}',
    });
    expect(cookieOnly.status).toBe(403);
    expect(await cookieOnly.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
  });
});

describe('customers and custom fields', () => {
  it('creates a custom field and a customer with any Unicode text, and reads it back', async () => {
    const field = await admin.post(`${W}/custom-fields`, { key: 'plan', label: 'Plan', type: 'single_choice', options: [{ value: 'basic', label: 'Basic' }, { value: 'pro', label: 'Pro' }] });
    expect(field.status).toBe(201);
    const name = 'Zoë "Q" O\'Brien 😀 שלום';
    const created = await admin.post<{ id: string }>(`${W}/customers`, { firstName: name, lastName: 'Ærøskøbing', email: 'Zoe@Example.com', tags: ['vip'], custom: { plan: 'pro' } });
    expect(created.status).toBe(201);
    const read = await admin.get(`${W}/customers/${created.body.id}`);
    expect(read.body).toMatchObject({ firstName: name, lastName: 'Ærøskøbing', email: 'Zoe@Example.com', tags: ['vip'], custom: { plan: 'pro' }, sync: { status: 'not_synced', statusLabel: 'Not synced' } });
    expect(Object.keys(read.body['fieldUpdatedAt'] as object).sort()).toEqual(['custom.plan', 'email', 'firstName', 'lastName', 'tags']);
  });

  it('keeps per-field timestamps: only changed fields get a new one', async () => {
    const created = await admin.post<{ id: string; fieldUpdatedAt: Record<string, string> }>(`${W}/customers`, { firstName: 'Ann', email: 'ann@example.com' });
    await new Promise((r) => setTimeout(r, 5));
    const updated = await admin.patch<{ fieldUpdatedAt: Record<string, string> }>(`${W}/customers/${created.body.id}`, { firstName: 'Anne', email: 'ann@example.com' });
    expect(updated.body.fieldUpdatedAt['email']).toBe(created.body.fieldUpdatedAt['email']);
    expect(Date.parse(updated.body.fieldUpdatedAt['firstName']!)).toBeGreaterThan(Date.parse(created.body.fieldUpdatedAt['firstName']!));
  });

  it('finds customers by search, email (case-insensitive) and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await admin.post(`${W}/customers`, { firstName: `Pager${i}`, email: `pager${i}@example.com` });
    const first = await admin.get<{ customers: { firstName: string }[]; nextCursor: string }>(`${W}/customers?q=pager&limit=2`);
    expect(first.body.customers.map((c) => c.firstName)).toEqual(['Pager0', 'Pager1']);
    const second = await admin.get<{ customers: { firstName: string }[] }>(`${W}/customers?q=pager&limit=2&after=${first.body.nextCursor}`);
    expect(second.body.customers.map((c) => c.firstName)).toEqual(['Pager2', 'Pager3']);
    const byEmail = await admin.get<{ customers: unknown[] }>(`${W}/customers?email=PAGER4@EXAMPLE.COM`);
    expect(byEmail.body.customers).toHaveLength(1);
  });

  it('bulk upserts by externalId with a result per item', async () => {
    const response = await admin.post<{ results: { status: string }[]; created: number }>(`${W}/customers/bulk-upsert`, {
      customers: [
        { externalId: 'h-1', email: 'h1@example.com' },
        { externalId: 'h-2', email: 'h2@example.com', custom: { plan: 'gold' } },
        { email: 'no-external-id@example.com' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r) => r.status)).toEqual(['created', 'error', 'error']);
    const again = await admin.post<{ results: { status: string }[] }>(`${W}/customers/bulk-upsert`, {
      customers: [{ externalId: 'h-1', email: 'h1@example.com' }, { externalId: 'h-1', firstName: 'dup' }, { externalId: 'h-3', firstName: 'New' }],
    });
    expect(again.body.results.map((r) => r.status)).toEqual(['unchanged', 'error', 'created']);
    const updated = await admin.post<{ results: { status: string }[] }>(`${W}/customers/bulk-upsert`, { customers: [{ externalId: 'h-1', firstName: 'Hana' }] });
    expect(updated.body.results[0]!.status).toBe('updated');
  });

  it('imports a CSV: good rows saved, bad rows reported with their line numbers', async () => {
    const csv = ['First name,Last name,Email,plan,Unknown', 'Csv,One,csv1@example.com,basic,x', 'Csv,Two,csv2@example.com,platinum,x', '"Csv, Three",Q,csv3@example.com,,x', 'Csv,Four,not-an-email,,x'].join('\n');
    const response = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: csv, contentType: 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ rowsRead: 4, created: 2, failed: 2 });
    expect((response.body['errors'] as { line: number }[]).map((e) => e.line)).toEqual([3, 5]);
    const three = await admin.get<{ customers: { firstName: string }[] }>(`${W}/customers?email=csv3@example.com`);
    expect(three.body.customers[0]!.firstName).toBe('Csv, Three');
  });
});

describe('roles and tenancy', () => {
  it('refuses admin routes to members (403) and hides other workspaces (404)', async () => {
    await inviteMember(admin, ts.url, 'default', { email: 'member@example.com', role: 'member', password: 'member-password-1' });
    const member = await ApiClient.signIn(ts.url, 'member@example.com', 'member-password-1');
    expect((await member.get(`${W}/customers`)).status).toBe(200);
    const refused = await member.post(`${W}/custom-fields`, { key: 'x', label: 'X', type: 'text' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await member.get(`${W}/audit-log`)).status).toBe(403);

    await admin.post('/api/workspaces', { slug: 'other', name: 'Other' });
    const secret = await admin.post<{ id: string }>('/api/workspaces/other/customers', { email: 'secret@example.com' });
    expect((await member.get(`/api/workspaces/other/customers/${secret.body.id}`)).status).toBe(404);
    // Even a customer id from another workspace is invisible through this one.
    expect((await admin.get(`${W}/customers/${secret.body.id}`)).status).toBe(404);
  });

  it('lets an API key act in its own workspace only, until revoked', async () => {
    const created = await admin.post<{ key: string; id: string }>(`${W}/api-keys`, { name: 'host app' });
    expect(created.body.key).toMatch(/^hsk_/);
    const host = new ApiClient(ts.url, created.body.key);
    expect((await host.post(`${W}/customers`, { email: 'from-host@example.com' })).status).toBe(201);
    expect((await host.get('/api/workspaces/other/customers')).status).toBe(404);
    expect((await host.post(`${W}/custom-fields`, { key: 'y', label: 'Y', type: 'text' })).status).toBe(403);
    const listed = await admin.get<{ apiKeys: Record<string, unknown>[] }>(`${W}/api-keys`);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    await admin.delete(`${W}/api-keys/${created.body.id}`);
    expect((await host.get(`${W}/customers`)).status).toBe(401);
    const auditLog = await admin.get<{ entries: { action: string }[] }>(`${W}/audit-log`);
    expect(auditLog.body.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['api_key.created', 'api_key.revoked', 'custom_field.created', 'user.added']));
  });
});

describe('bad input gets the error envelope', () => {
  it.each([
    ['malformed JSON', { rawBody: '{"email": ' }, 400, 'INVALID_JSON'],
    ['an unknown field', { body: { email: 'a@example.com', nickname: 'x' } }, 400, 'VALIDATION_FAILED'],
    ['a wrong type', { body: { email: 42 } }, 400, 'VALIDATION_FAILED'],
    ['an oversize body', { rawBody: JSON.stringify({ firstName: 'x'.repeat(1_100_000) }) }, 413, 'PAYLOAD_TOO_LARGE'],
    ['a wrong content type', { rawBody: 'email=a', contentType: 'application/x-www-form-urlencoded' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ] as const)('%s', async (_name, input, status, code) => {
    const response = await admin.request('POST', `${W}/customers`, 'body' in input ? input.body : undefined, 'rawBody' in input ? { rawBody: input.rawBody, ...('contentType' in input ? { contentType: input.contentType } : {}) } : {});
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ error: { code } });
    expect(typeof (response.body as { error: { message: string } }).error.message).toBe('string');
  });

  it('names the failing field', async () => {
    const response = await admin.post(`${W}/customers`, { email: 42 });
    expect(response.body).toMatchObject({ error: { details: { field: 'email' } } });
  });

  it('answers unknown routes and unknown customers with 404 envelopes', async () => {
    expect((await admin.get('/api/nope')).body).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    expect((await admin.get(`${W}/customers/cus_missing`)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
