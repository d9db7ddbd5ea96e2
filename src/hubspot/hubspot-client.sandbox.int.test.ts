// The client against the hubsync HubSpot sandbox over real HTTP: endpoint shapes, errors,
// injected faults and the sandbox's own rate limiter. Sandbox and client share one manual
// clock; the client's waits move it forward, so rate-limit windows pass without real waiting.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../lib/clock.js';
import { seededRandom, startSandbox, type RunningSandbox } from '../sandbox/index.js';
import {
  ASSOCIATION_TYPE_IDS,
  createHubSpotClient,
  createRateGovernorRegistry,
  HubSpotApiError,
  staticToken,
  type CallRecord,
  type HubSpotClient,
  type HubSpotClientOptions,
} from './index.js';

const manual = new ManualClock();
/** Shared by sandbox and client: every sleep moves time on at once. */
const clock: Clock = {
  now: () => manual.now(),
  sleep: (ms) => {
    manual.advance(ms);
    return Promise.resolve();
  },
};

let sb: RunningSandbox;
let token: string;
let portalId: number;
const opened: HubSpotClient[] = [];

function client(overrides: Partial<HubSpotClientOptions> = {}): HubSpotClient {
  const made = createHubSpotClient({ baseUrl: sb.baseUrl, auth: staticToken(token), portalId, clock, random: () => 0.5, ...overrides });
  opened.push(made);
  return made;
}

beforeAll(async () => {
  sb = await startSandbox({ clock, random: seededRandom(7), tier: 'free', logger: false });
  ({ token, portalId } = sb.control.createPrivateAppToken({ tier: 'free' }));
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await sb.close();
});

