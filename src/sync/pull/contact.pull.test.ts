// Merging a pulled contact into a customer, pure: conversions by the local field's type, echoes,
// conflicts, Pull only fields, and properties HubSpot did not send.
import { describe, expect, it } from 'vitest';
import type { CrmObject } from '../../hubspot/index.js';
import type { CustomFieldDefinition } from '../../records/index.js';
import type { Customer } from '../../store/index.js';
import { contactPullContext, contactPullSpec } from './contact.pull.js';
import { importRecord, mergeRecord } from './record-pull.js';

const definition = (key: string, type: CustomFieldDefinition['type'], options: string[] = []): CustomFieldDefinition => ({
  id: `cf_${key}`,
  key,
  label: key,
  type,
  options: options.map((value) => ({ value, label: value })),
  archived: false,
  createdAt: 0,
  updatedAt: 0,
});
const customFields = [definition('since', 'date'), definition('seats', 'number'), definition('vip', 'boolean'), definition('topics', 'multiple_choice', ['a', 'b'])];
const mapping = { email: 'email', firstName: 'firstname', city: 'city', 'custom.since': 'since', 'custom.seats': 'seats', 'custom.vip': 'vip', 'custom.topics': 'topics' };
const context = contactPullContext({ mapping, owners: new Map() }, { mapping, directions: {} }, customFields, ['customer']);

