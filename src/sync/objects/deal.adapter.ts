// Deals → HubSpot deals, with their associations to the deal's contacts and company. Deals have
// no natural key, so hubsync owns one: the unique deal property `hubsync_deal_id` holding the
// deal's id, made sure of once per run (`begin`); new deals are batch upserted by it, so a batch
// replayed after a crash finds the deals it created instead of creating them twice. Values come
// from deal-values.ts (shared with the deal status refresh, so the stored current hash is the
// hash the engine computes). A deal whose stage has no saved mapping is refused before sending.
//
// Associations (`associate`, after a batch is written): deal → contact (type 3) for each linked
// customer, deal → company (primary, type 5; HubSpot adds the unlabelled 341) for its
// organization, one batch call per kind for the whole batch. `deals.synced_links` remembers what
// hubsync associated, so a run creates only new associations and archives only those hubsync
// made for links since removed; associations made in HubSpot by people are never touched.
import { ASSOCIATION_TYPE_IDS, isHubSpotApiError, type AssociationSpec, type BatchResult } from '../../hubspot/index.js';
import { isRunFatal } from '../run-fatal.js';
import type { Deal, SyncStatus } from '../../store/index.js';
import {
  countDealsByStatus,
  dealsHaveWorkSince,
  findDealsForSync,
  linkTargetsOf,
  pageIdsByStatus,
  readDealSyncedLinks,
  recordDealPushSuccesses,
  saveDealSyncedLinks,
  setDealSyncStates,
  STATUS_LABELS,
  recordPushFailure,
  syncedValuesOf,
} from '../../store/index.js';
import { DEAL_KEY_PROPERTY, DEALS, DEFAULT_DEAL_PROPERTIES, dealLinks, dealOwnerWarning, dealPropertiesFor, dealStatus, loadDealValuesContext, stageRefusal, type DealValuesContext } from '../deal-values.js';
import { readSyncSettings } from '../sync-settings.js';
import type { AcceptedRecord, AssociationContext, ObjectAdapter } from './object-adapter.js';

/** HubSpot's limit of inputs per associations batch create or archive. */
const ASSOCIATION_BATCH_MAX = 2_000;
const TO_CONTACT: AssociationSpec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ASSOCIATION_TYPE_IDS.dealToContact };
const TO_PRIMARY_COMPANY: AssociationSpec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ASSOCIATION_TYPE_IDS.dealToCompanyPrimary };

/**
 * deals.synced_links: the HubSpot ids hubsync last associated the deal with, by kind, and the
 * HubSpot deal they were made for (a deal recreated in HubSpot starts with none).
 */
export interface SyncedLinks {
  deal: string;
  contacts: string[];
  companies: string[];
}

export function parseSyncedLinks(raw: string | null | undefined, hubspotDealId: string): SyncedLinks {
  const parsed = raw ? (JSON.parse(raw) as Partial<SyncedLinks>) : undefined;
  if (parsed?.deal !== hubspotDealId) return { deal: hubspotDealId, contacts: [], companies: [] };
  return { deal: hubspotDealId, contacts: parsed.contacts ?? [], companies: parsed.companies ?? [] };
}

function notInHubSpot(what: string, id: string, target: { status: SyncStatus } | undefined): string {
  const why = target ? `its status is ${STATUS_LABELS[target.status]}` : 'it was not found';
  return `The deal is in HubSpot but not associated yet: its ${what} ${id} is not in HubSpot (${why}). The association is tried again on the next sync.`;
}


/** One kind of association change for a batch: its inputs, each tagged with the local deal it is for. */
interface Planned<I> {
  deals: string[];
  inputs: I[];
}

/**
 * Sends one kind of association change in calls of at most 2,000 inputs and returns, per local
 * deal, why its part failed. HubSpot names the ids it could not associate; a call refused as a
 * whole fails every deal in it.
 */
