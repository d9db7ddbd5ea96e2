// The CRM operations behind the object routes and the control API: create, update, archive
// and merge records with HubSpot's checks (property types and options, unique contact email,
// lifecycle stage that only moves forward), associations on create, and the events webhooks
// are built from. Routes stay thin: they parse a request, call these, and render the result.

import { ASSOCIATION_TYPES, defaultAssociationType } from './associations.js';
import {
  DEFAULT_RETURNED,
  LIFECYCLE_ORDER,
  createdProperty,
  lastModifiedProperty,
  type PropertyDefinition,
} from './default-properties.js';
import { conflictError, propertyValuesError, uniqueValueConflict, validationError, type PropertyProblem } from './hubspot-errors.js';
import { propertyHistory, propertyValue, type CrmRecord, type WriteSource } from './object-store.js';
import type { Portal } from './portal.js';
import { assertReadableValues } from './property-input.js';
import { checkPropertyValues } from './property-values.js';
import { OBJECT_TYPE_LABELS, type ObjectType } from './types.js';

export type CrmEvent =
  | { kind: 'creation'; type: ObjectType; objectId: string }
  | { kind: 'deletion'; type: ObjectType; objectId: string }
  | { kind: 'propertyChange'; type: ObjectType; objectId: string; propertyName: string; propertyValue: string }
  | {
      kind: 'merge';
      type: ObjectType;
      objectId: string;
      primaryObjectId: string;
      mergedObjectIds: string[];
      newObjectId: string;
    }
  | {
      kind: 'associationChange';
      type: ObjectType;
      objectId: string;
      toType: ObjectType;
      toObjectId: string;
      associationTypeId: number;
      removed: boolean;
    };

export interface CrmContext {
  now(): number;
  emit(portal: Portal, event: CrmEvent, source: WriteSource): void;
  defaultLifecycleStage: boolean;
}

export interface AssociationInput {
  toType: ObjectType;
  toId: string;
  typeId: number;
}

const NOTE_BODY_MAX = 65_536;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks input values for a type; throws HubSpot's VALIDATION_ERROR listing every bad one.
 * `record` is the record an update writes to (its pipeline decides which stages a deal may take).
 */
export function checkValues(portal: Portal, type: ObjectType, input: unknown, record?: CrmRecord): Record<string, string> {
  if (input !== undefined && !isRecord(input)) throw validationError('properties must be an object of property names to values.');
  if (input !== undefined) assertReadableValues(input, 'properties');
  const { values, problems } = checkPropertyValues(portal.properties[type], input ?? {}, portal.portalId);
  const extra: PropertyProblem[] = [];
  const body = values['hs_note_body'];
  if (type === 'notes' && body !== undefined && body.length > NOTE_BODY_MAX) {
    const message = `hs_note_body is longer than ${NOTE_BODY_MAX} characters.`;
    extra.push({ isValid: false, message, error: 'INVALID_STRING_LENGTH', name: 'hs_note_body', localizedErrorMessage: message });
  }
  const owner = values['hubspot_owner_id'];
  if (owner && !portal.owners.isActive(owner)) {
    // HubSpot refuses an id that is not one of the portal's owners (a user id instead of an
    // owner id included) with INVALID_OWNER_ID; the message wording is ours.
    const message = `${owner} is not a valid owner id`;
    extra.push({ isValid: false, message, error: 'INVALID_OWNER_ID', name: 'hubspot_owner_id', localizedErrorMessage: message });
  }
  const stage = values['dealstage'];
  if (type === 'deals' && stage && !problems.some((p) => p.name === 'pipeline' || p.name === 'dealstage')) {
    // The stage must be one of the deal's pipeline: the one sent, else the record's, else the default.
    const pipelineId = values['pipeline'] || record?.props['pipeline'] || undefined;
    const pipeline = portal.pipelineOf(pipelineId);
    if (pipeline && !pipeline.stages.some((s) => s.id === stage)) {
      const message = `${stage} is not a stage of pipeline ${pipeline.id}: [${pipeline.stages.map((s) => s.id).join(', ')}]`;
      extra.push({ isValid: false, message, error: 'INVALID_OPTION', name: 'dealstage', localizedErrorMessage: message });
    }
  }
  const all = [...problems, ...extra];
  if (all.length > 0) throw propertyValuesError(all);
  return values;
}

