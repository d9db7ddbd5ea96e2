// The duplicates report over HTTP against a real database: customers grouped by the same email
// (whatever its case), the same phone (however it is written) and the same name with the same
// Company; organizations by domain, phone and name; soft-deleted records left out; the HubSpot
// link shown; and keyset paging that walks every group exactly once, in any page size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

let ts: TestService;
let admin: ApiClient;
const W = '/api/workspaces/default';

interface Group {
  reason: string;
  key: string;
  count: number;
  records: { id: string; name: string | null; email: string | null; organization: string | null; phone: string | null; createdAt: string; hubspot: { linked: boolean; hubspotId: string | null; status: string } }[];
}
interface Page {
  groups: Group[];
  nextCursor: string | null;
}

const ids: Record<string, string> = {};
async function customer(name: string, body: Record<string, unknown>): Promise<void> {
  const created = await admin.post<{ id: string }>(`${W}/customers`, body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  ids[name] = created.body.id;
}
async function organization(name: string, body: Record<string, unknown>): Promise<void> {
  const created = await admin.post<{ id: string }>(`${W}/organizations`, body);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  ids[name] = created.body.id;
}

/** Every group, page by page; the page sizes seen. */
async function walk(path: string, limit: number): Promise<{ groups: Group[]; pages: number }> {
  const groups: Group[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Awaited<ReturnType<typeof admin.get<Page>>> = await admin.get<Page>(`${path}${separator}limit=${limit}${after ? `&after=${after}` : ''}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.groups.length).toBeLessThanOrEqual(limit);
    groups.push(...page.body.groups);
    after = page.body.nextCursor;
    pages++;
  } while (after !== null);
  return { groups, pages };
}

const summary = (groups: Group[]) => groups.map((g) => `${g.reason}:${g.key}:${g.records.map((r) => Object.entries(ids).find(([, id]) => id === r.id)?.[0] ?? r.id).join(',')}`);

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  // Same email, in any case; a third copy is deleted.
  await customer('ada', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
  await customer('ada2', { firstName: 'Ada', lastName: 'King', email: 'ADA@Example.com ' });
  await customer('ada3', { firstName: 'A.', lastName: 'Lovelace', email: 'ada@example.com' });
  await customer('bea', { firstName: 'Bea', email: 'bea@example.com' });
  await customer('bea2', { firstName: 'Bea', email: 'Bea@example.com' });
  // Same phone, written three ways; a near miss stays out.
  await customer('cem', { firstName: 'Cem', email: 'cem@example.com', phone: '+41 44 123 45 67' });
  await customer('cem2', { firstName: 'Cem', email: 'cem.work@example.com', phone: '0041 (0)44-123-45-67' });
  await customer('cem3', { firstName: 'Cem', email: 'cem.home@example.com', phone: '+41 (44) 1234567 ext. 9' });
  await customer('dan', { firstName: 'Dan', email: 'dan@example.com', phone: '+41 44 123 45 68' });
  // Same name and Company, spelled with other case and spacing; the same name elsewhere stays out.
  await customer('eve', { firstName: 'Eve', lastName: 'Okafor', companyName: 'Acme AG', email: 'eve@acme.example' });
  await customer('eve2', { firstName: ' eve', lastName: 'OKAFOR ', companyName: 'acme  ag', email: 'e.okafor@acme.example' });
  await customer('eve3', { firstName: 'Eve', lastName: 'Okafor', companyName: 'Other GmbH', email: 'eve@other.example' });
  await customer('fay', { firstName: 'Fay', lastName: 'Okafor', email: 'fay@example.com' });
  await customer('fay2', { firstName: 'Fay', lastName: 'Okafor', email: 'fay2@example.com' });
  expect((await admin.request('DELETE', `${W}/customers/${ids['ada3']}`)).status).toBe(204);
  // Ada's first record is linked to a HubSpot contact.
  await ts.service.database.db.updateTable('customers').set({ hubspot_id: '901', sync_status: 'synced' }).where('id', '=', ids['ada']!).execute();

  await organization('acme', { name: 'Acme AG', domain: 'https://www.acme.example/about' });
  await organization('acme2', { name: 'ACME Holding', domain: 'acme.example' });
  await organization('zeta', { name: 'Zeta  Labs', phone: '+49 30 1234567' });
  await organization('zeta2', { name: 'zeta labs', phone: '0049 30 123 4567' });
});
afterAll(async () => ts?.close());

describe('customers/duplicates', () => {
  it('groups by email, phone and name + Company, oldest first, without deleted records', async () => {
    const page = await admin.get<Page>(`${W}/customers/duplicates`);
    expect(page.status).toBe(200);
    expect(page.body.nextCursor).toBeNull();
    expect(summary(page.body.groups)).toEqual([
      'email:ada@example.com:ada,ada2',
      'email:bea@example.com:bea,bea2',
      'phone:+41441234567:cem,cem2,cem3',
      'name:eve okafor|acme ag:eve,eve2',
    ]);
    const ada = page.body.groups[0]!;
    expect(ada.count).toBe(2);
    expect(ada.records[0]).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', hubspot: { linked: true, hubspotId: '901', status: 'synced' } });
    // The sync already calls the unlinked twin of a shared email Duplicate.
    expect(ada.records[1]).toMatchObject({ name: 'Ada King', hubspot: { linked: false, hubspotId: null, status: 'duplicate' } });
    expect(Date.parse(ada.records[0]!.createdAt)).toBeLessThanOrEqual(Date.parse(ada.records[1]!.createdAt));
    expect(page.body.groups[3]!.records[1]).toMatchObject({ organization: 'acme  ag' });
  });

  it('pages by cursor through every group once, in any page size', async () => {
    const whole = summary((await admin.get<Page>(`${W}/customers/duplicates`)).body.groups);
    for (const limit of [1, 2, 3]) {
      const { groups, pages } = await walk(`${W}/customers/duplicates`, limit);
      expect(summary(groups)).toEqual(whole);
      expect(pages).toBe(Math.ceil(whole.length / limit));
    }
    const phones = await walk(`${W}/customers/duplicates?reason=phone`, 1);
    expect(summary(phones.groups)).toEqual(['phone:+41441234567:cem,cem2,cem3']);
  });

  it('follows edits and deletes: a changed phone leaves its group, a deleted twin ends one, a restore brings it back', async () => {
    expect((await admin.patch(`${W}/customers/${ids['cem3']}`, { phone: '+41 44 000 00 00' })).status).toBe(200);
    expect((await admin.request('DELETE', `${W}/customers/${ids['bea2']}`)).status).toBe(204);
    let page = await admin.get<Page>(`${W}/customers/duplicates`);
    expect(summary(page.body.groups)).toEqual(['email:ada@example.com:ada,ada2', 'phone:+41441234567:cem,cem2', 'name:eve okafor|acme ag:eve,eve2']);
    expect((await admin.post(`${W}/customers/${ids['bea2']}/restore`)).status).toBe(200);
    page = await admin.get<Page>(`${W}/customers/duplicates?reason=email`);
    expect(summary(page.body.groups)).toEqual(['email:ada@example.com:ada,ada2', 'email:bea@example.com:bea,bea2']);
  });

  it('refuses a cursor it did not hand out, an unknown reason and a page too large', async () => {
    for (const query of ['after=abc', `after=${Buffer.from('["phone",1]').toString('base64url')}`, 'reason=domain', 'limit=101']) {
      const refused = await admin.get<{ error: { code: string } }>(`${W}/customers/duplicates?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('organizations/duplicates', () => {
  it('groups by domain, phone and name', async () => {
    const page = await admin.get<Page>(`${W}/organizations/duplicates`);
    expect(page.status).toBe(200);
    expect(summary(page.body.groups)).toEqual(['domain:acme.example:acme,acme2', 'phone:+49301234567:zeta,zeta2', 'name:zeta labs:zeta,zeta2']);
    expect(page.body.groups[0]!.records[0]).toMatchObject({ name: 'Acme AG', organization: 'https://www.acme.example/about', email: null });
    const { groups } = await walk(`${W}/organizations/duplicates`, 1);
    expect(summary(groups)).toEqual(summary(page.body.groups));
  });
});
