// Notes over real HTTP: hs_timestamp required on every create path, hs_note_body's length
// limit, dates normalised, associations to contacts, companies and deals readable from both
// sides and in the v3 `associations` block.

import { describe, expect, it } from 'vitest';
import { useSandbox } from './testing.js';

type Note = { id: string; properties: Record<string, string | null>; associations?: Record<string, { results: { id: string; type: string }[] }> };
type Err = { category: string; message: string };

const sb = useSandbox();
const { call } = sb;

const spec = (associationTypeId: number) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId });

describe('notes', () => {
  it('a note is created with its associations and read back with them', async () => {
    const contact = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'a@example.com' } })).body.id;
    const company = (await call<{ id: string }>('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme' } })).body.id;
    const deal = (await call<{ id: string }>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D' } })).body.id;
    const created = await call<Note>('POST', '/crm/v3/objects/notes', {
      properties: { hs_timestamp: '1767225600000', hs_note_body: '<p>Called about the renewal</p>' },
      associations: [
        { to: { id: contact }, types: [spec(202)] },
        { to: { id: company }, types: [spec(190)] },
        { to: { id: deal }, types: [spec(214)] },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body.properties['hs_timestamp']).toBe('2026-01-01T00:00:00.000Z');
    expect(created.body.properties).toHaveProperty('hs_createdate');
    const read = await call<Note>('GET', `/crm/v3/objects/notes/${created.body.id}?properties=hs_note_body,hs_timestamp&associations=contacts,companies,deals`);
    expect(read.body.properties).toMatchObject({ hs_note_body: '<p>Called about the renewal</p>', hs_timestamp: '2026-01-01T00:00:00.000Z' });
    expect(read.body.associations).toEqual({
      contacts: { results: [{ id: contact, type: 'note_to_contact' }] },
      companies: { results: [{ id: company, type: 'note_to_company' }] },
      deals: { results: [{ id: deal, type: 'note_to_deal' }] },
    });
    const fromContact = await call<{ results: { toObjectId: number; associationTypes: { typeId: number }[] }[] }>('GET', `/crm/v4/objects/contacts/${contact}/associations/notes`);
    expect(fromContact.body.results).toEqual([{ toObjectId: Number(created.body.id), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 201, label: null }] }]);
    // Archiving the note removes its associations.
    expect((await call('DELETE', `/crm/v3/objects/notes/${created.body.id}`)).status).toBe(204);
    expect((await call<{ results: unknown[] }>('GET', `/crm/v4/objects/deals/${deal}/associations/notes`)).body.results).toEqual([]);
  });

  it('hs_timestamp is required on create, batch create and an upsert that creates', async () => {
    const single = await call<Err>('POST', '/crm/v3/objects/notes', { properties: { hs_note_body: 'x' } });
    expect(single.status).toBe(400);
    expect(single.body.message).toContain('"error":"REQUIRED_PROPERTY"');
    const batch = await call<Err>('POST', '/crm/v3/objects/notes/batch/create', {
      inputs: [{ properties: { hs_timestamp: '2026-01-01T00:00:00Z' } }, { properties: { hs_note_body: 'no time' } }],
    });
    expect(batch.status).toBe(400);
    expect((await call<{ results: unknown[] }>('GET', '/crm/v3/objects/notes')).body.results).toEqual([]);
    await call('POST', '/crm/v3/properties/notes', { name: 'hubsync_id', label: 'h', type: 'string', fieldType: 'text', groupName: 'engagement', hasUniqueValue: true });
    const upsert = await call<{ results: Note[]; errors?: Err[] }>('POST', '/crm/v3/objects/notes/batch/upsert', {
      inputs: [
        { idProperty: 'hubsync_id', id: 'n-1', properties: { hs_note_body: 'no time' } },
        { idProperty: 'hubsync_id', id: 'n-2', properties: { hs_note_body: 'timed', hs_timestamp: '2026-02-01T10:00:00Z' } },
      ],
    });
    expect(upsert.status).toBe(207);
    expect(upsert.body.results.map((r) => r.properties['hubsync_id'])).toEqual(['n-2']);
    expect(upsert.body.errors![0]!.message).toContain('REQUIRED_PROPERTY');
    // Updating an existing note needs no timestamp.
    const again = await call<{ results: Note[] }>('POST', '/crm/v3/objects/notes/batch/upsert', { inputs: [{ idProperty: 'hubsync_id', id: 'n-2', properties: { hs_note_body: 'edited' } }] });
    expect(again.status).toBe(200);
  });

  it('refuses a body over 65,536 characters and a timestamp that is not a date', async () => {
    const long = await call<Err>('POST', '/crm/v3/objects/notes', { properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_note_body: 'x'.repeat(65_537) } });
    expect(long.status).toBe(400);
    expect((await call('POST', '/crm/v3/objects/notes', { properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_note_body: 'x'.repeat(65_536) } })).status).toBe(201);
    const badDate = await call<Err>('POST', '/crm/v3/objects/notes', { properties: { hs_timestamp: 'yesterday' } });
    expect(badDate.status).toBe(400);
    expect(badDate.body.message).toContain('INVALID_DATE');
  });
});
