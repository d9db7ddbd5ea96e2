// Reading and saving the field mapping of each object type (contacts, and the types registered
// in MAPPING_TARGETS): the HubSpot properties come live from the portal (cached for a few
// minutes, refreshable), suggestions fill a first visit, each field carries its direction (both
// ways, push only, pull only; a locked field — a contact's email — always both), and every save
// is validated, audited, and followed by a status refresh (a mapping change can turn Synced
// records into Needs update).
import { audit, type Actor } from '../audit/index.js';
import { loadFieldDefinitions, type CustomFieldObjectType } from '../records/index.js';
import type { Property } from '../hubspot/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import { AppError, type Clock } from '../lib/index.js';
import type { Db, Workspace } from '../store/index.js';
import { replaceMapping } from '../store/index.js';
import { CONTACT_RULES, DIRECTIONS, EMAIL_FIELD, EMAIL_PROPERTY, isDirection, localFields, suggestMapping, validateMapping, writableProperties, type Direction, type LocalField, type MappingRules } from './field-mapping.js';
import { DEAL_RULES, DEALS, refreshAllDeals } from './deal-values.js';
import { COMPANIES, COMPANY_RULES, refreshAllOrganizations } from './organization-status.js';
import { CONTACTS, refreshWholeWorkspace, savedOrDefaultMapping } from './status-refresh.js';

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

  async #fields(workspaceId: string, target: MappingTarget): Promise<LocalField[]> {
    return localFields(await loadFieldDefinitions(this.db, workspaceId, target.objectType), target.rules);
  }

  async view(workspaceId: string, refresh = false, objectType: string = CONTACTS): Promise<MappingView> {
    const target = targetFor(objectType);
    const properties = await this.properties(workspaceId, refresh, target.objectType);
    const fields = await this.#fields(workspaceId, target);
    const { mapping: saved, directions, saved: isSaved } = await savedOrDefaultMapping(this.db, workspaceId, target.objectType, target.rules);
    const mapping = isSaved ? saved : suggestMapping(fields, properties, target.rules);
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

  /**
   * Saves the complete mapping of one object type (fields left out are "don't sync"). An entry is
   * a property name, or `{ property, direction }`; a locked field (a contact's email) keeps its
   * property and syncs both ways: the pull finds and creates customers by it, the push upserts by it.
   */
  async save(workspace: Workspace, actor: Actor, requested: Readonly<Record<string, MappingEntry>>, objectType: string = CONTACTS): Promise<MappingView> {
    const target = targetFor(objectType);
    const { mapping: asked, directions } = readEntries(requested);
    if (target.objectType === CONTACTS && EMAIL_FIELD in asked && (asked[EMAIL_FIELD] !== EMAIL_PROPERTY || (directions[EMAIL_FIELD] ?? 'both') !== 'both')) {
      throw new AppError('EMAIL_MAPPING_LOCKED', 'Email is required and is permanently mapped to the HubSpot email property, both ways; HubSpot uses it to recognise contacts.', {
        field: EMAIL_FIELD,
        problems: [{ field: EMAIL_FIELD, message: 'Email always maps to email, both ways.' }],
      });
    }
    const properties = await this.properties(workspace.id, false, target.objectType);
    const fields = await this.#fields(workspace.id, target);
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
    const before = await savedOrDefaultMapping(this.db, workspace.id, target.objectType, target.rules);
    const rows = fields.map((f) => ({ field: f.field, property: mapping[f.field] || null, direction: directions[f.field] ?? ('both' as const) }));
    await this.db.transaction().execute(async (trx) => {
      await replaceMapping(trx, workspace.id, target.objectType, rows, this.clock.now());
      const changes = rows.flatMap((r) => {
        const from = before.mapping[r.field] ?? null;
        const fromDirection = before.directions[r.field] ?? 'both';
        if (from === r.property && fromDirection === r.direction) return [];
        return [{ field: r.field, from, to: r.property, ...(fromDirection === r.direction ? {} : { direction: { from: fromDirection, to: r.direction } }) }];
      });
      await audit(trx, this.clock, { workspaceId: workspace.id, actor, action: 'hubspot.mapping_saved', details: { objectType: target.objectType, changes } });
      if (changes.length > 0) await target.refreshAll(trx, workspace.id);
    });
    return this.view(workspace.id, false, target.objectType);
  }
}
