// Associations between records, stored in both directions so reads from either side are a
// Map lookup. The type catalogue holds HubSpot's built-in ("HUBSPOT_DEFINED") type ids and
// their inverses (HUBSPOT-API.md "Associations (v4)").

import type { ObjectType } from './types.js';

export interface AssociationType {
  typeId: number;
  from: ObjectType;
  to: ObjectType;
  /** "Primary" for the primary company/contact types, null for the plain (default) ones. */
  label: string | null;
  inverse: number;
}

const PAIRS: [number, ObjectType, ObjectType, string | null, number][] = [
  [279, 'contacts', 'companies', null, 280],
  [1, 'contacts', 'companies', 'Primary', 2],
  [4, 'contacts', 'deals', null, 3],
  [201, 'contacts', 'notes', null, 202],
  [341, 'deals', 'companies', null, 342],
  [5, 'deals', 'companies', 'Primary', 6],
  [213, 'deals', 'notes', null, 214],
  [189, 'companies', 'notes', null, 190],
];

/** Every built-in association type, both directions. */
export const ASSOCIATION_TYPES: ReadonlyMap<number, AssociationType> = new Map(
  PAIRS.flatMap(([id, from, to, label, inverse]): [number, AssociationType][] => [
    [id, { typeId: id, from, to, label, inverse }],
    [inverse, { typeId: inverse, from: to, to: from, label, inverse: id }],
  ]),
);

/** The unlabeled type HubSpot uses for `associations/default` between two object types. */
export function defaultAssociationType(from: ObjectType, to: ObjectType): AssociationType | undefined {
  for (const t of ASSOCIATION_TYPES.values()) {
    if (t.from === from && t.to === to && t.label === null) return t;
  }
  return undefined;
}

type Edges = Map<ObjectType, Map<string, Set<number>>>;

export interface AssociationChange {
  fromType: ObjectType;
  fromId: string;
  toType: ObjectType;
  toId: string;
  typeId: number;
  removed: boolean;
}

export class AssociationStore {
  readonly #edges = new Map<string, Edges>();

  /** Adds a typed association and its inverse; returns false when it already existed. */
  add(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string, typeId: number): boolean {
    const type = ASSOCIATION_TYPES.get(typeId);
    const inverse = type ? type.inverse : typeId;
    const added = this.#set(fromType, fromId, toType, toId).size;
    this.#set(fromType, fromId, toType, toId).add(typeId);
    this.#set(toType, toId, fromType, fromId).add(inverse);
    return this.#set(fromType, fromId, toType, toId).size !== added;
  }

  /** Removes one type (or all types when `typeId` is undefined) between two records, both ways. */
  remove(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string, typeId?: number): number[] {
    const forward = this.#edges.get(key(fromType, fromId))?.get(toType)?.get(toId);
    if (!forward) return [];
    const removed = typeId === undefined ? [...forward] : forward.has(typeId) ? [typeId] : [];
    for (const id of removed) {
      forward.delete(id);
      const inverse = ASSOCIATION_TYPES.get(id)?.inverse ?? id;
      this.#edges.get(key(toType, toId))?.get(fromType)?.get(fromId)?.delete(inverse);
    }
    if (forward.size === 0) {
      this.#edges.get(key(fromType, fromId))?.get(toType)?.delete(toId);
      this.#edges.get(key(toType, toId))?.get(fromType)?.delete(fromId);
    }
    return removed;
  }

  /** Associated records of one type, in insertion order: `[toId, typeIds]`. */
  list(fromType: ObjectType, fromId: string, toType: ObjectType): [string, number[]][] {
    const byId = this.#edges.get(key(fromType, fromId))?.get(toType);
    if (!byId) return [];
    return [...byId].map(([id, types]) => [id, [...types]]);
  }

  /** Drops every association of a record (it was archived). */
  removeAll(type: ObjectType, id: string): AssociationChange[] {
    const edges = this.#edges.get(key(type, id));
    if (!edges) return [];
    const changes: AssociationChange[] = [];
    for (const [toType, byId] of edges) {
      for (const toId of [...byId.keys()]) {
        for (const typeId of this.remove(type, id, toType, toId)) {
          changes.push({ fromType: type, fromId: id, toType, toId, typeId, removed: true });
        }
      }
    }
    this.#edges.delete(key(type, id));
    return changes;
  }

  /** Moves every association of `oldId` to `newId` (after a merge). */
  move(type: ObjectType, oldId: string, newId: string): void {
    const edges = this.#edges.get(key(type, oldId));
    if (!edges) return;
    for (const [toType, byId] of edges) {
      for (const [toId, types] of byId) {
        for (const typeId of types) if (!(toType === type && toId === newId)) this.add(type, newId, toType, toId, typeId);
      }
    }
    this.removeAll(type, oldId);
  }

  clear(): void {
    this.#edges.clear();
  }

  #set(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): Set<number> {
    const k = key(fromType, fromId);
    let edges = this.#edges.get(k);
    if (!edges) {
      edges = new Map();
      this.#edges.set(k, edges);
    }
    let byId = edges.get(toType);
    if (!byId) {
      byId = new Map();
      edges.set(toType, byId);
    }
    let types = byId.get(toId);
    if (!types) {
      types = new Set();
      byId.set(toId, types);
    }
    return types;
  }
}

function key(type: ObjectType, id: string): string {
  return `${type}:${id}`;
}
