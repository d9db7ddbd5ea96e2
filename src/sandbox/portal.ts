// One HubSpot account ("portal"): its records per object type, property definitions and
// groups, deal pipelines, associations and lists. Portals share nothing, so two hubsync
// workspaces pointed at two portals of one sandbox cannot see each other's data.

import { AssociationStore } from './associations.js';
import { userEmailFor, userIdFor } from './auth.js';
import {
  defaultDealPipelines,
  defaultGroups,
  defaultProperties,
  type Pipeline,
  type PropertyDefinition,
  type PropertyGroup,
} from './default-properties.js';
import { ObjectStore } from './object-store.js';
import { OwnerStore } from './owners.js';
import { OBJECT_TYPES, type ObjectType, type Tier } from './types.js';

export interface PipelineInput {
  id?: string;
  label: string;
  displayOrder?: number;
  stages: { id?: string; label: string; probability: number; isClosed?: boolean }[];
}

export interface CrmList {
  listId: string;
  name: string;
  objectType: ObjectType;
  processingType: 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';
  createdAt: number;
  updatedAt: number;
  /** recordId → time it joined. */
  members: Map<string, number>;
}

/** A custom behavioral event definition (Enterprise hubs). */
export interface EventDefinitionRecord {
  name: string;
  label: string;
  description: string;
  fullyQualifiedName: string;
  primaryObject: string;
  propertyDefinitions: { name: string; label: string; type: string }[];
  createdAt: number;
}

/** One custom event occurrence as received (kept by uuid: a resend is the same occurrence). */
export interface EventOccurrenceRecord {
  eventName: string;
  objectId: string;
  occurredAt: string;
  uuid: string;
  properties: Record<string, string>;
  receivedAt: number;
}

export class Portal {
  readonly portalId: number;
  tier: Tier;
  /**
   * Whether the portal has custom behavioral events (an Enterprise hub). Without them the
   * events API answers 403 MISSING_SCOPES naming the events scope: a private app of such a
   * portal cannot be granted it. Default: on for the `enterprise` tier only.
   */
  customEvents: boolean;
  readonly eventDefinitions = new Map<string, EventDefinitionRecord>();
  readonly eventOccurrences = new Map<string, EventOccurrenceRecord>();
  readonly objects: Record<ObjectType, ObjectStore>;
  readonly properties: Record<ObjectType, Map<string, PropertyDefinition>>;
  readonly groups: Record<ObjectType, Map<string, PropertyGroup>>;
  readonly pipelines: Pipeline[];
  readonly associations = new AssociationStore();
  readonly lists = new Map<string, CrmList>();
  readonly owners: OwnerStore;
  #nextId: number;
  #nextListId = 1;
  #nextPipelineId = 30_000_001;

  constructor(portalId: number, tier: Tier, now = 0, customEvents = tier === 'enterprise') {
    this.portalId = portalId;
    this.tier = tier;
    this.customEvents = customEvents;
    this.owners = new OwnerStore(portalId);
    // Every portal has the owner of its one synthetic user (the one tokens act as).
    this.owners.add({ email: userEmailFor(portalId), firstName: 'Sandbox', lastName: 'User', userId: userIdFor(portalId) }, now);
    // Ids are shared across object types within a portal, like HubSpot's, and start high
    // enough to look like real ones in logs.
    this.#nextId = 100_001;
    const objects = {} as Record<ObjectType, ObjectStore>;
    const properties = {} as Record<ObjectType, Map<string, PropertyDefinition>>;
    const groups = {} as Record<ObjectType, Map<string, PropertyGroup>>;
    for (const type of OBJECT_TYPES) {
      objects[type] = new ObjectStore(type);
      properties[type] = new Map(defaultProperties(type).map((p) => [p.name, p]));
      groups[type] = new Map(defaultGroups(type).map((g) => [g.name, g]));
    }
    this.objects = objects;
    this.properties = properties;
    this.groups = groups;
    this.pipelines = defaultDealPipelines();
  }

  /**
   * Adds a deal pipeline with its stages and makes the `pipeline` and `dealstage` property
   * options follow (HubSpot keeps the stage options in the pipelines). Ids are generated as
   * numbers, as HubSpot's are for pipelines created after the default one.
   */
  addPipeline(input: PipelineInput, now: number): Pipeline {
    const at = new Date(now).toISOString();
    const id = input.id ?? String(this.#nextPipelineId++);
    if (this.pipelines.some((p) => p.id === id)) throw new Error(`Pipeline ${id} already exists.`);
    const taken = new Set(this.pipelines.flatMap((p) => p.stages.map((s) => s.id)));
    const stages = input.stages.map((stage, displayOrder) => {
      const stageId = stage.id ?? String(this.#nextPipelineId++);
      if (taken.has(stageId)) throw new Error(`Stage ${stageId} already exists.`);
      taken.add(stageId);
      return {
        label: stage.label,
        displayOrder,
        metadata: { isClosed: String(stage.isClosed ?? false), probability: String(stage.probability) },
        id: stageId,
        createdAt: at,
        updatedAt: at,
        writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
        archived: false,
      };
    });
    const pipeline: Pipeline = { label: input.label, displayOrder: input.displayOrder ?? this.pipelines.length, id, stages, createdAt: at, updatedAt: at, archived: false };
    this.pipelines.push(pipeline);
    this.#syncPipelineOptions();
    return pipeline;
  }

  /** The pipeline a deal is in (its own, else the default one) and whether a stage belongs to it. */
  pipelineOf(pipelineId: string | undefined): Pipeline | undefined {
    return this.pipelines.find((p) => p.id === (pipelineId ?? 'default')) ?? (pipelineId === undefined ? this.pipelines[0] : undefined);
  }

  #syncPipelineOptions(): void {
    const deals = this.properties.deals;
    const pipeline = deals.get('pipeline');
    const stage = deals.get('dealstage');
    if (pipeline) pipeline.options = this.pipelines.map((p, displayOrder) => ({ label: p.label, value: p.id, displayOrder, hidden: false }));
    if (stage) {
      let displayOrder = 0;
      stage.options = this.pipelines.flatMap((p) => p.stages.map((s) => ({ label: s.label, value: s.id, displayOrder: displayOrder++, hidden: false })));
    }
  }

  nextObjectId(): string {
    return String(this.#nextId++);
  }

  nextListId(): string {
    return String(this.#nextListId++);
  }

  setSearchLag(ms: number): void {
    for (const type of OBJECT_TYPES) this.objects[type].searchLagMs = ms;
  }
}
