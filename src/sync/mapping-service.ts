// Reading and saving the field mapping of each object type (contacts, and the types registered
// in MAPPING_TARGETS): the HubSpot properties come live from the portal (cached for a few
// minutes, refreshable), suggestions fill a first visit, each field carries its direction (both
// ways, push only, pull only; a locked field — a contact's email — always both), and every save
// is validated, audited, and followed by a status refresh (a mapping change can turn Synced
// records into Needs update).
import { audit, SYSTEM_ACTOR, type Actor } from '../audit/index.js';
import { changeCustomField, createCustomField, loadFieldDefinitions, type CustomFieldObjectType } from '../records/index.js';
import { isHubSpotApiError, type Property } from '../hubspot/index.js';
import { hubspotProblem, requireScopes, type HubSpotGateway } from '../integration/index.js';
import { AppError, type Clock } from '../lib/index.js';
import type { CustomFieldRecord, Db, Workspace } from '../store/index.js';
import { replaceMapping } from '../store/index.js';
import { CONTACT_RULES, DIRECTIONS, EMAIL_FIELD, EMAIL_PROPERTY, isDirection, localFields, suggestMapping, validateMapping, writableProperties, type Direction, type LocalField, type MappingRules } from './field-mapping.js';
import { DEAL_RULES, DEALS, refreshAllDeals } from './deal-values.js';
import { COMPANIES, COMPANY_RULES, refreshAllOrganizations } from './organization-status.js';
import { CONTACTS, refreshWholeWorkspace, savedOrDefaultMapping } from './status-refresh.js';
import { localShapeOf, optionsInStep, propertyCreateFor } from './property-schema.js';

const PROPERTY_CACHE_MS = 5 * 60_000;

/** An object type whose mapping admins edit: its rules and what to recompute after a change. */
export interface MappingTarget {
  objectType: CustomFieldObjectType;
  rules: MappingRules;
  /** Recomputes every record's hash and status after the mapping changed (in the saving transaction). */
  refreshAll(db: Db, workspaceId: string): Promise<void>;
}

/** The object types with an editable mapping, in the order the UI offers them. */
export const MAPPING_TARGETS: MappingTarget[] = [
  { objectType: CONTACTS, rules: CONTACT_RULES, refreshAll: (db, workspaceId) => refreshWholeWorkspace(db, workspaceId) },
  { objectType: COMPANIES, rules: COMPANY_RULES, refreshAll: refreshAllOrganizations },
  { objectType: DEALS, rules: DEAL_RULES, refreshAll: refreshAllDeals },
];

function targetFor(objectType: string): MappingTarget {
  const target = MAPPING_TARGETS.find((t) => t.objectType === objectType);
  if (!target) throw new AppError('VALIDATION_FAILED', `objectType: ${objectType} has no field mapping; one of ${MAPPING_TARGETS.map((t) => t.objectType).join(', ')}.`, { field: 'objectType' });
  return target;
}

export interface MappingView {
  objectType: string;
  fields: (Omit<LocalField, 'options'> & { property: string | null; direction: Direction; locked: boolean })[];
  properties: Pick<Property, 'name' | 'label' | 'type' | 'fieldType' | 'groupName' | 'options'>[];
  saved: boolean;
}

/** One field in a save: its property (null or `""`: not synced), or the property with its direction (both when left out). */
export type MappingEntry = string | null | { property: string | null; direction?: string | undefined };

/**
 * The requested properties and directions; a direction that is not one of DIRECTIONS is a
 * VALIDATION_FAILED naming the field.
 */
function readEntries(requested: Readonly<Record<string, MappingEntry>>): { mapping: Record<string, string | null>; directions: Record<string, Direction> } {
  const mapping: Record<string, string | null> = {};
  const directions: Record<string, Direction> = {};
  for (const [field, entry] of Object.entries(requested)) {
    if (entry === null || typeof entry === 'string') {
      mapping[field] = entry;
      continue;
    }
    mapping[field] = entry.property;
    const direction = entry.direction ?? 'both';
    if (!isDirection(direction)) {
      const message = `direction must be one of ${DIRECTIONS.join(', ')}.`;
      throw new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field, problems: [{ field, message }] });
    }
    directions[field] = direction;
  }
  return { mapping, directions };
}

