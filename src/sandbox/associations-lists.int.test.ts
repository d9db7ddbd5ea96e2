import { beforeEach, describe, expect, it } from 'vitest';
import { useSandbox } from './testing.js';

type Assoc = { results: { toObjectId: number; associationTypes: { category: string; typeId: number; label: string | null }[] }[] };

let contact: string;
let company: string;
let deal: string;

const sb = useSandbox();
const { call } = sb;
beforeEach(async () => {
  contact = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'c@example.com' } })).body.id;
  company = (await call<{ id: string }>('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme' } })).body.id;
  deal = (await call<{ id: string }>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D' } })).body.id;
});

describe('associations v4', () => {
  it('creates a default association readable from both sides with HubSpot type ids', async () => {
    const res = await call<{ status: string; results: { associationSpec: { associationTypeId: number } }[] }>('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${company}`);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.associationSpec.associationTypeId).sort((a, b) => a - b)).toEqual([279, 280]);
    const fromContact = await call<Assoc>('GET', `/crm/v4/objects/contacts/${contact}/associations/companies`);
    expect(fromContact.body.results).toEqual([{ toObjectId: Number(company), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }] }]);
    const withBlock = await call<{ associations?: Record<string, { results: { id: string; type: string }[] }> }>('GET', `/crm/v3/objects/contacts/${contact}?associations=companies,deals`);
    expect(withBlock.body.associations).toEqual({ companies: { results: [{ id: company, type: 'contact_to_company_unlabeled' }] } });
    const fromCompany = await call<Assoc>('GET', `/crm/v4/objects/companies/${company}/associations/contacts`);
    expect(fromCompany.body.results[0]).toMatchObject({ toObjectId: Number(contact), associationTypes: [{ typeId: 280 }] });
  });

  it('creates labelled associations in batch and reads them in batch', async () => {
    const created = await call('POST', '/crm/v4/associations/deals/companies/batch/create', {
      inputs: [{ from: { id: deal }, to: { id: company }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }] }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'COMPLETE', results: [{ fromObjectId: Number(deal), toObjectId: Number(company), labels: ['Primary'] }] });
    const read = await call<{ results: { from: { id: string }; to: { toObjectId: number; associationTypes: { typeId: number; label: string | null }[] }[] }[] }>('POST', '/crm/v4/associations/deals/companies/batch/read', { inputs: [{ id: deal }] });
    // A labelled association comes with the pair's unlabelled type.
    expect(read.body.results[0]!.to[0]!.associationTypes).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
      { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
    ]);
    const bad = await call('POST', '/crm/v4/associations/deals/companies/batch/create', { inputs: [{ from: { id: deal }, to: { id: company }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }] });
    expect(bad.status).toBe(400);
  });

  it('associates by default in batch and archives associations', async () => {
    const res = await call('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', { inputs: [{ from: { id: contact }, to: { id: deal } }] });
    expect(res.status).toBe(200);
    expect((await call<Assoc>('GET', `/crm/v4/objects/deals/${deal}/associations/contacts`)).body.results[0]!.associationTypes[0]!.typeId).toBe(3);
    expect((await call('POST', '/crm/v4/associations/contacts/deals/batch/archive', { inputs: [{ from: { id: contact }, to: [{ id: deal }] }] })).status).toBe(204);
    expect((await call<Assoc>('GET', `/crm/v4/objects/deals/${deal}/associations/contacts`)).body.results).toEqual([]);
  });

  it('creates notes with associations and moves associations to the merged contact', async () => {
    const note = await call<{ id: string }>('POST', '/crm/v3/objects/notes', {
      properties: { hs_timestamp: '2026-03-12T10:00:00Z', hs_note_body: 'Called' },
      associations: [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
    });
    expect(note.status).toBe(201);
    expect((await call<Assoc>('GET', `/crm/v4/objects/contacts/${contact}/associations/notes`)).body.results).toEqual([
      { toObjectId: Number(note.body.id), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 201, label: null }] },
    ]);
    const other = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'o@example.com' } })).body.id;
    const merged = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: other, objectIdToMerge: contact })).body.id;
    expect((await call<Assoc>('GET', `/crm/v4/objects/notes/${note.body.id}/associations/contacts`)).body.results.map((r) => r.toObjectId)).toEqual([Number(merged)]);
    const badTarget = await call('POST', '/crm/v3/objects/notes', {
      properties: { hs_timestamp: '2026-03-12T10:00:00Z' },
      associations: [{ to: { id: '999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
    });
    expect(badTarget.status).toBe(400);
  });
});

