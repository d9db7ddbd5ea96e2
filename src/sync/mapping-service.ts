// Reading and saving the contact field mapping: the HubSpot properties come live from the
// portal (cached for a few minutes, refreshable), suggestions fill a first visit, and every
// save is validated, audited, and followed by a status refresh (a mapping change can turn
// Synced customers into Needs update).
import { audit, type Actor } from '../audit/index.js';
import { loadFieldDefinitions } from '../records/index.js';
import type { Property } from '../hubspot/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import { AppError, type Clock } from '../lib/index.js';
import type { Db, Workspace } from '../store/index.js';
import { replaceMapping } from '../store/index.js';
import { EMAIL_FIELD, EMAIL_PROPERTY, localFields, suggestMapping, validateMapping, writableProperties, type LocalField } from './field-mapping.js';
import { CONTACTS, effectiveMapping, refreshWholeWorkspace } from './status-refresh.js';

const PROPERTY_CACHE_MS = 5 * 60_000;

export interface MappingView {
  fields: (Omit<LocalField, 'options'> & { property: string | null; locked: boolean })[];
  properties: Pick<Property, 'name' | 'label' | 'type' | 'fieldType' | 'groupName' | 'options'>[];
  saved: boolean;
}

export class MappingService {
  readonly #cache = new Map<string, { at: number; properties: Property[] }>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly gateway: HubSpotGateway,
  ) {}

  async properties(workspaceId: string, refresh = false): Promise<Property[]> {
    const cached = this.#cache.get(workspaceId);
    if (!refresh && cached && this.clock.now() - cached.at < PROPERTY_CACHE_MS) return cached.properties;
    const client = await this.gateway.clientFor(workspaceId);
    const properties = await client.properties.list(CONTACTS, { priority: 'interactive' });
    this.#cache.set(workspaceId, { at: this.clock.now(), properties });
    return properties;
  }

  async view(workspaceId: string, refresh = false): Promise<MappingView> {
    const properties = await this.properties(workspaceId, refresh);
    const fields = localFields(await loadFieldDefinitions(this.db, workspaceId));
    const { mapping: saved, saved: isSaved } = await effectiveMapping(this.db, workspaceId);
    const mapping = isSaved ? saved : suggestMapping(fields, properties);
    return {
      fields: fields.map(({ options: _options, ...f }) => ({ ...f, property: mapping[f.field] ?? null, locked: f.field === EMAIL_FIELD })),
      properties: writableProperties(properties)
        .map((p) => ({ name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: p.groupName, options: p.options }))
        .sort((a, b) => a.label.localeCompare(b.label)),
      saved: isSaved,
    };
  }

  /** Saves the complete mapping (fields left out are "don't sync"). */
  async save(workspace: Workspace, actor: Actor, requested: Record<string, string | null>): Promise<MappingView> {
    if (EMAIL_FIELD in requested && requested[EMAIL_FIELD] !== EMAIL_PROPERTY) {
      throw new AppError('EMAIL_MAPPING_LOCKED', 'Email is required and is permanently mapped to the HubSpot email property; HubSpot uses it to recognise contacts.', {
        field: EMAIL_FIELD,
        problems: [{ field: EMAIL_FIELD, message: 'Email always maps to email.' }],
      });
    }
    const properties = await this.properties(workspace.id);
    const fields = localFields(await loadFieldDefinitions(this.db, workspace.id));
    const mapping: Record<string, string | null> = { ...requested, [EMAIL_FIELD]: EMAIL_PROPERTY };
    const problems = validateMapping(mapping, fields, properties);
    if (problems.length > 0) {
      throw new AppError('MAPPING_INVALID', problems.length === 1 ? `${problems[0]!.field}: ${problems[0]!.message}` : `${problems.length} mappings need attention.`, {
        field: problems[0]!.field,
        problems,
      });
    }
    const before = (await effectiveMapping(this.db, workspace.id)).mapping;
    await this.db.transaction().execute(async (trx) => {
      await replaceMapping(trx, workspace.id, CONTACTS, fields.map((f) => ({ field: f.field, property: mapping[f.field] || null })), this.clock.now());
      const changes = fields
        .filter((f) => (before[f.field] ?? null) !== (mapping[f.field] || null))
        .map((f) => ({ field: f.field, from: before[f.field] ?? null, to: mapping[f.field] || null }));
      await audit(trx, this.clock, { workspaceId: workspace.id, actor, action: 'hubspot.mapping_saved', details: { objectType: CONTACTS, changes } });
      if (changes.length > 0) await refreshWholeWorkspace(trx, workspace.id);
    });
    return this.view(workspace.id);
  }
}
