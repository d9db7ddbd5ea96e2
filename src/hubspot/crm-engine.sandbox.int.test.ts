// The client's endpoints for pushing companies, deals and notes, against the hubsync sandbox
// over real HTTP: unique properties and batch upsert by them, owners, pipelines, associations
// and notes. Sandbox and client share one manual clock so rate windows pass without waiting.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../lib/clock.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ASSOCIATION_TYPE_IDS, createHubSpotClient, HubSpotApiError, staticToken, type HubSpotClient } from './index.js';

const manual = new ManualClock();
const clock: Clock = {
  now: () => manual.now(),
  sleep: (ms) => {
    manual.advance(ms);
    return Promise.resolve();
  },
};

let sb: RunningSandbox;
let portalId: number;
let hub: HubSpotClient;

beforeAll(async () => {
  sb = await startSandbox({ clock, logger: false });
});
beforeEach(async () => {
  await hub?.close();
  sb.control.reset();
  const made = sb.control.createPrivateAppToken({ tier: 'pro' });
  portalId = made.portalId;
  hub = createHubSpotClient({ baseUrl: sb.baseUrl, auth: staticToken(made.token), portalId, clock, random: () => 0.5 });
});
afterAll(async () => {
  await hub.close();
  await sb.close();
});

describe('unique properties and batch upsert by them', () => {
  it('ensureUnique creates the property once, then finds it; batch upsert by it creates then updates', async () => {
    const first = await hub.properties.ensureUnique('companies', { name: 'hubsync_id', label: 'hubsync id' });
    expect(first).toMatchObject({ name: 'hubsync_id', hasUniqueValue: true, groupName: 'companyinformation' });
    const again = await hub.properties.ensureUnique('companies', { name: 'hubsync_id', label: 'hubsync id' });
    expect(again.createdAt).toBe(first.createdAt);

    const inputs = [
      { idProperty: 'hubsync_id', id: 'co-1', properties: { name: 'Acme' } },
      { idProperty: 'hubsync_id', id: 'co-2', properties: { name: 'Globex' } },
    ];
    const created = await hub.companies.batchUpsert(inputs);
    expect(created.httpStatus).toBe(200);
    expect(created.results.map((r) => r.new)).toEqual([true, true]);
    const updated = await hub.objects('companies').batchUpsert([{ idProperty: 'hubsync_id', id: 'co-1', properties: { name: 'Acme Ltd' } }]);
    expect(updated.results[0]).toMatchObject({ new: false, id: created.results.find((r) => r.properties['name'] === 'Acme')!.id });
  });

  it('ensureUnique refuses a same-named property without unique values', async () => {
    await hub.properties.create('deals', { name: 'hubsync_id', label: 'x', type: 'string', fieldType: 'text', groupName: 'dealinformation' });
    const err = await hub.properties.ensureUnique('deals', { name: 'hubsync_id', label: 'hubsync id' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotApiError);
    expect((err as HubSpotApiError).code).toBe('HUBSPOT_CONFLICT');
  });

  it('a taken unique value is a HUBSPOT_CONFLICT naming the existing record; a non-unique idProperty a validation error', async () => {
    await hub.properties.ensureUnique('notes', { name: 'hubsync_id', label: 'hubsync id' });
    const note = await hub.notes.create({ properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_note_body: 'a', hubsync_id: 'n-1' } });
    const err = await hub.notes.create({ properties: { hs_timestamp: '2026-01-01T00:00:00Z', hubsync_id: 'n-1' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HUBSPOT_CONFLICT', status: 409, existingObjectId: note.id });
    const bad = await hub.companies.batchUpsert([{ idProperty: 'name', id: 'Acme', properties: {} }]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'HUBSPOT_VALIDATION_ERROR', status: 400 });
  });
});

describe('owners', () => {
  it('listAll follows the pages; archived owners are listed apart; an unknown owner id on a record is a validation error', async () => {
    for (let i = 0; i < 620; i++) sb.control.addOwner(portalId, { email: `rep${i}@example.com`, firstName: `Rep ${i}` });
    const calls: string[] = [];
    const counted = createHubSpotClient({
      baseUrl: sb.baseUrl,
      auth: staticToken(sb.control.createPrivateAppToken({ portalId, tier: 'pro' }).token),
      clock,
      onCall: (c) => calls.push(c.route),
    });
    try {
      const all = await counted.owners.listAll();
      expect(all).toHaveLength(621);
      expect(new Set(all.map((o) => o.id)).size).toBe(621);
      expect(calls).toEqual(['/crm/v3/owners', '/crm/v3/owners']);
    } finally {
      await counted.close();
    }
    const rep = (await hub.owners.list({ email: 'rep7@example.com' })).results[0]!;
    expect(rep).toMatchObject({ firstName: 'Rep 7', archived: false });
    sb.control.archiveOwner(portalId, rep.id);
    expect((await hub.owners.listAll({ archived: true })).map((o) => o.id)).toEqual([rep.id]);
    expect((await hub.owners.get(rep.id, { archived: true })).userId).toBeNull();

    const active = (await hub.owners.list({ email: 'rep8@example.com' })).results[0]!;
    const company = await hub.companies.create({ properties: { name: 'Owned', hubspot_owner_id: active.id } });
    expect(company.properties['hubspot_owner_id']).toBe(active.id);
    const err = await hub.companies.update(company.id, { hubspot_owner_id: rep.id }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HUBSPOT_VALIDATION_ERROR' });
    expect((err as HubSpotApiError).validationErrors?.[0]).toMatchObject({ name: 'hubspot_owner_id', error: 'INVALID_OWNER_ID' });
  });
});

describe('associations', () => {
  const spec = (associationTypeId: number) => ({ associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId });

  it('reads labels, creates with inline and v4 associations, moves the primary label, removes labels and pairs', async () => {
    const labels = await hub.associations.labels('deals', 'companies');
    expect(labels).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: ASSOCIATION_TYPE_IDS.dealToCompanyPrimary, label: 'Primary' },
      { category: 'HUBSPOT_DEFINED', typeId: ASSOCIATION_TYPE_IDS.dealToCompany, label: null },
    ]);
    const companies = await hub.companies.batchCreate([{ properties: { name: 'A' } }, { properties: { name: 'B' } }]);
    const [a, b] = companies.results.map((c) => c.id) as [string, string];
    const contact = await hub.contacts.create({ properties: { email: 'buyer@example.com' } });
    const deals = await hub.deals.batchCreate([
      {
        properties: { dealname: 'Big', pipeline: 'default', dealstage: 'qualifiedtobuy' },
        associations: [
          { to: { id: a }, types: [spec(ASSOCIATION_TYPE_IDS.dealToCompanyPrimary)] },
          { to: { id: contact.id }, types: [spec(ASSOCIATION_TYPE_IDS.dealToContact)] },
        ],
      },
    ]);
    const deal = deals.results[0]!.id;
    const typesOf = async (): Promise<Record<string, number[]>> => {
      const page = await hub.associations.list('deals', deal, 'companies');
      return Object.fromEntries(page.results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.typeId).sort((x, y) => x - y)]));
    };
    expect(await typesOf()).toEqual({ [a]: [5, 341] });

    const created = await hub.associations.create('deals', deal, 'companies', b, [spec(ASSOCIATION_TYPE_IDS.dealToCompanyPrimary)]);
    expect(created.labels).toEqual(['Primary']);
    expect(await typesOf()).toEqual({ [a]: [341], [b]: [5, 341] });

    await hub.associations.batchArchiveLabels('deals', 'companies', [{ from: { id: deal }, to: { id: b }, types: [spec(ASSOCIATION_TYPE_IDS.dealToCompanyPrimary)] }]);
    expect(await typesOf()).toEqual({ [a]: [341], [b]: [341] });
    await hub.associations.remove('deals', deal, 'companies', a);
    expect(await typesOf()).toEqual({ [b]: [341] });
    await hub.associations.batchArchive('companies', 'deals', [{ from: { id: b }, to: [{ id: deal }] }]);
    expect(await typesOf()).toEqual({});

    const read = await hub.associations.batchRead('contacts', 'deals', [contact.id]);
    expect(read.results[0]!.to.map((t) => String(t.toObjectId))).toEqual([deal]);
  });
});