/** Parses `associations` of a create input into typed links, checking each target exists. */
export function parseAssociations(portal: Portal, type: ObjectType, raw: unknown): AssociationInput[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError('associations must be an array.');
  const links: AssociationInput[] = [];
  for (const item of raw) {
    const to = isRecord(item) && isRecord(item['to']) ? item['to'] : undefined;
    const toId = to ? String(to['id'] ?? '') : '';
    const types = isRecord(item) && Array.isArray(item['types']) ? item['types'] : [];
    for (const t of types) {
      const typeId = isRecord(t) ? Number(t['associationTypeId']) : NaN;
      const def = ASSOCIATION_TYPES.get(typeId);
      if (!def || def.from !== type) {
        throw validationError(`${String(typeId)} is not a valid association type id from ${type}.`);
      }
      const target = portal.objects[def.to].resolve(toId);
      if (!target || target.archived) {
        throw validationError(`One or more associations are invalid: ${def.to} ${toId} does not exist.`);
      }
      links.push({ toType: def.to, toId: target.id, typeId });
    }
  }
  return links;
}

/** Fails with 409 CONFLICT when another live contact already has this email. */
export function assertEmailFree(portal: Portal, email: string | undefined, self?: CrmRecord): void {
  if (!email) return;
  const existing = portal.objects.contacts.findByEmail(email);
  if (existing && existing !== self) throw conflictError(existing.id);
}

/**
 * Fails with 409 CONFLICT when a value for a unique property (`hasUniqueValue`) is already
 * held by another live record of the type. `""` (clearing) never conflicts.
 */
export function assertUniqueFree(portal: Portal, type: ObjectType, values: Record<string, string>, self?: CrmRecord): void {
  const store = portal.objects[type];
  for (const name of store.unique.keys()) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    const existing = store.findByUnique(name, value);
    if (existing && existing !== self) throw uniqueValueConflict(OBJECT_TYPE_LABELS[type], name, value, existing.id);
  }
}

/**
 * HubSpot's calculated `hs_is_closed` / `hs_is_closed_won` for a deal in a stage: closed when
 * the stage's `metadata.isClosed`, won when it is closed with probability 1. A deal without a
 * stage has neither (cleared).
 */
function closedFlags(portal: Portal, pipelineId: string | undefined, stageId: string | undefined): Record<string, string> {
  const stage = stageId ? portal.pipelineOf(pipelineId || undefined)?.stages.find((s) => s.id === stageId) : undefined;
  if (!stage) return { hs_is_closed: '', hs_is_closed_won: '' };
  const closed = stage.metadata.isClosed === 'true';
  return { hs_is_closed: String(closed), hs_is_closed_won: String(closed && Number(stage.metadata.probability) === 1) };
}

/** Values a new record starts with: the input plus HubSpot's defaults for API creates. */
export function initialValues(ctx: CrmContext, type: ObjectType, values: Record<string, string>): Record<string, string> {
  const props = { ...values };
  if (ctx.defaultLifecycleStage && (type === 'contacts' || type === 'companies') && !props['lifecyclestage']) {
    props['lifecyclestage'] = 'lead';
  }
  return props;
}

/** Inserts an already-checked record, links its associations and emits events. */
export function insertRecord(
  ctx: CrmContext,
  portal: Portal,
  type: ObjectType,
  values: Record<string, string>,
  links: AssociationInput[],
  source: WriteSource,
): CrmRecord {
  const now = ctx.now();
  const props = initialValues(ctx, type, values);
  if (type === 'deals') Object.assign(props, closedFlags(portal, props['pipeline'], props['dealstage']));
  const record = portal.objects[type].insert(portal.nextObjectId(), props, now, source);
  ctx.emit(portal, { kind: 'creation', type, objectId: record.id }, source);
  for (const [name, value] of Object.entries(record.props)) {
    ctx.emit(portal, { kind: 'propertyChange', type, objectId: record.id, propertyName: name, propertyValue: value }, source);
  }
  for (const link of links) associate(ctx, portal, type, record.id, link, source);
  return record;
}

export function associate(
  ctx: CrmContext,
  portal: Portal,
  type: ObjectType,
  id: string,
  link: AssociationInput,
  source: WriteSource,
): void {
  releaseOtherPrimary(ctx, portal, type, id, link, source);
  // A labelled association always comes with the pair's unlabelled (default) one.
  const def = ASSOCIATION_TYPES.get(link.typeId);
  const plain = def?.label != null ? defaultAssociationType(type, link.toType) : undefined;
  if (plain) addOne(ctx, portal, type, id, { ...link, typeId: plain.typeId }, source);
  addOne(ctx, portal, type, id, link, source);
}

function addOne(ctx: CrmContext, portal: Portal, type: ObjectType, id: string, link: AssociationInput, source: WriteSource): void {
  if (portal.associations.add(type, id, link.toType, link.toId, link.typeId)) {
    ctx.emit(
      portal,
      {
        kind: 'associationChange',
        type,
        objectId: id,
        toType: link.toType,
        toObjectId: link.toId,
        associationTypeId: link.typeId,
        removed: false,
      },
      source,
    );
  }
}

