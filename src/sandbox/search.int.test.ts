import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { useSandbox } from './testing.js';

type SearchResult = { total: number; results: { id: string; properties: Record<string, string | null> }[]; paging?: { next: { after: string } } };

const clock = new ManualClock();

const sb = useSandbox({ clock }, (control) => control.setSearchLag(0));
const { call } = sb;

const search = async (body: unknown, type = 'contacts') => {
  const res = await call<SearchResult>('POST', `/crm/v3/objects/${type}/search`, body);
  expect(res.status).toBe(200);
  return res.body;
};

describe('search over HTTP', () => {
  it('filters with AND/OR groups, sorts, and returns requested plus system properties', async () => {
    sb.control.seedContacts(sb.portalId, [
      { email: 'ann@example.com', firstname: 'Ann', lifecyclestage: 'customer', city: 'Oslo' },
      { email: 'bob@example.com', firstname: 'Bob', lifecyclestage: 'lead', city: 'Rome' },
      { email: 'cy@other.org', firstname: 'Cy', lifecyclestage: 'lead' },
    ]);
    const res = await search({
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }, { propertyName: 'city', operator: 'HAS_PROPERTY' }] },
        { filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@other.org' }] },
      ],
      sorts: [{ propertyName: 'firstname', direction: 'DESCENDING' }],
      properties: ['firstname'],
    });
    expect(res.total).toBe(2);
    expect(res.results.map((r) => r.properties['firstname'])).toEqual(['Cy', 'Bob']);
    expect(Object.keys(res.results[0]!.properties).sort()).toEqual(['createdate', 'firstname', 'hs_object_id', 'lastmodifieddate']);
  });

  it('finds a contact by email through the index, case-insensitively', async () => {
    sb.control.seedContacts(sb.portalId, Array.from({ length: 500 }, (_, i) => ({ email: `p${i}@example.com` })));
    const res = await search({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'P250@EXAMPLE.COM' }] }], properties: ['email'] });
    expect(res.results.map((r) => r.properties['email'])).toEqual(['p250@example.com']);
  });

  it('reads ranges of hs_object_id (bounds in each group, OR across groups), with the other filters still applied', async () => {
    const ids = sb.control.seedContacts(sb.portalId, Array.from({ length: 50 }, (_, i) => ({ email: `r${i}@example.com`, city: i % 2 === 0 ? 'Even' : 'Odd' }))).map(Number);
    const idsOf = (res: SearchResult) => res.results.map((r) => Number(r.id));
    const range = (lo: number, hi: number) => ({ filters: [{ propertyName: 'hs_object_id', operator: 'GTE', value: String(lo) }, { propertyName: 'hs_object_id', operator: 'LT', value: String(hi) }] });
    const down = [{ propertyName: 'hs_object_id', direction: 'DESCENDING' }];
    const first = await search({ filterGroups: [range(ids[10]!, ids[20]!)], sorts: down, limit: 200 });
    expect(idsOf(first)).toEqual(ids.slice(10, 20).reverse());
    expect(first.total).toBe(10);
    const odd = await search({ filterGroups: [{ filters: [...range(ids[10]!, ids[20]!).filters, { propertyName: 'city', operator: 'EQ', value: 'Odd' }] }], limit: 200 });
    expect(idsOf(odd)).toEqual([11, 13, 15, 17, 19].map((i) => ids[i]));
    const two = await search({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'LTE', value: String(ids[1]) }] }, { filters: [{ propertyName: 'hs_object_id', operator: 'BETWEEN', value: String(ids[48]), highValue: String(ids[49]! + 1000) }] }], limit: 200 });
    expect(idsOf(two)).toEqual([ids[0], ids[1], ids[48], ids[49]]);
    const after = await search({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'GT', value: String(ids[47]) }] }], limit: 200 });
    expect(idsOf(after)).toEqual([ids[48], ids[49]]);
  });

  it('pages with offset after and reports total; page size at most 200', async () => {
    sb.control.seedContacts(sb.portalId, Array.from({ length: 25 }, (_, i) => ({ email: `s${i}@example.com` })));
    const first = await search({ limit: 10 });
    expect(first.total).toBe(25);
    expect(first.paging?.next.after).toBe('10');
    const last = await search({ limit: 10, after: '20' });
    expect(last.results).toHaveLength(5);
    expect(last.paging).toBeUndefined();
    expect((await call('POST', '/crm/v3/objects/contacts/search', { limit: 201 })).status).toBe(400);
  });

  it('stops paging at 10,000 results while total keeps the full count', async () => {
    sb.control.seedObjects(sb.portalId, 'companies', Array.from({ length: 10_050 }, (_, i) => ({ name: `Co ${i}` })));
    const near = await search({ limit: 200, after: '9900' }, 'companies');
    expect(near.total).toBe(10_050);
    expect(near.results).toHaveLength(100);
    expect(near.paging).toBeUndefined();
    const past = await call('POST', '/crm/v3/objects/companies/search', { limit: 10, after: '10000' });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('never returns archived records', async () => {
    const [id] = sb.control.seedContacts(sb.portalId, [{ email: 'arch@example.com' }]);
    await call('DELETE', `/crm/v3/objects/contacts/${id!}`);
    expect((await search({})).total).toBe(0);
  });

  it('makes new and changed records searchable only after the search lag', async () => {
    sb.control.setSearchLag(2000);
    const created = await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'lag@example.com', firstname: 'Before' } });
    const byName = (name: string) => search({ filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: name }] }] });
    expect((await byName('Before')).total).toBe(0);
    expect((await call('GET', `/crm/v3/objects/contacts/${created.body.id}`)).status).toBe(200);
    clock.advance(2000);
    expect((await byName('Before')).total).toBe(1);
    await call('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, { properties: { firstname: 'After' } });
    expect((await byName('After')).total).toBe(0);
    expect((await byName('Before')).total).toBe(1);
    clock.advance(1999);
    expect((await byName('After')).total).toBe(0);
    clock.advance(1);
    expect((await byName('After')).total).toBe(1);
    expect((await byName('Before')).total).toBe(0);
  });
});
