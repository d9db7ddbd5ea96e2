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

export class Portal {
  readonly portalId: number;
  tier: Tier;
  readonly objects: Record<ObjectType, ObjectStore>;
  readonly properties: Record<ObjectType, Map<string, PropertyDefinition>>;
  readonly groups: Record<ObjectType, Map<string, PropertyGroup>>;
  readonly pipelines: Pipeline[];
  readonly associations = new AssociationStore();
  readonly lists = new Map<string, CrmList>();
  readonly owners: OwnerStore;
  #nextId: number;
  #nextListId = 1;

  constructor(portalId: number, tier: Tier, now = 0) {
    this.portalId = portalId;
    this.tier = tier;
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