/**
 * A contact or deal has at most one primary company: labelling another company primary takes
 * the label off the previous one (its unlabelled association stays), as HubSpot does.
 */
function releaseOtherPrimary(ctx: CrmContext, portal: Portal, type: ObjectType, id: string, link: AssociationInput, source: WriteSource): void {
  const def = ASSOCIATION_TYPES.get(link.typeId);
  if (def?.label !== 'Primary') return;
  // The record whose primary company this is, and the company.
  const [ownerType, ownerId, companyId, ownerTypeId] = def.to === 'companies' ? [type, id, link.toId, link.typeId] : [link.toType, link.toId, id, def.inverse];
  for (const [otherCompany, typeIds] of portal.associations.list(ownerType, ownerId, 'companies')) {
    if (otherCompany === companyId || !typeIds.includes(ownerTypeId)) continue;
    portal.associations.remove(ownerType, ownerId, 'companies', otherCompany, ownerTypeId);
    ctx.emit(
      portal,
      { kind: 'associationChange', type: ownerType, objectId: ownerId, toType: 'companies', toObjectId: otherCompany, associationTypeId: ownerTypeId, removed: true },
      source,
    );
  }
}

/** Creates one record: checks values, contact email uniqueness and associations first. */
export function createRecord(
  ctx: CrmContext,
  portal: Portal,
  type: ObjectType,
  input: unknown,
  rawAssociations: unknown,
  source: WriteSource,
): CrmRecord {
  const values = checkValues(portal, type, input);
  if (type === 'notes' && !values['hs_timestamp']) {
    throw propertyValuesError([
      { isValid: false, message: 'hs_timestamp is required', error: 'REQUIRED_PROPERTY', name: 'hs_timestamp' },
    ]);
  }
  if (type === 'contacts') assertEmailFree(portal, values['email']);
  assertUniqueFree(portal, type, values);
  const links = parseAssociations(portal, type, rawAssociations);
  return insertRecord(ctx, portal, type, values, links, source);
}

/**
 * Applies checked values to a record. A lifecycle stage that would move backwards is ignored
 * (HubSpot answers 200 and keeps the later stage); clearing it first allows any stage.
 */
export function applyValues(
  ctx: CrmContext,
  portal: Portal,
  type: ObjectType,
  record: CrmRecord,
  values: Record<string, string>,
  source: WriteSource,
): string[] {
  const next = values;
  const stage = next['lifecyclestage'];
  const current = record.props['lifecyclestage'];
  if (stage && current && LIFECYCLE_ORDER.indexOf(stage) < LIFECYCLE_ORDER.indexOf(current)) {
    delete next['lifecyclestage'];
  }
  if (type === 'contacts' && next['email'] !== undefined) assertEmailFree(portal, next['email'], record);
  assertUniqueFree(portal, type, next, record);
  const toWrite =
    type === 'deals' && (next['dealstage'] !== undefined || next['pipeline'] !== undefined)
      ? { ...next, ...closedFlags(portal, next['pipeline'] ?? record.props['pipeline'], next['dealstage'] ?? record.props['dealstage']) }
      : next;
  const changed = portal.objects[type].update(record, toWrite, ctx.now(), source);
  for (const name of changed) {
    ctx.emit(portal, { kind: 'propertyChange', type, objectId: record.id, propertyName: name, propertyValue: record.props[name] ?? '' }, source);
  }
  return changed;
}

export function archiveRecord(ctx: CrmContext, portal: Portal, type: ObjectType, record: CrmRecord, source: WriteSource): void {
  if (record.archived) return;
  portal.objects[type].archive(record, ctx.now());
  for (const change of portal.associations.removeAll(type, record.id)) {
    ctx.emit(
      portal,
      {
        kind: 'associationChange',
        type,
        objectId: record.id,
        toType: change.toType,
        toObjectId: change.toId,
        associationTypeId: change.typeId,
        removed: true,
      },
      source,
    );
  }
  for (const list of portal.lists.values()) list.members.delete(record.id);
  ctx.emit(portal, { kind: 'deletion', type, objectId: record.id }, source);
}

/** The association types labelled Primary from a record of `type` to a company (a contact's or a deal's primary company). */
const primaryCompanyTypes = (type: ObjectType) => [...ASSOCIATION_TYPES.values()].filter((t) => t.label === 'Primary' && t.from === type && t.to === 'companies');

/** The companies a record holds with a Primary label, per label type. */
function primaryLabelledCompanies(portal: Portal, type: ObjectType, id: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const t of primaryCompanyTypes(type)) out.set(t.typeId, portal.associations.list(type, id, 'companies').flatMap(([companyId, typeIds]) => (typeIds.includes(t.typeId) ? [companyId] : [])));
  return out;
}

