// Associations for pushing companies, deals and notes, over real HTTP: the label catalogue,
// HubSpot's default type ids per pair, inline associations on batch create (not on upsert),
// the primary company (one per contact or deal, always with the unlabelled type), removing
// one label, one pair, or many pairs.

import { describe, expect, it } from 'vitest';
import { useSandbox } from './testing.js';

type Types = { category: string; typeId: number; label: string | null }[];
type Assoc = { results: { toObjectId: number; associationTypes: Types }[] };

const sb = useSandbox();
const { call } = sb;

async function make(type: string, properties: Record<string, string>): Promise<string> {
  const res = await call<{ id: string }>('POST', `/crm/v3/objects/${type}`, { properties });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function typeIds(from: string, id: string, to: string): Promise<Record<string, number[]>> {
  const res = await call<Assoc>('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  return Object.fromEntries(res.body.results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.typeId).sort((a, b) => a - b)]));
}

const spec = (associationTypeId: number) => ({ associationCategory: 'HUBSPOT_DEFINED', associationTypeId });

describe('associations for companies, deals and notes', () => {
  it('lists the association labels between two object types', async () => {
    const labels = await call<{ results: Types }>('GET', '/crm/v4/associations/contacts/companies/labels');
    expect(labels.status).toBe(200);
    expect(labels.body.results).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
      { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
    ]);
    const dealCompany = await call<{ results: Types }>('GET', '/crm/v4/associations/deals/companies/labels');
    expect(dealCompany.body.results.map((t) => t.typeId)).toEqual([5, 341]);
    const noteDeal = await call<{ results: Types }>('GET', '/crm/v4/associations/notes/deals/labels');
    expect(noteDeal.body.results.map((t) => t.typeId)).toEqual([214]);
  });

  it('default associations use HubSpot type ids in both directions', async () => {
    const contact = await make('contacts', { email: 'a@example.com' });
    const company = await make('companies', { name: 'Acme' });
    const deal = await make('deals', { dealname: 'D' });
    const note = await make('notes', { hs_timestamp: '2026-01-01T00:00:00Z' });
    const pairs: [string, string, string, string, number, number][] = [
      ['contacts', contact, 'companies', company, 279, 280],
      ['deals', deal, 'contacts', contact, 3, 4],
      ['deals', deal, 'companies', company, 341, 342],
      ['notes', note, 'contacts', contact, 202, 201],
      ['notes', note, 'companies', company, 190, 189],
      ['notes', note, 'deals', deal, 214, 213],
    ];
    for (const [from, fromId, to, toId, forward, inverse] of pairs) {
      expect((await call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`)).status).toBe(200);
      expect(await typeIds(from, fromId, to)).toEqual({ [toId]: [forward] });
      expect((await typeIds(to, toId, from))[fromId]).toEqual([inverse]);
      // The control API reads the same edges without an API call (benchmarks check links with it).
      expect(sb.control.associationsOf(sb.portalId, from, fromId, to)).toEqual([{ id: toId, typeIds: [forward] }]);
    }
  });

  it('batch create takes inline associations (a note to a contact, company and deal); batch upsert refuses them', async () => {
    const contact = await make('contacts', { email: 'a@example.com' });
    const company = await make('companies', { name: 'Acme' });
    const deal = await make('deals', { dealname: 'D' });
    const created = await call<{ results: { id: string }[] }>('POST', '/crm/v3/objects/notes/batch/create', {
      inputs: [
        {
          properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_note_body: 'Called' },
          associations: [
            { to: { id: contact }, types: [spec(202)] },
            { to: { id: company }, types: [spec(190)] },
            { to: { id: deal }, types: [spec(214)] },
          ],
        },
      ],
    });
    expect(created.status).toBe(201);
    const note = created.body.results[0]!.id;
    expect(await typeIds('contacts', contact, 'notes')).toEqual({ [note]: [201] });
    expect(await typeIds('companies', company, 'notes')).toEqual({ [note]: [189] });
    expect(await typeIds('deals', deal, 'notes')).toEqual({ [note]: [213] });

    const dealsWithCompany = await call<{ results: { id: string }[] }>('POST', '/crm/v3/objects/deals/batch/create', {
      inputs: [{ properties: { dealname: 'E' }, associations: [{ to: { id: company }, types: [spec(5)] }] }],
    });
    expect(await typeIds('deals', dealsWithCompany.body.results[0]!.id, 'companies')).toEqual({ [company]: [5, 341] });

    // A wrong type id for the pair fails the batch whole.
    const wrong = await call('POST', '/crm/v3/objects/notes/batch/create', {
      inputs: [{ properties: { hs_timestamp: '2026-01-01T00:00:00Z' }, associations: [{ to: { id: contact }, types: [spec(279)] }] }],
    });
    expect(wrong.status).toBe(400);

    await call('POST', '/crm/v3/properties/companies', { name: 'hubsync_id', label: 'h', type: 'string', fieldType: 'text', groupName: 'companyinformation', hasUniqueValue: true });
    const upsert = await call<{ message: string }>('POST', '/crm/v3/objects/companies/batch/upsert', {
      inputs: [{ idProperty: 'hubsync_id', id: 'x', properties: {}, associations: [{ to: { id: contact }, types: [spec(280)] }] }],
    });
    expect(upsert.status).toBe(400);
  });

  it('a contact or deal has one primary company; the label comes with the unlabelled type and can be removed alone', async () => {
    const contact = await make('contacts', { email: 'a@example.com' });
    const first = await make('companies', { name: 'First' });
    const second = await make('companies', { name: 'Second' });
    await call('POST', '/crm/v4/associations/contacts/companies/batch/create', { inputs: [{ from: { id: contact }, to: { id: first }, types: [spec(1)] }] });
    expect(await typeIds('contacts', contact, 'companies')).toEqual({ [first]: [1, 279] });
    expect(await typeIds('companies', first, 'contacts')).toEqual({ [contact]: [2, 280] });
    // Primary from the company side (type 2) moves the contact's primary company.
    expect((await call('PUT', `/crm/v4/objects/companies/${second}/associations/contacts/${contact}`, [spec(2)])).status).toBe(201);
    expect(await typeIds('contacts', contact, 'companies')).toEqual({ [first]: [279], [second]: [1, 279] });

    const removeLabel = await call('POST', '/crm/v4/associations/contacts/companies/batch/labels/archive', {
      inputs: [{ from: { id: contact }, to: { id: second }, types: [spec(1)] }],
    });
    expect(removeLabel.status).toBe(204);
    expect(await typeIds('contacts', contact, 'companies')).toEqual({ [first]: [279], [second]: [279] });

    expect((await call('DELETE', `/crm/v4/objects/contacts/${contact}/associations/companies/${first}`)).status).toBe(204);
    expect(await typeIds('contacts', contact, 'companies')).toEqual({ [second]: [279] });
    expect(await typeIds('companies', first, 'contacts')).toEqual({});
    const archived = await call('POST', '/crm/v4/associations/companies/contacts/batch/archive', { inputs: [{ from: { id: second }, to: [{ id: contact }] }] });
    expect(archived.status).toBe(204);
    expect(await typeIds('contacts', contact, 'companies')).toEqual({});
  });
});