async function send<I>(planned: Planned<I>, call: (inputs: I[]) => Promise<BatchResult<unknown> | void>, idsOf: (input: I) => string[], failures: Map<string, string>): Promise<void> {
  for (let i = 0; i < planned.inputs.length; i += ASSOCIATION_BATCH_MAX) {
    const inputs = planned.inputs.slice(i, i + ASSOCIATION_BATCH_MAX);
    const deals = planned.deals.slice(i, i + ASSOCIATION_BATCH_MAX);
    try {
      const result = await call(inputs);
      for (const error of result?.errors ?? []) {
        const named = new Set(Object.values(error.context ?? {}).flat());
        inputs.forEach((input, k) => {
          if (named.size === 0 || idsOf(input).some((id) => named.has(id))) failures.set(deals[k]!, `HubSpot did not associate the deal: ${error.message}`);
        });
      }
    } catch (error) {
      if (isRunFatal(error) || !isHubSpotApiError(error)) throw error;
      for (const deal of deals) failures.set(deal, `HubSpot did not associate the deal: ${error.hubspotMessage ?? error.message}`);
    }
  }
}

async function associateDeals(context: AssociationContext, accepted: readonly AcceptedRecord<Deal>[]): Promise<ReadonlyMap<string, string>> {
  const { db, client, workspaceId, tag } = context;
  const ids = accepted.map((a) => a.record.id);
  // An organization is associated only while companies are pushed (else it has no company to be).
  const withCompanies = (await readSyncSettings(db, workspaceId)).syncCompanies;
  const [stored, customers, organizations] = await Promise.all([
    readDealSyncedLinks(db, workspaceId, ids),
    linkTargetsOf(db, 'customers', workspaceId, accepted.flatMap((a) => a.record.record.customerIds)),
    withCompanies ? linkTargetsOf(db, 'organizations', workspaceId, accepted.flatMap((a) => (a.record.record.organizationId ? [a.record.record.organizationId] : []))) : new Map(),
  ]);
  const failures = new Map<string, string>();
  const contactsToCreate: Planned<{ from: { id: string }; to: { id: string }; types: AssociationSpec[] }> = { deals: [], inputs: [] };
  const companiesToCreate: typeof contactsToCreate = { deals: [], inputs: [] };
  const contactsToArchive: Planned<{ from: { id: string }; to: { id: string }[] }> = { deals: [], inputs: [] };
  const companiesToArchive: typeof contactsToArchive = { deals: [], inputs: [] };
  const next = new Map<string, SyncedLinks>();
  for (const { record, hubspotId } of accepted) {
    const deal = record.record;
    const synced = parseSyncedLinks(stored.get(deal.id), hubspotId);
    const contacts: string[] = [];
    let problem: string | null = null;
    for (const customerId of deal.customerIds) {
      const target = customers.get(customerId);
      if (target?.hubspotId) contacts.push(target.hubspotId);
      else problem ??= notInHubSpot('customer', customerId, target);
    }
    let companies = synced.companies;
    if (withCompanies) {
      const target = deal.organizationId ? organizations.get(deal.organizationId) : undefined;
      if (deal.organizationId && !target?.hubspotId) problem ??= notInHubSpot('organization', deal.organizationId, target);
      companies = target?.hubspotId ? [target.hubspotId] : [];
    }
    if (problem !== null) {
      failures.set(deal.id, problem);
      continue;
    }
    const from = { id: hubspotId };
    for (const to of contacts.filter((c) => !synced.contacts.includes(c))) {
      contactsToCreate.deals.push(deal.id);
      contactsToCreate.inputs.push({ from, to: { id: to }, types: [TO_CONTACT] });
    }
    const goneContacts = synced.contacts.filter((c) => !contacts.includes(c));
    if (goneContacts.length > 0) {
      contactsToArchive.deals.push(deal.id);
      contactsToArchive.inputs.push({ from, to: goneContacts.map((id) => ({ id })) });
    }
    for (const to of companies.filter((c) => !synced.companies.includes(c))) {
      companiesToCreate.deals.push(deal.id);
      companiesToCreate.inputs.push({ from, to: { id: to }, types: [TO_PRIMARY_COMPANY] });
    }
    const goneCompanies = synced.companies.filter((c) => !companies.includes(c));
    if (goneCompanies.length > 0) {
      companiesToArchive.deals.push(deal.id);
      companiesToArchive.inputs.push({ from, to: goneCompanies.map((id) => ({ id })) });
    }
    next.set(deal.id, { deal: hubspotId, contacts, companies });
  }
  const options = { tag };
  const archivedIds = (input: { from: { id: string }; to: { id: string }[] }) => [input.from.id, ...input.to.map((t) => t.id)];
  const createdIds = (input: { from: { id: string }; to: { id: string } }) => [input.from.id, input.to.id];
  // Removed links first, so a deal moved to another organization never holds two primary companies.
  await send(contactsToArchive, (inputs) => client.associations.batchArchive(DEALS, 'contacts', inputs, options), archivedIds, failures);
  await send(companiesToArchive, (inputs) => client.associations.batchArchive(DEALS, 'companies', inputs, options), archivedIds, failures);
  await send(contactsToCreate, (inputs) => client.associations.batchCreate(DEALS, 'contacts', inputs, options), createdIds, failures);
  await send(companiesToCreate, (inputs) => client.associations.batchCreate(DEALS, 'companies', inputs, options), createdIds, failures);
  // What went through is remembered; a deal with a failure keeps its old links and is retried.
  const saved = [...next].filter(([id]) => !failures.has(id)).map(([id, links]) => ({ id, syncedLinks: JSON.stringify(links) }));
  await saveDealSyncedLinks(db, workspaceId, saved);
  return failures;
}