describe('a contact merge and primary companies', () => {
  it("keeps the primary contact's primary company; the other's stays associated, without the Primary label", async () => {
    const other = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'other@example.com' } })).body.id;
    const otherCompany = (await call<{ id: string }>('POST', '/crm/v3/objects/companies', { properties: { name: 'Globex' } })).body.id;
    const primaryLink = (from: string, to: string) => call('PUT', `/crm/v4/objects/contacts/${from}/associations/companies/${to}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    expect((await primaryLink(contact, company)).status).toBe(201);
    expect((await primaryLink(other, otherCompany)).status).toBe(201);
    // The other contact is the merge's primary: its company stays primary.
    const merged = (await call<{ id: string }>('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: other, objectIdToMerge: contact })).body.id;
    const companies = (await call<Assoc>('GET', `/crm/v4/objects/contacts/${merged}/associations/companies`)).body.results;
    const typesOf = (id: string) => companies.find((r) => r.toObjectId === Number(id))?.associationTypes.map((t) => t.typeId).sort((a, b) => a - b);
    expect(typesOf(otherCompany)).toEqual([1, 279]);
    expect(typesOf(company)).toEqual([279]);
    // Read from the company, too: only the kept one says Primary.
    expect((await call<Assoc>('GET', `/crm/v4/objects/companies/${company}/associations/contacts`)).body.results).toEqual([{ toObjectId: Number(merged), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 280, label: null }] }]);
  });
});

describe('lists v3', () => {
  it('creates a manual list, adds and removes members, and keeps names unique', async () => {
    const created = await call<{ list: { listId: string; name: string; processingType: string; objectTypeId: string } }>('POST', '/crm/v3/lists', { name: 'Customers', objectTypeId: '0-1', processingType: 'MANUAL' });
    expect(created.status).toBe(200);
    expect(created.body.list).toMatchObject({ name: 'Customers', processingType: 'MANUAL', objectTypeId: '0-1' });
    const listId = created.body.list.listId;
    expect((await call('POST', '/crm/v3/lists', { name: 'customers', objectTypeId: '0-1', processingType: 'MANUAL' })).status).toBe(400);
    const added = await call('PUT', `/crm/v3/lists/${listId}/memberships/add`, [contact, '999999']);
    expect(added.body).toEqual({ recordsIdsAdded: [contact], recordIdsMissing: ['999999'] });
    const members = await call<{ results: { recordId: string }[]; total: number }>('GET', `/crm/v3/lists/${listId}/memberships`);
    expect(members.body.results.map((m) => m.recordId)).toEqual([contact]);
    expect((await call<{ list: { size: number } }>('GET', `/crm/v3/lists/${listId}`)).body.list.size).toBe(1);
    const removed = await call('PUT', `/crm/v3/lists/${listId}/memberships/remove`, [contact]);
    expect(removed.body).toEqual({ recordIdsRemoved: [contact], recordIdsMissing: [] });
    expect((await call('GET', `/crm/v3/lists/object-type-id/0-1/name/Customers`)).status).toBe(200);
    expect((await call('DELETE', `/crm/v3/lists/${listId}`)).status).toBe(204);
    expect((await call('GET', `/crm/v3/lists/${listId}`)).status).toBe(404);
  });
});