describe('client against the sandbox: endpoints', () => {
  it('creates, reads by email, updates, upserts and batch-reads contacts', async () => {
    const hs = client();
    const created = await hs.contacts.create({ properties: { email: 'ada@example.com', firstname: 'Ada' } });
    const byEmail = await hs.contacts.get('ada@example.com', { idProperty: 'email', properties: ['firstname', 'email'] });
    expect(byEmail).toMatchObject({ id: created.id, properties: { firstname: 'Ada' } });

    const updated = await hs.contacts.update(created.id, { firstname: 'Augusta' });
    expect(updated.properties.firstname).toBe('Augusta');

    const upserted = await hs.contacts.batchUpsert([
      { idProperty: 'email', id: 'ada@example.com', properties: { lastname: 'Lovelace' } },
      { idProperty: 'email', id: 'grace@example.com', properties: { firstname: 'Grace' } },
    ]);
    expect(upserted.errors).toEqual([]);
    const existing = upserted.results.find((r) => r.id === created.id);
    expect(existing?.new).toBe(false);
    expect(upserted.results.filter((r) => r.id !== created.id).map((r) => r.new)).toEqual([true]);

    const read = await hs.contacts.batchRead([created.id, '999999999'], { properties: ['lastname'] });
    expect(read.httpStatus).toBe(207);
    expect(read.results.map((r) => [r.id, r.properties.lastname])).toEqual([[created.id, 'Lovelace']]);
    expect(read.errors).toHaveLength(1);
  });

  it('reports a duplicate email as HUBSPOT_CONFLICT with the existing id', async () => {
    const hs = client();
    const first = await hs.contacts.create({ properties: { email: 'dup@example.com' } });
    const error = await hs.contacts.create({ properties: { email: 'dup@example.com' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({ code: 'HUBSPOT_CONFLICT', status: 409, existingObjectId: first.id, retryable: false });
    expect((error as HubSpotApiError).correlationId).toBeTruthy();
  });

  it('reports an invalid email per property', async () => {
    const hs = client();
    const error = await hs.contacts.create({ properties: { email: 'not-an-email' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HUBSPOT_VALIDATION_ERROR', status: 400, category: 'VALIDATION_ERROR' });
    expect((error as HubSpotApiError).validationErrors.map((v) => [v.name, v.error])).toEqual([['email', 'INVALID_EMAIL']]);
  });

  it('lists properties and deal pipelines, associates a company, attaches a note, manages a list', async () => {
    const hs = client();
    const properties = await hs.properties.list('contacts');
    expect(properties.map((p) => p.name)).toContain('email');
    const pipelines = await hs.pipelines.list('deals');
    expect(pipelines.find((p) => p.id === 'default')?.stages.map((s) => s.id)).toContain('closedwon');

    const contact = await hs.contacts.create({ properties: { email: 'assoc@example.com' } });
    const company = await hs.companies.create({ properties: { name: 'Analytical Engines', domain: 'engines.example' } });
    await hs.associations.createDefault('contacts', contact.id, 'companies', company.id);
    const linked = await hs.associations.list('contacts', contact.id, 'companies');
    expect(linked.results.map((r) => String(r.toObjectId))).toEqual([company.id]);

    const note = await hs.notes.create({
      properties: { hs_timestamp: '2026-01-01T00:00:00.000Z', hs_note_body: 'Called.' },
      associations: [
        { to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ASSOCIATION_TYPE_IDS.noteToContact }] },
      ],
    });
    const noteLinks = await hs.associations.batchRead('notes', 'contacts', [note.id]);
    expect(noteLinks.results[0]?.to.map((t) => String(t.toObjectId))).toEqual([contact.id]);

    const list = await hs.lists.create({ name: 'hubsync customers', objectTypeId: '0-1', processingType: 'MANUAL' });
    const added = await hs.lists.addMembers(list.listId, [contact.id]);
    expect(added.recordsIdsAdded ?? []).toContain(contact.id);
    expect((await hs.lists.getByName('hubsync customers'))?.listId).toBe(list.listId);
    expect(await hs.lists.getByName('no such list')).toBeNull();
  });

  it('introspects the private-app token and reads the account', async () => {
    const hs = client();
    const info = await hs.account.privateAppTokenInfo(token);
    expect(info.hubId).toBe(portalId);
    expect(info.scopes).toContain('crm.objects.contacts.read');
    expect((await hs.account.details()).portalId).toBe(portalId);
  });

  it('names the missing scopes', async () => {
    const narrow = sb.control.createPrivateAppToken({ portalId, scopes: ['crm.objects.contacts.read'] });
    const hs = client({ auth: staticToken(narrow.token) });
    const error = await hs.deals.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HUBSPOT_MISSING_SCOPES', status: 403 });
    expect((error as HubSpotApiError).requiredScopes.length).toBeGreaterThan(0);
  });
});

describe('client against the sandbox: faults and limits', () => {
  it('rides out 30 % injected 5xx on reads', async () => {
    sb.control.setFaults({ '500': 0.1, '502': 0.1, '503': 0.1 });
    const calls: CallRecord[] = [];
    const hs = client({ onCall: (c) => calls.push(c) });
    try {
      const pages = await Promise.all(Array.from({ length: 30 }, () => hs.contacts.list({ limit: 1 })));
      expect(pages).toHaveLength(30);
      expect(calls.filter((c) => c.status !== null && c.status >= 500).length).toBeGreaterThan(0);
      expect(calls.filter((c) => c.status === 200)).toHaveLength(30);
    } finally {
      sb.control.setFaults({});
    }
  });

  it('makes 350 calls from 8 callers through the free-tier limit without a single 429', async () => {
    const fresh = sb.control.createPrivateAppToken({ tier: 'free' });
    const registry = createRateGovernorRegistry({ clock });
    const calls: CallRecord[] = [];
    const make = () =>
      client({ auth: staticToken(fresh.token), portalId: fresh.portalId, governor: registry.forPortal(fresh.portalId, 'free'), onCall: (c) => calls.push(c) });
    const clients = [make(), make()]; // two clients of one portal share the governor
    let next = 0;
    const worker = async (i: number) => {
      while (next < 350) {
        next += 1;
        await clients[i % 2]?.contacts.list({ limit: 1 });
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(350);
  });

  it('keeps CRM search inside its own 5 / s budget', async () => {
    const calls: CallRecord[] = [];
    const hs = client({ onCall: (c) => calls.push(c) });
    await hs.contacts.create({ properties: { email: 'searchable@example.com' } });
    const request = { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ' as const, value: 'searchable@example.com' }] }] };
    const results = await Promise.all(Array.from({ length: 17 }, () => hs.contacts.search(request)));
    expect(results.every((r) => r.total === 1)).toBe(true);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
  });

  it('adopts the Remaining header when another process has spent the budget, avoiding 429s', async () => {
    const fresh = sb.control.createPrivateAppToken({ tier: 'free' });
    const calls: CallRecord[] = [];
    // Two governors for one token model two processes that do not know of each other.
    const a = client({ auth: staticToken(fresh.token) });
    const b = client({ auth: staticToken(fresh.token), onCall: (c) => calls.push(c) });
    await Promise.all(Array.from({ length: 80 }, () => a.contacts.list({ limit: 1 })));
    await b.contacts.list({ limit: 1 }); // answers Remaining: 19
    const results = await Promise.all(Array.from({ length: 60 }, () => b.contacts.list({ limit: 1 })));
    expect(results).toHaveLength(60);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
  });

  it('retries the sandbox’s 429s when it could not know the budget was spent', async () => {
    const fresh = sb.control.createPrivateAppToken({ tier: 'free' });
    const calls: CallRecord[] = [];
    const a = client({ auth: staticToken(fresh.token) });
    const b = client({ auth: staticToken(fresh.token), onCall: (c) => calls.push(c) });
    await Promise.all(Array.from({ length: 95 }, () => a.contacts.list({ limit: 1 })));
    const results = await Promise.all(Array.from({ length: 30 }, () => b.contacts.list({ limit: 1 })));
    expect(results).toHaveLength(30);
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.every((c) => c.retried && c.rateLimited)).toBe(true);
    expect(calls.filter((c) => c.status === 200)).toHaveLength(30);
  });
});
