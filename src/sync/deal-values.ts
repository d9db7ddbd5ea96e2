// What a deal pushes to HubSpot, in one place for the two that must agree on it: the deals
// adapter of the push engine (objects/deal.adapter.ts), which sends the values and stores their
// hash as `synced_hash`, and the deal status refresh (deal service writes, a saved stage
// mapping, a linked owner), which stores the hash of what the deal would push now as
// `current_hash`. Equal hashes read Synced; anything that changes what would be sent — a value,
// a linked customer or organization, the stage mapping, the owner link — reads Needs update.
//
// Everything here reads the database only: the stage comes from the admin's saved mapping
// (deal_stage_mappings), not from HubSpot's live pipelines, so a status can be computed without
// a call. A deal whose stage has no saved mapping carries no `dealstage` and is refused before
// sending (HubSpot requires one).
import type { Db, Deal, SyncStatus } from '../store/index.js';
import { findDealsForSync, listDealStageMappings, listMembersOfWorkspace, pageIdsByStatus, setDealSyncStates, SYNC_STATUSES } from '../store/index.js';
import { formatValue, readField, recordHash, type Mapping, type MappingRules } from './field-mapping.js';
import { ownerIdsFor } from './owner-ids.js';
import { mappingInForce } from './status-refresh.js';
import { computeStatus } from './sync-status.js';

export const DEALS = 'deals';

/** The hubsync-owned unique deal property a batch upsert matches deals by; its value is the deal's id. */
export const DEAL_KEY_PROPERTY = 'hubsync_deal_id';

/** Deal field → HubSpot deal property, before an admin saved a deals mapping. Stage, pipeline and owner are resolved apart. */
export const DEFAULT_DEAL_PROPERTIES: Readonly<Mapping> = {
  name: 'dealname',
  amount: 'amount',
  currency: 'deal_currency_code',
  closeDate: 'closedate',
};

/** The deals mapping's rules (Field mapping tab, Deals): stage, pipeline, owner and key are hubsync's. */
export const DEAL_RULES: MappingRules = {
  noun: 'deal',
  hubspotNoun: 'deal',
  builtIns: [
    { key: 'name', label: 'Deal name' },
    { key: 'amount', label: 'Amount', type: 'number' },
    // An ISO 4217 code: fits HubSpot's currency choice list.
    { key: 'currency', label: 'Currency', type: 'single_choice' },
    { key: 'closeDate', label: 'Close date', type: 'date' },
  ],
  defaults: DEFAULT_DEAL_PROPERTIES,
  locked: {},
  reserved: {
    [DEAL_KEY_PROPERTY]: "it holds the deal's id, by which hubsync finds the deal again.",
    pipeline: 'it comes from the stage mapping (HubSpot → Deal stages).',
    dealstage: 'it comes from the stage mapping (HubSpot → Deal stages).',
    hubspot_owner_id: "it comes from the deal's owner (HubSpot → Owners).",
  },
};

/** Every deal's hash and status again, in pages (after the deals mapping changed). */
export async function refreshAllDeals(db: Db, workspaceId: string): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const ids = await pageIdsByStatus(db, workspaceId, SYNC_STATUSES, after, 500, undefined, 'deals');
    if (ids.length === 0) return;
    await refreshDealSyncStates(db, workspaceId, ids);
    after = ids.at(-1);
  }
}

export interface HubSpotStageRef {
  hubspotPipelineId: string;
  hubspotStageId: string;
}

/** What a deal's values are computed with, read once (per run, or per write). */
export interface DealValuesContext {
  /** Deal field (`name`, …, `custom.<key>`) → HubSpot property, for the fields the push sends (Pull only ones left out). */
  mapping: Mapping;
  /** The saved HubSpot pipeline and stage of a local (pipeline, stage), or null when unmapped. */
  stageOf(pipeline: string, stage: string): HubSpotStageRef | null;
  /** Local user id → the HubSpot owner to send, or why none is sent (ownerIdsFor). */
  owners: ReadonlyMap<string, { ownerId: string } | { problem: string }>;
}

const stageKey = (pipeline: string, stage: string) => `${pipeline}\u0000${stage}`;

/**
 * What the deal push sends for a local stage: the admin's saved mapping (HubSpot → Deal stages),
 * or null when the stage is not mapped (the deal is then refused: `stageRefusal`). Suggestions
 * only prefill that tab: a deal is sent once its stage's mapping is saved, so the status of a
 * deal never depends on HubSpot's live pipelines.
 */
export async function dealStageResolver(db: Db, workspaceId: string): Promise<(pipeline: string, stage: string) => HubSpotStageRef | null> {
  const stages = await listDealStageMappings(db, workspaceId);
  const byPair = new Map(stages.map((s) => [stageKey(s.pipeline, s.stage), { hubspotPipelineId: s.hubspotPipelineId, hubspotStageId: s.hubspotStageId }]));
  return (pipeline, stage) => byPair.get(stageKey(pipeline, stage)) ?? null;
}