const customer = (values: Partial<Customer> = {}): Customer => ({
  id: 'cus_1',
  workspaceId: 'ws',
  externalId: null,
  firstName: 'Ada',
  lastName: null,
  email: 'ada@example.com',
  phone: null,
  street: null,
  city: 'Bern',
  postalCode: null,
  region: null,
  country: null,
  companyName: null,
  lifecycleStage: null,
  ownerUserId: null,
  tags: [],
  custom: { since: '2024-05-01', seats: 5, vip: true, topics: ['a', 'b'] },
  fieldUpdatedAt: { firstName: 100, city: 100 },
  createdAt: 0,
  updatedAt: 0,
  version: 1,
  sync: { hubspotId: '7', status: 'synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  ...values,
});
const base = { email: 'ada@example.com', firstname: 'Ada', city: 'Bern', since: '2024-05-01', seats: '5', vip: 'true', topics: 'a;b' };
const contact = (properties: Record<string, string | null>): CrmObject => ({ id: '7', properties: { lastmodifieddate: '2026-01-01T00:00:00.000Z', ...base, ...properties }, createdAt: '', updatedAt: '', archived: false });

describe('merging a pulled contact', () => {
  it('changes nothing when HubSpot holds the base, in HubSpot\'s own spelling of the values', () => {
    const merged = mergeRecord(contactPullSpec, customer(), base, contact({ since: String(Date.parse('2024-05-01T00:00:00Z')), seats: '5.0', email: 'ADA@example.com' }), context, undefined, 1);
    expect(merged.changed).toBe(false);
    expect(merged.conflicts).toEqual([]);
    expect(merged.problems).toEqual([]);
  });

  it('converts HubSpot\'s changes to the field types', () => {
    const merged = mergeRecord(contactPullSpec, customer(), base, contact({ seats: '12', vip: 'false', topics: 'b', city: null }), context, undefined, 1);
    expect(merged.values).toMatchObject({ city: null, custom: { seats: 12, vip: false, topics: ['b'], since: '2024-05-01' } });
    expect(merged.base).toMatchObject({ seats: '12', vip: 'false', topics: 'b', city: '' });
    expect(merged.values.fieldUpdatedAt).toMatchObject({ 'custom.seats': 1, city: 1 });
  });

  it('reports a value the field cannot hold and keeps the local one', () => {
    const merged = mergeRecord(contactPullSpec, customer(), base, contact({ seats: 'many', topics: 'a;z' }), context, undefined, 1);
    expect(merged.values.custom).toMatchObject({ seats: 5, topics: ['a', 'b'] });
    expect(merged.problems.map((p) => p.field)).toEqual(['custom.seats', 'custom.topics']);
    expect(merged.base).toEqual(base);
  });

  it('leaves a field alone when HubSpot did not send its property', () => {
    const sent = contact({});
    delete sent.properties['city'];
    expect(mergeRecord(contactPullSpec, customer(), base, sent, context, undefined, 1).values.city).toBe('Bern');
  });

  it('decides a conflict by the change times given, and records both values', () => {
    const local = customer({ firstName: 'Ada L.', fieldUpdatedAt: { firstName: 500 } });
    const hubspotLater = mergeRecord(contactPullSpec, local, base, contact({ firstname: 'Ada K.' }), context, new Map([['firstname', 900]]), 1);
    expect(hubspotLater.values.firstName).toBe('Ada K.');
    expect(hubspotLater.conflicts).toEqual([{ field: 'firstName', property: 'firstname', localValue: 'Ada L.', hubspotValue: 'Ada K.', localChangedAt: 500, hubspotChangedAt: 900, winner: 'hubspot' }]);
    const localLater = mergeRecord(contactPullSpec, local, base, contact({ firstname: 'Ada K.' }), context, new Map([['firstname', 400]]), 1);
    expect(localLater.values.firstName).toBe('Ada L.');
    expect(localLater.base['firstname']).toBe('Ada K.');
  });

  it('for a customer just linked whose contact was created seconds from it, gives every conflict to the older copy, whatever the change times', () => {
    const windowed = contactPullContext({ mapping, owners: new Map() }, { mapping, directions: {} }, customFields, ['customer'], new Map(), 60_000);
    const local = customer({ firstName: 'Ada L.', city: null, createdAt: 1_000, fieldUpdatedAt: { firstName: 1_000 }, sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null } });
    const made = (createdAt: string) => ({ ...contact({ firstname: 'Ada K.', city: 'Basel' }), createdAt });
    // Here first, HubSpot 3 s later (its first name is the later change): the local copy is canonical; HubSpot's fills the empty city.
    const localOlder = made(new Date(4_000).toISOString());
    const canonical = contactPullSpec.canonicalOnLink!(local, localOlder, windowed);
    expect(canonical).toBe('local');
    const merged = mergeRecord(contactPullSpec, local, {}, localOlder, windowed, new Map([['firstname', 4_000]]), 9_000, canonical);
    expect(merged.values).toMatchObject({ firstName: 'Ada L.', city: 'Basel' });
    expect(merged.conflicts.map((c) => [c.field, c.winner])).toEqual([['firstName', 'local']]);
    // Five minutes apart: no longer the same creation, the later change wins.
    expect(contactPullSpec.canonicalOnLink!(local, made(new Date(301_000).toISOString()), windowed)).toBeNull();
    // The window off: by time.
    expect(contactPullSpec.canonicalOnLink!(local, localOlder, context)).toBeNull();
  });

  it('takes HubSpot\'s value of a Pull only field both sides changed, without a conflict, and keeps a local edit HubSpot did not touch', () => {
    const pullOnly = contactPullContext({ mapping, owners: new Map() }, { mapping, directions: { firstName: 'pull' } }, customFields, ['customer']);
    const local = customer({ firstName: 'Ada L.', fieldUpdatedAt: { firstName: 500 } });
    const both = mergeRecord(contactPullSpec, local, base, contact({ firstname: 'Ada K.' }), pullOnly, new Map([['firstname', 400]]), 1);
    expect(both.conflicts).toEqual([]);
    expect(both.values.firstName).toBe('Ada K.');
    expect(both.base['firstname']).toBe('Ada K.');
    // The same local edit with both ways on is a conflict the later (local) change wins.
    expect(mergeRecord(contactPullSpec, local, base, contact({ firstname: 'Ada K.' }), context, new Map([['firstname', 400]]), 1).values.firstName).toBe('Ada L.');
    const onlyLocal = mergeRecord(contactPullSpec, local, base, contact({}), pullOnly, undefined, 1);
    expect(onlyLocal).toMatchObject({ changed: false, conflicts: [] });
    expect(onlyLocal.values.firstName).toBe('Ada L.');
  });

  it('leaves a Push only field unread', () => {
    const pushOnly = contactPullContext({ mapping, owners: new Map() }, { mapping, directions: { city: 'push' } }, customFields, ['customer']);
    const merged = mergeRecord(contactPullSpec, customer(), base, contact({ city: 'Basel' }), pushOnly, undefined, 1);
    expect(merged).toMatchObject({ changed: false, conflicts: [], base });
    expect(merged.values.city).toBe('Bern');
  });

  it('makes a new customer with the stage as its lifecycle field and tag', () => {
    const { record: made, problems } = importRecord(contactPullSpec, 'ws', 'cus_2', contact({ firstname: 'Neu', seats: 'x', lifecyclestage: 'customer' }), context, 1)!;
    expect(made).toMatchObject({ firstName: 'Neu', email: 'ada@example.com', lifecycleStage: 'customer', tags: ['lifecycle:customer'], sync: { hubspotId: '7' } });
    expect(problems.map((p) => p.field)).toEqual(['custom.seats']);
  });
});