describe('deal pipelines', () => {
  it('reads every pipeline with its stages; a deal in a stage of another pipeline is refused', async () => {
    const added = sb.control.addDealPipeline(portalId, { label: 'Renewals', stages: [{ label: 'Open', probability: 0.5 }, { id: 'renewed', label: 'Renewed', probability: 1, isClosed: true }] });
    const pipelines = await hub.pipelines.list('deals');
    expect(pipelines.map((p) => p.id)).toEqual(['default', added.id]);
    const won = pipelines[0]!.stages.find((s) => s.metadata['isClosed'] === 'true' && s.metadata['probability'] === '1.0');
    expect(won?.id).toBe('closedwon');
    expect((await hub.pipelines.get('deals', added.id)).stages.map((s) => s.label)).toEqual(['Open', 'Renewed']);
    const err = await hub.deals.create({ properties: { dealname: 'D', pipeline: added.id, dealstage: 'closedwon' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HUBSPOT_VALIDATION_ERROR' });
    expect((err as HubSpotApiError).validationErrors?.[0]).toMatchObject({ name: 'dealstage', error: 'INVALID_OPTION' });
    const ok = await hub.deals.create({ properties: { dealname: 'D', pipeline: added.id, dealstage: 'renewed' } });
    expect(ok.properties['dealstage']).toBe('renewed');
  });
});

describe('notes', () => {
  it('creates notes attached to a contact, a company and a deal, and reads them from each side', async () => {
    const contact = await hub.contacts.create({ properties: { email: 'n@example.com' } });
    const company = await hub.companies.create({ properties: { name: 'Acme' } });
    const deal = await hub.deals.create({ properties: { dealname: 'D' } });
    const spec = (associationTypeId: number) => [{ associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId }];
    const notes = await hub.notes.batchCreate([
      {
        properties: { hs_timestamp: '2026-03-01T09:30:00Z', hs_note_body: 'First call' },
        associations: [
          { to: { id: contact.id }, types: spec(ASSOCIATION_TYPE_IDS.noteToContact) },
          { to: { id: company.id }, types: spec(ASSOCIATION_TYPE_IDS.noteToCompany) },
          { to: { id: deal.id }, types: spec(ASSOCIATION_TYPE_IDS.noteToDeal) },
        ],
      },
    ]);
    const note = notes.results[0]!;
    expect(note.properties['hs_note_body']).toBe('First call');
    for (const [type, id] of [['contacts', contact.id], ['companies', company.id], ['deals', deal.id]] as const) {
      const page = await hub.associations.list(type, id, 'notes');
      expect(page.results.map((r) => String(r.toObjectId))).toEqual([note.id]);
    }
    const missing = await hub.notes.create({ properties: { hs_note_body: 'no timestamp' } }).catch((e: unknown) => e);
    expect((missing as HubSpotApiError).validationErrors?.[0]).toMatchObject({ name: 'hs_timestamp', error: 'REQUIRED_PROPERTY' });
  });
});