export const dealAdapter: ObjectAdapter<Deal, DealValuesContext> = {
  objectType: DEALS,
  noun: 'deal',
  key: { property: DEAL_KEY_PROPERTY, normalize: (value) => value },
  defaultMapping: DEFAULT_DEAL_PROPERTIES,
  setting: 'syncDeals',

  pageIds: (db, workspaceId, statuses, after, limit, among) => pageIdsByStatus(db, workspaceId, statuses, after, limit, among, DEALS),
  async load(db, workspaceId, ids) {
    return (await findDealsForSync(db, workspaceId, ids)).map(({ deal, syncedValues }) => ({
      id: deal.id,
      hubspotId: deal.sync.hubspotId,
      status: deal.sync.status,
      lastAttemptAt: deal.sync.lastAttemptAt,
      record: deal,
      base: syncedValuesOf(syncedValues),
    }));
  },
  countByStatus: (db, workspaceId) => countDealsByStatus(db, workspaceId),
  hasWorkSince: (db, workspaceId, statuses, since) => dealsHaveWorkSince(db, workspaceId, statuses, since),

  mapping: (db, workspaceId) => loadDealValuesContext(db, workspaceId),
  properties: (deal, context) => dealPropertiesFor(deal, context),
  warning: (deal, context) => dealOwnerWarning(deal, context),
  links: (deal) => dealLinks(deal),
  refusal: (properties, deal) => (properties['dealstage'] ? null : stageRefusal(deal)),

  async begin({ client, tag }) {
    await client.properties.ensureUnique(DEALS, { name: DEAL_KEY_PROPERTY, label: 'hubsync deal id', description: 'The id of this deal in hubsync; hubsync finds the deal by it.' }, { tag });
  },
  associate: associateDeals,

  async recordSuccesses(db, workspaceId, results, at) {
    await recordDealPushSuccesses(db, workspaceId, results, at);
    return [];
  },
  recordFailure: (db, workspaceId, id, failure) => recordPushFailure(db, workspaceId, id, failure, 'deals'),
  async refreshStatuses(db, workspaceId, ids) {
    const changes = (await findDealsForSync(db, workspaceId, ids)).flatMap(({ deal, currentHash }) => {
      const status = dealStatus(deal.sync, currentHash);
      return status === deal.sync.status || currentHash === null ? [] : [{ id: deal.id, currentHash, status }];
    });
    await setDealSyncStates(db, workspaceId, changes);
  },
  customerIdOf: () => null,
  labelOf: (record) => ({ name: record.record.name, email: null }),
};