/** Reads the deals mapping, the saved stage mapping and the owners of the workspace's members. */
export async function loadDealValuesContext(db: Db, workspaceId: string): Promise<DealValuesContext> {
  const [mapping, stageOf, members] = await Promise.all([mappingInForce(db, workspaceId, DEALS, DEAL_RULES, 'push'), dealStageResolver(db, workspaceId), listMembersOfWorkspace(db, workspaceId)]);
  return { mapping, stageOf, owners: await ownerIdsFor(db, workspaceId, members.map((m) => m.id)) };
}

/** Why a deal is not sent: HubSpot needs a stage, and this one has none or an unmapped one. */
export function stageRefusal(deal: Pick<Deal, 'pipeline' | 'stage'>): string {
  if (deal.stage === null) return 'This deal has no stage; HubSpot requires one (not sent).';
  return `Stage "${deal.stage}" (pipeline "${deal.pipeline}") is not mapped to a HubSpot deal stage: map it on the Deal stages tab (HubSpot → Deal stages), then sync again (not sent).`;
}

const NO_OWNER_LINK = 'Its owner is linked to no HubSpot owner (Owners tab): pushed without an owner.';

/**
 * The HubSpot properties a deal pushes: its key, the mapped fields (`""` clears), the pipeline
 * and stage when its stage is mapped, and the owner when it is linked (an unlinked owner is left
 * out, not cleared: see `dealOwnerWarning`).
 */
export function dealPropertiesFor(deal: Deal, context: DealValuesContext): Record<string, string> {
  const properties: Record<string, string> = { [DEAL_KEY_PROPERTY]: deal.id };
  for (const field of Object.keys(context.mapping).sort()) {
    const value = readField(deal, field);
    // A close date is a date-only value: midnight UTC, as epoch milliseconds.
    properties[context.mapping[field]!] = field === 'closeDate' && typeof value === 'string' ? String(Date.parse(`${value}T00:00:00Z`)) : formatValue(value, undefined);
  }
  const stage = deal.stage === null ? null : context.stageOf(deal.pipeline, deal.stage);
  if (stage) {
    properties['pipeline'] = stage.hubspotPipelineId;
    properties['dealstage'] = stage.hubspotStageId;
  }
  if (deal.ownerUserId === null) properties['hubspot_owner_id'] = '';
  else {
    const owner = context.owners.get(deal.ownerUserId);
    if (owner && 'ownerId' in owner) properties['hubspot_owner_id'] = owner.ownerId;
  }
  return properties;
}

/** Why the deal's owner is left out of its push, or null. */
export function dealOwnerWarning(deal: Deal, context: DealValuesContext): string | null {
  if (deal.ownerUserId === null) return null;
  const owner = context.owners.get(deal.ownerUserId);
  if (!owner) return NO_OWNER_LINK;
  return 'problem' in owner ? owner.problem : null;
}

/** The deal's links its push associates (customers, organization), as one string for its hash; null without any. */
export function dealLinks(deal: Pick<Deal, 'customerIds' | 'organizationId'>): string | null {
  if (deal.customerIds.length === 0 && deal.organizationId === null) return null;
  return `contacts:${[...deal.customerIds].sort().join(',')};company:${deal.organizationId ?? ''}`;
}

/** The hash of what the deal would push now: the `current_hash` its status compares. */
export function dealCurrentHash(deal: Deal, context: DealValuesContext): string {
  return recordHash(dealPropertiesFor(deal, context), dealLinks(deal));
}

/** A deal's status given its current hash: deals have no natural key, so never No email or Duplicate. */
export function dealStatus(sync: { hubspotId: string | null; error: string | null; syncedHash: string | null }, currentHash: string | null): SyncStatus {
  return computeStatus({ hasEmail: true, isDuplicate: false, hubspotId: sync.hubspotId, lastAttemptFailed: sync.error !== null, currentHash, syncedHash: sync.syncedHash });
}

/**
 * The listener a record merge tells of the deals whose links it moved (`RecordMergeListeners.deals`):
 * their links name the survivor now, so their current hash and status are computed again — else
 * the push, which hashes the links as they are, leaves the deal Needs update after sending it.
 */
export async function onDealLinksMoved(db: Db, workspaceId: string, dealIds: string[]): Promise<void> {
  await refreshDealSyncStates(db, workspaceId, dealIds);
}

/**
 * Recomputes the current hash and status of these deals (after the stage mapping, an owner
 * link or a merge moving its links changed); writes only those that changed. Runs in the caller's transaction.
 */
export async function refreshDealSyncStates(db: Db, workspaceId: string, dealIds: readonly string[]): Promise<void> {
  const ids = [...new Set(dealIds)];
  if (ids.length === 0) return;
  const context = await loadDealValuesContext(db, workspaceId);
  for (let i = 0; i < ids.length; i += 500) {
    const deals = await findDealsForSync(db, workspaceId, ids.slice(i, i + 500));
    const changes = deals.flatMap(({ deal, currentHash: stored }) => {
      const currentHash = dealCurrentHash(deal, context);
      const status = dealStatus(deal.sync, currentHash);
      return status === deal.sync.status && currentHash === stored ? [] : [{ id: deal.id, currentHash, status }];
    });
    await setDealSyncStates(db, workspaceId, changes);
  }
}
