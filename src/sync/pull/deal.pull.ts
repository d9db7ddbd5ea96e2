// HubSpot deals → deals, on the shared record pull (./record-pull.ts). A pulled deal is found
// locally by its link (hubspot_id), else — among live deals not linked yet — by hubsync's unique
// key property (`hubsync_deal_id`: a deal an earlier push created before its link was recorded),
// else created: every deal comes in. Besides the mapped fields (the close date kept as its day,
// the amount compared as a number), its `stage` is read from HubSpot's pipeline and stage and
// mapped back through the saved deal stage mapping (HubSpot → Deal stages) to the local
// pipeline and stage — the first mapped to it when several are. A HubSpot stage no local stage is
// mapped to is reported as a problem on the deal, and its stage stays (a new deal has none).
// Its owner comes in as the local user linked to HubSpot's owner (record-pull.ts `ownerField`),
// its contacts and Primary company as its customers and organization (./links.pull.ts).
//
// The deal's field rules are read from their own module, not the crm folder's door: that door
// also opens the deal service, which depends on this sync module.
import type { CrmObject } from '../../hubspot/index.js';
import type { Clock } from '../../lib/index.js';
import { loadFieldDefinitions, type FieldResult } from '../../records/index.js';
import type { Deal, DealStageMapping, DealValues } from '../../store/index.js';
import { dealsOfRows, findRowsForPull, insertDeals, listDealStageMappings, updateDealContent } from '../../store/index.js';
import { newDeal, validateDealValue } from '../../crm/deals/deal-input.js';
import { localFields, mappingFor } from '../field-mapping.js';
import { savedOrDefaultMapping } from '../status-refresh.js';
import { DEAL_KEY_PROPERTY, DEAL_RULES, DEALS, dealCurrentHash, dealPropertiesFor, loadDealValuesContext, refreshDealSyncStates, type DealValuesContext } from '../deal-values.js';
import type { PullAdapter } from './pull-adapter.js';
import { applyDealLinks } from './links.pull.js';
import { dayOf, locateRows, mappedFields, ownerField, pulledOwners, quoted, recordPullAdapter, writeField, type PulledField, type PullContext, type RecordPullSpec } from './record-pull.js';

const STAGE_FIELD = 'stage';
const PIPELINE_PROPERTY = 'pipeline';
const STAGE_PROPERTY = 'dealstage';

type DealContext = PullContext<DealValuesContext>;

const keyOf = (deal: CrmObject) => (deal.properties[DEAL_KEY_PROPERTY] ?? '').trim();

/**
 * The deal's stage as a pulled field (pure): HubSpot's pipeline and stage → the local
 * `{ pipeline, stage }` mapped to them (the first, in the saved mapping's order), or a problem
 * naming where to map it.
 */
export function stageField(mappings: readonly DealStageMapping[]): PulledField {
  const local = new Map<string, { pipeline: string; stage: string }>();
  for (const m of mappings) {
    const key = `${m.hubspotPipelineId}\u0000${m.hubspotStageId}`;
    if (!local.has(key)) local.set(key, { pipeline: m.pipeline, stage: m.stage });
  }
  return {
    field: STAGE_FIELD,
    properties: [STAGE_PROPERTY, PIPELINE_PROPERTY],
    convert(properties): FieldResult<unknown> {
      const pipeline = properties[PIPELINE_PROPERTY] ?? '';
      const stage = properties[STAGE_PROPERTY] ?? '';
      const found = local.get(`${pipeline}\u0000${stage}`);
      if (found) return { ok: true, value: found };
      return {
        ok: false,
        message: `HubSpot's deal stage ${quoted(stage)} (pipeline ${quoted(pipeline)}) is mapped to no local stage: map one to it on the Deal stages tab (HubSpot → Deal stages); the deal keeps its stage.`,
      };
    },
  };
}

/** The deals side of the record pull. */
export const dealPullSpec: RecordPullSpec<Deal, DealContext> = {
  objectType: DEALS,
  modifiedProperty: 'hs_lastmodifieddate',
  setting: 'syncDeals',
  table: 'deals',
  idPrefix: 'deal',
  lookupProperties: [DEAL_KEY_PROPERTY],
  labelOf: (deal) => ({ name: deal.name, email: null }),

  async context(db, workspaceId) {
    const [values, saved, customFields, stages, owners] = await Promise.all([
      loadDealValuesContext(db, workspaceId),
      savedOrDefaultMapping(db, workspaceId, DEALS, DEAL_RULES),
      loadFieldDefinitions(db, workspaceId, DEALS),
      listDealStageMappings(db, workspaceId),
      pulledOwners(db, workspaceId),
    ]);
    const mapped = mappedFields(saved.mapping, saved.directions, localFields(customFields, DEAL_RULES), customFields, (field, text) =>
      validateDealValue(field.field as Exclude<keyof DealValues, 'custom'>, field.type === 'date' ? dayOf(text) : text),
    );
    return { values, pulled: { ...values, mapping: mappingFor(saved.mapping, saved.directions, 'pull') }, fields: [...mapped, stageField(stages), ownerField(owners)] };
  },
  properties: (deal, values) => dealPropertiesFor(deal, values),
  write(deal, field, value) {
    if (field !== STAGE_FIELD) return writeField(deal, field, value);
    const { pipeline, stage } = value as { pipeline: string; stage: string };
    deal.pipeline = pipeline;
    deal.stage = stage;
  },

  async locate(db, workspaceId, records) {
    const rows = await findRowsForPull(db, 'deals', workspaceId, records.map((d) => d.id), [{ column: 'id', values: records.map(keyOf).filter((k) => k !== '') }]);
    const deals = new Map((await dealsOfRows(db, rows)).map((d) => [d.id, d]));
    return locateRows(records, rows, (row) => deals.get(row.id)!, [(record, row) => row.id === keyOf(record)]);
  },

  create: (workspaceId, id, record, _context, now) => newDeal(workspaceId, id, now, record.id),

  linkKinds: ['contacts', 'companies'],
  links: (db, workspaceId, pairs, associations, now) => applyDealLinks(db, workspaceId, pairs, associations, now),
  insert: (db, deals, context) => insertDeals(db, deals.map((deal) => ({ deal, currentHash: dealCurrentHash(deal, context.values) }))),
  update: (db, deal, before, context) => updateDealContent(db, deal, before.customerIds, { status: before.sync.status, currentHash: dealCurrentHash(deal, context.values) }),
  // A deal's hash and status are recomputed together (deals have no Duplicate key).
  refreshHashes: (db, workspaceId, ids) => refreshDealSyncStates(db, workspaceId, ids),
  refreshStatuses: (db, workspaceId, ids) => refreshDealSyncStates(db, workspaceId, ids),
};

export function dealPullAdapter(clock: Clock): PullAdapter<DealContext> {
  return recordPullAdapter(dealPullSpec, clock);
}
