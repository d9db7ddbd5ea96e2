// Every list route parses its query parameters the same strict way (src/http/schemas.ts):
// numbers in digits only, times with a zone, cursors this API handed out, no unknown names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
let ts: TestService;
let admin: ApiClient;

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => ts?.close());

const LISTS_WITH_LIMIT = [`${W}/customers`, `${W}/sync/records`, `${W}/sync/runs`, `${W}/sync/runs/run_0000000000/attempts`, `${W}/sync/attempts`, `${W}/audit-log`];
const CURSORS: [string, string][] = [
  [`${W}/customers`, 'after'],
  [`${W}/sync/records`, 'after'],
  [`${W}/sync/runs`, 'before'],
  [`${W}/sync/runs/run_0000000000/attempts`, 'after'],
  [`${W}/sync/attempts`, 'cursor'],
  [`${W}/audit-log`, 'cursor'],
];

async function expectRefused(path: string, parameter: string): Promise<void> {
  const answer = await admin.request('GET', path);
  expect(answer.status, path).toBe(400);
  expect(answer.body, path).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: `querystring.${parameter}` } } });
  expect(answer.body.error.message, path).toMatch(new RegExp(`^querystring\\.${parameter}: `));
}

describe('query parameters', () => {
  it.each(LISTS_WITH_LIMIT)('%s: limit is digits only, within range', async (list) => {
    for (const limit of ['0x10', '1e2', '%205', '5%20', '-1', '0', '2.5', 'ten', '100000000', '']) await expectRefused(`${list}?limit=${limit}`, 'limit');
    await expectRefused(`${list}?limit=1&limit=2`, 'limit');
    expect((await admin.request('GET', `${list}?limit=5`)).status).toBe(200);
  });

  it.each(CURSORS)('%s: a %s cursor this API did not return is refused', async (list, name) => {
    for (const cursor of ['garbage', 'Y3VzX2FiYw', '%00', 'run_', 'x'.repeat(150)]) await expectRefused(`${list}?${name}=${cursor}`, name);
  });

  it('accepts the cursors it hands out', async () => {
    for (let i = 0; i < 3; i++) await admin.post(`${W}/customers`, { firstName: `P${i}` });
    const first = await admin.get<{ nextCursor: string }>(`${W}/customers?limit=2`);
    const second = await admin.get<{ customers: unknown[] }>(`${W}/customers?limit=2&after=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.customers).toHaveLength(1);
    const audit = await admin.get<{ nextCursor: string | null; entries: unknown[] }>(`${W}/audit-log?limit=1`);
    if (audit.body.nextCursor) expect((await admin.get(`${W}/audit-log?cursor=${audit.body.nextCursor}`)).status).toBe(200);
  });

  it('reads times with a zone: an offset and Z mean the same instant; no zone or a bad date is refused', async () => {
    const z = await admin.get<{ customers: unknown[] }>(`${W}/customers?updatedSince=2020-01-01T00:00:00Z`);
    const offset = await admin.get<{ customers: unknown[] }>(`${W}/customers?updatedSince=${encodeURIComponent('2020-01-01T01:00:00+01:00')}`);
    expect(z.status).toBe(200);
    expect(offset.status).toBe(200);
    expect(offset.body.customers).toEqual(z.body.customers);
    expect((await admin.get<{ customers: unknown[] }>(`${W}/customers?updatedSince=2999-01-01T00:00:00Z`)).body.customers).toEqual([]);
    for (const since of ['2026-01-01', '2026-01-01T00:00:00', '2026-02-30T00:00:00Z', '2026-01-01T25:00:00Z', 'yesterday', '1767225600000']) {
      await expectRefused(`${W}/customers?updatedSince=${encodeURIComponent(since)}`, 'updatedSince');
    }
  });

  it('refuses unknown parameters by name on every list, including those that take none', async () => {
    // (The error renderer names an unknown key in the message; details.field is its business.)
    for (const list of [...LISTS_WITH_LIMIT, `${W}/users`, `${W}/api-keys`, `${W}/custom-fields`, `${W}/users?limit=5`]) {
      const path = list.includes('?') ? list : `${list}?bogus=1`;
      const answer = await admin.request('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.code, path).toBe('VALIDATION_FAILED');
      expect(answer.body.error.message, path).toContain(list.includes('?') ? '"limit"' : '"bogus"');
    }
    await expectRefused(`${W}/customers?status=synced,nope`, 'status');
    await expectRefused(`${W}/customers?q=a%00b`, 'q');
  });
});