/**
 * After a merge both records' associations are the merged record's, and it may hold two
 * companies labelled Primary. HubSpot keeps the primary record's and drops the excess Primary
 * labels of the other (their plain association stays): a record has at most one primary company.
 */
function keepOnePrimaryCompany(portal: Portal, type: ObjectType, mergedId: string, primaryLabelled: ReadonlyMap<number, string[]>): void {
  for (const t of primaryCompanyTypes(type)) {
    const labelled = portal.associations.list(type, mergedId, 'companies').flatMap(([companyId, typeIds]) => (typeIds.includes(t.typeId) ? [companyId] : []));
    if (labelled.length <= 1) continue;
    const keep = labelled.find((companyId) => primaryLabelled.get(t.typeId)?.includes(companyId)) ?? labelled[0]!;
    const plain = defaultAssociationType(type, 'companies');
    for (const companyId of labelled) {
      if (companyId === keep) continue;
      if (plain) portal.associations.add(type, mergedId, 'companies', companyId, plain.typeId);
      portal.associations.remove(type, mergedId, 'companies', companyId, t.typeId);
    }
  }
}

export function mergeRecords(
  ctx: CrmContext,
  portal: Portal,
  type: ObjectType,
  primaryId: string,
  otherId: string,
  source: WriteSource,
): CrmRecord {
  const store = portal.objects[type];
  const primary = store.resolve(primaryId);
  const other = store.resolve(otherId);
  if (!primary || primary.archived || !other || other.archived) {
    throw validationError(`Object ${!primary || primary.archived ? primaryId : otherId} could not be found for merge.`);
  }
  if (primary === other) throw validationError('An object cannot be merged with itself.');
  const merged = store.merge(primary, other, portal.nextObjectId(), ctx.now(), source);
  const primaryLabelled = primaryLabelledCompanies(portal, type, primary.id);
  portal.associations.move(type, primary.id, merged.id);
  portal.associations.move(type, other.id, merged.id);
  keepOnePrimaryCompany(portal, type, merged.id, primaryLabelled);
  for (const list of portal.lists.values()) {
    for (const old of [primary.id, other.id]) {
      const joined = list.members.get(old);
      if (joined !== undefined) {
        list.members.delete(old);
        if (!list.members.has(merged.id)) list.members.set(merged.id, joined);
      }
    }
  }
  ctx.emit(
    portal,
    {
      kind: 'merge',
      type,
      objectId: primary.id,
      primaryObjectId: primary.id,
      mergedObjectIds: [other.id],
      newObjectId: merged.id,
    },
    source,
  );
  return merged;
}

export interface RenderedRecord {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, { value: string; timestamp: string; sourceType: string; sourceId?: string }[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  associations?: Record<string, { results: { id: string; type: string }[] }>;
}

function known(defs: ReadonlyMap<string, PropertyDefinition>, type: ObjectType, name: string): boolean {
  return defs.has(name) || name === createdProperty(type) || name === lastModifiedProperty(type) || name === 'hs_object_id';
}

/**
 * A record as the API returns it. `properties` lists the names to include (unknown names are
 * left out, unset ones come back null); undefined means the type's default set.
 */
export function renderRecord(
  portal: Portal,
  type: ObjectType,
  record: CrmRecord,
  properties: readonly string[] | undefined,
  withHistory?: readonly string[],
): RenderedRecord {
  const defs = portal.properties[type];
  const names = properties ?? DEFAULT_RETURNED[type];
  const props: Record<string, string | null> = {};
  for (const name of names) {
    if (!known(defs, type, name)) continue;
    props[name] = propertyValue(type, record, name) ?? null;
  }
  const out: RenderedRecord = {
    id: record.id,
    properties: props,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: record.archived,
  };
  if (withHistory && withHistory.length > 0) {
    const history: NonNullable<RenderedRecord['propertiesWithHistory']> = {};
    for (const name of withHistory) {
      if (!known(defs, type, name)) continue;
      history[name] = propertyHistory(type, record, name).map((v) => ({
        value: v.value,
        timestamp: new Date(v.timestamp).toISOString(),
        sourceType: v.sourceType,
        ...(v.sourceId === undefined ? {} : { sourceId: v.sourceId }),
      }));
    }
    out.propertiesWithHistory = history;
  }
  if (record.archived) out.archivedAt = new Date(record.archivedAt).toISOString();
  return out;
}

/** The names a write response echoes: what was sent plus the system properties. */
export function writeResponseNames(type: ObjectType, record: CrmRecord, sent: Record<string, string>): string[] {
  const names = new Set([...Object.keys(sent), createdProperty(type), lastModifiedProperty(type), 'hs_object_id']);
  if (record.props['lifecyclestage'] !== undefined) names.add('lifecyclestage');
  return [...names];
}