export class MappingService {
  readonly #cache = new Map<string, { at: number; properties: Property[] }>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly gateway: HubSpotGateway,
  ) {}

  async properties(workspaceId: string, refresh = false, objectType: CustomFieldObjectType = CONTACTS): Promise<Property[]> {
    const cacheKey = `${workspaceId}:${objectType}`;
    const cached = this.#cache.get(cacheKey);
    if (!refresh && cached && this.clock.now() - cached.at < PROPERTY_CACHE_MS) return cached.properties;
    const client = await this.gateway.clientFor(workspaceId);
    const properties = await client.properties.list(objectType, { priority: 'interactive' });
    this.#cache.set(cacheKey, { at: this.clock.now(), properties });
    return properties;
  }

  async #fields(db: Db, workspaceId: string, target: MappingTarget): Promise<LocalField[]> {
    return localFields(await loadFieldDefinitions(db, workspaceId, target.objectType), target.rules);
  }

  /** The mapping the page shows: the saved one, else the suggestions. */
  async #shown(db: Db, workspaceId: string, target: MappingTarget, properties: Property[]): Promise<{ mapping: Record<string, string>; directions: Record<string, Direction>; saved: boolean; fields: LocalField[] }> {
    const fields = await this.#fields(db, workspaceId, target);
    const { mapping: saved, directions, saved: isSaved } = await savedOrDefaultMapping(db, workspaceId, target.objectType, target.rules);
    return { mapping: isSaved ? saved : suggestMapping(fields, properties, target.rules), directions: { ...directions }, saved: isSaved, fields };
  }

  /**
   * The mapping of one object type with its live properties. When the mapping is saved, each
   * custom choice field mapped to a HubSpot choice property first takes HubSpot's options (new
   * values added, labels and order followed; none removed), audited as custom_field.options_synced:
   * this is where options are kept in step with HubSpot's.
   */
  async view(workspaceId: string, refresh = false, objectType: string = CONTACTS): Promise<MappingView> {
    const target = targetFor(objectType);
    const properties = await this.properties(workspaceId, refresh, target.objectType);
    await this.#syncOptions(workspaceId, target, properties);
    const { mapping, directions, saved: isSaved, fields } = await this.#shown(this.db, workspaceId, target, properties);
    const reserved = target.rules.reserved ?? {};
    return {
      objectType: target.objectType,
      fields: fields.map(({ options: _options, ...f }) => ({ ...f, property: mapping[f.field] ?? null, direction: directions[f.field] ?? 'both', locked: f.field in target.rules.locked })),
      properties: writableProperties(properties)
        .filter((p) => !reserved[p.name])
        .map((p) => ({ name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: p.groupName, options: p.options }))
        .sort((a, b) => a.label.localeCompare(b.label)),
      saved: isSaved,
    };
  }

  async #syncOptions(workspaceId: string, target: MappingTarget, properties: Property[]): Promise<void> {
    const { mapping, saved } = await savedOrDefaultMapping(this.db, workspaceId, target.objectType, target.rules);
    if (!saved) return;
    const byName = new Map(properties.map((p) => [p.name, p]));
    const definitions = await loadFieldDefinitions(this.db, workspaceId, target.objectType);
    for (const definition of definitions) {
      if (definition.archived || (definition.type !== 'single_choice' && definition.type !== 'multiple_choice')) continue;
      const property = byName.get(mapping[`custom.${definition.key}`] ?? '');
      if (!property || property.type !== 'enumeration' || property.fieldType === 'booleancheckbox') continue;
      const options = optionsInStep(definition.options, property);
      if (!options) continue;
      const added = options.filter((o) => !definition.options.some((d) => d.value === o.value)).map((o) => o.value);
      await this.db.transaction().execute(async (trx) => {
        await changeCustomField(trx, this.clock, workspaceId, definition.id, { options });
        await audit(trx, this.clock, { workspaceId, actor: SYSTEM_ACTOR, action: 'custom_field.options_synced', target: { type: 'custom_field', id: definition.id }, details: { objectType: target.objectType, key: definition.key, property: property.name, added } });
      });
    }
  }

  /**
   * Saves the complete mapping of one object type (fields left out are "don't sync"). An entry is
   * a property name, or `{ property, direction }`; a locked field (a contact's email) keeps its
   * property and syncs both ways: the pull finds and creates customers by it, the push upserts by it.
   */
  async save(workspace: Workspace, actor: Actor, requested: Readonly<Record<string, MappingEntry>>, objectType: string = CONTACTS): Promise<MappingView> {
    const target = targetFor(objectType);
    const properties = await this.properties(workspace.id, false, target.objectType);
    await this.db.transaction().execute((trx) => this.#saveIn(trx, workspace, actor, requested, target, properties));
    return this.view(workspace.id, false, target.objectType);
  }

  /** Validates and writes a complete mapping in the caller's transaction (audited; statuses refreshed when it changed). */
  async #saveIn(trx: Db, workspace: Workspace, actor: Actor, requested: Readonly<Record<string, MappingEntry>>, target: MappingTarget, properties: Property[]): Promise<void> {
    const { mapping: asked, directions } = readEntries(requested);
    if (target.objectType === CONTACTS && EMAIL_FIELD in asked && (asked[EMAIL_FIELD] !== EMAIL_PROPERTY || (directions[EMAIL_FIELD] ?? 'both') !== 'both')) {
      throw new AppError('EMAIL_MAPPING_LOCKED', 'Email is required and is permanently mapped to the HubSpot email property, both ways; HubSpot uses it to recognise contacts.', {
        field: EMAIL_FIELD,
        problems: [{ field: EMAIL_FIELD, code: 'LOCKED', message: 'Email always maps to email, both ways.' }],
      });
    }
    const fields = await this.#fields(trx, workspace.id, target);
    const locked = Object.fromEntries(Object.entries(target.rules.locked).map(([field, lock]) => [field, lock.property]));
    const mapping: Record<string, string | null> = { ...asked, ...locked };
    for (const field of Object.keys(locked)) delete directions[field];
    const problems = validateMapping(mapping, fields, properties, target.rules);
    if (problems.length > 0) {
      throw new AppError('MAPPING_INVALID', problems.length === 1 ? `${problems[0]!.field}: ${problems[0]!.message}` : `${problems.length} mappings need attention.`, {
        field: problems[0]!.field,
        problems,
      });
    }
    const before = await savedOrDefaultMapping(trx, workspace.id, target.objectType, target.rules);
    const rows = fields.map((f) => ({ field: f.field, property: mapping[f.field] || null, direction: directions[f.field] ?? ('both' as const) }));
    await replaceMapping(trx, workspace.id, target.objectType, rows, this.clock.now());
    const changes = rows.flatMap((r) => {
      const from = before.mapping[r.field] ?? null;
      const fromDirection = before.directions[r.field] ?? 'both';
      if (from === r.property && fromDirection === r.direction) return [];
      return [{ field: r.field, from, to: r.property, ...(fromDirection === r.direction ? {} : { direction: { from: fromDirection, to: r.direction } }) }];
    });
    await audit(trx, this.clock, { workspaceId: workspace.id, actor, action: 'hubspot.mapping_saved', details: { objectType: target.objectType, changes } });
    if (changes.length > 0) await target.refreshAll(trx, workspace.id);
  }

  /** The shown mapping (saved, else suggested) with one more field → property, both ways, as a save request. */
  async #withField(db: Db, workspaceId: string, target: MappingTarget, properties: Property[], field: string, property: string): Promise<Record<string, MappingEntry>> {
    const shown = await this.#shown(db, workspaceId, target, properties);
    const entries: Record<string, MappingEntry> = Object.fromEntries(shown.fields.map((f) => [f.field, { property: shown.mapping[f.field] ?? null, direction: shown.directions[f.field] ?? 'both' }]));
    entries[field] = { property, direction: 'both' };
    return entries;
  }

  /**
   * Creates a local custom field from a HubSpot property (its type and options carried over, its
   * key the property's name unless `key` is given) and maps the field to it, in one transaction:
   * the saved mapping is the one the page shows (saved, else the suggestions) plus this field.
   */
  async fieldFromProperty(workspace: Workspace, actor: Actor, objectType: string, input: { property: string; key?: string | undefined; label?: string | undefined }, builtInKeys: readonly string[]): Promise<{ customField: CustomFieldRecord; mapping: MappingView }> {
    const target = targetFor(objectType);
    const properties = await this.properties(workspace.id, true, target.objectType);
    const property = writableProperties(properties).find((p) => p.name === input.property);
    if (!property || target.rules.reserved?.[property.name]) {
      const why = !property ? (properties.some((p) => p.name === input.property) ? 'is read-only in HubSpot' : `is not a HubSpot ${target.rules.hubspotNoun} property`) : `is filled by hubsync itself`;
      throw new AppError('VALIDATION_FAILED', `property: ${input.property} ${why}.`, { field: 'property' });
    }
    const shape = localShapeOf(property);
    if (!shape.ok) throw new AppError('PROPERTY_TYPE_UNSUPPORTED', shape.message, { field: 'property', propertyType: property.type, fieldType: property.fieldType });
    const customField = await this.db.transaction().execute(async (trx) => {
      const shown = await this.#shown(trx, workspace.id, target, properties);
      const taken = Object.entries(shown.mapping).find(([, name]) => name === property.name);
      if (taken) {
        const by = shown.fields.find((f) => f.field === taken[0])?.label ?? taken[0];
        throw new AppError('ALREADY_EXISTS', `${property.label} (${property.name}) is already filled by ${by}; one property takes one field.`, { field: 'property' });
      }
      const created = await createCustomField(trx, this.clock, workspace.id, { objectType: target.objectType, key: input.key ?? property.name, label: input.label ?? property.label, type: shape.type, options: shape.options }, builtInKeys);
      await audit(trx, this.clock, { workspaceId: workspace.id, actor, action: 'custom_field.created', target: { type: 'custom_field', id: created.id }, details: { objectType: created.objectType, key: created.key, type: created.type, fromProperty: property.name } });
      await this.#saveIn(trx, workspace, actor, await this.#withField(trx, workspace.id, target, properties, `custom.${created.key}`, property.name), target, properties);
      return created;
    });
    return { customField, mapping: await this.view(workspace.id, false, target.objectType) };
  }

  /**
   * Creates a HubSpot property for a local custom field (`custom.<key>`; the property is named
   * after the key, type and options carried over) and maps the field to it. Needs the type's
   * `crm.schemas.<type>.write` scope: without it, HUBSPOT_MISSING_SCOPES names it before any call.
   */
  async propertyFromField(workspace: Workspace, actor: Actor, objectType: string, field: string): Promise<{ property: MappingView['properties'][number]; mapping: MappingView }> {
    const target = targetFor(objectType);
    const hubspotNoun = target.rules.hubspotNoun;
    await requireScopes(this.db, workspace.id, [`crm.schemas.${target.objectType}.write`], {
      subject: '',
      action: `Creating a HubSpot ${hubspotNoun} property`,
      needsConnection: `properties are created in the connected portal.`,
      remedy: 'Add it to the private app in HubSpot (or reconnect through OAuth), then try again; or create the property in HubSpot and pick it in the mapping.',
    });
    const key = field.startsWith('custom.') ? field.slice('custom.'.length) : null;
    const definition = key === null ? undefined : (await loadFieldDefinitions(this.db, workspace.id, target.objectType)).find((d) => d.key === key && !d.archived);
    if (!definition) throw new AppError('VALIDATION_FAILED', `field: ${field} is not a custom ${target.rules.noun} field of this workspace; only custom fields get a HubSpot property.`, { field: 'field' });
    const before = await this.properties(workspace.id, true, target.objectType);
    if (before.some((p) => p.name === definition.key)) {
      throw new AppError('ALREADY_EXISTS', `HubSpot already has a ${hubspotNoun} property named ${definition.key}; pick it in the mapping instead.`, { field: 'field', property: definition.key });
    }
    const client = await this.gateway.clientFor(workspace.id);
    let created: Property;
    try {
      created = await client.properties.create(target.objectType, propertyCreateFor(target.objectType, definition), { priority: 'interactive' });
    } catch (error) {
      if (isHubSpotApiError(error, 'HUBSPOT_MISSING_SCOPES') || isHubSpotApiError(error, 'HUBSPOT_FORBIDDEN')) {
        const scope = `crm.schemas.${target.objectType}.write`;
        throw new AppError('HUBSPOT_MISSING_SCOPES', `Creating a HubSpot ${hubspotNoun} property needs the scope ${scope}, which HubSpot says this connection lacks.`, { missingScopes: [scope] }, { cause: error });
      }
      throw hubspotProblem(error, `create the ${hubspotNoun} property ${definition.key}`);
    }
    const properties = [...before, created];
    this.#cache.set(`${workspace.id}:${target.objectType}`, { at: this.clock.now(), properties });
    await this.db.transaction().execute(async (trx) => {
      await audit(trx, this.clock, { workspaceId: workspace.id, actor, action: 'hubspot.property_created', target: { type: 'custom_field', id: definition.id }, details: { objectType: target.objectType, property: created.name, type: created.type, fieldType: created.fieldType } });
      await this.#saveIn(trx, workspace, actor, await this.#withField(trx, workspace.id, target, properties, field, created.name), target, properties);
    });
    const { name, label, type, fieldType, groupName, options } = created;
    return { property: { name, label, type, fieldType, groupName, options }, mapping: await this.view(workspace.id, false, target.objectType) };
  }
}
