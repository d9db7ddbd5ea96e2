// In-memory storage for one object type in one portal, shaped for a million contacts: a Map
// by id, a Map by lower-cased email, an append-only array in id order for cursor paging, and
// property history kept only for properties that changed after creation. System properties
// (hs_object_id, createdate, lastmodifieddate) are derived from record fields, not stored.

import { createdProperty, lastModifiedProperty } from './default-properties.js';
import type { ObjectType } from './types.js';

export interface WriteSource {
  sourceType: string;
  sourceId?: string;
}

export interface PropertyVersion extends WriteSource {
  value: string;
  timestamp: number;
}

export interface CrmRecord {
  id: string;
  /** Numeric id, for binary search over the id-ordered array. */
  num: number;
  /** Stored (non-system) properties; a cleared property is absent. */
  props: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number;
  createdBy: WriteSource;
  /** Versions (newest first) of properties that changed after creation, creation version included. */
  history: Map<string, PropertyVersion[]> | undefined;
  /** What search sees; null until first indexed. Same object as `props` when there is no lag. */
  searchView: Record<string, string> | null;
  pending: { at: number; view: Record<string, string> } | undefined;
  /** Set on a record that a merge replaced. */
  mergedInto: string | undefined;
}

const HISTORY_CAP = 50;

export class ObjectStore {
  readonly type: ObjectType;
  readonly byId = new Map<string, CrmRecord>();
  /** Old ids (merged away) → current id. */
  readonly aliases = new Map<string, string>();
  /** Every record ever created, in ascending id order (ids only grow). */
  readonly order: CrmRecord[] = [];
  /** Lower-cased email (primary and additional) → contact. Contacts only. */
  readonly byEmail = new Map<string, CrmRecord>();
  /** Property name → value → live record, for properties with `hasUniqueValue`. */
  readonly unique = new Map<string, Map<string, CrmRecord>>();
  searchLagMs = 0;

  constructor(type: ObjectType) {
    this.type = type;
  }

  /** Finds a record by current or merged-away id, archived or not. */
  resolve(id: string): CrmRecord | undefined {
    const direct = this.byId.get(id);
    if (direct) return direct;
    const alias = this.aliases.get(id);
    return alias === undefined ? undefined : this.byId.get(alias);
  }

  findByEmail(email: string): CrmRecord | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  /**
   * Starts keeping a value index for a property whose values must be unique (a new property
   * with `hasUniqueValue`). Returns false when live records already share a value.
   */
  addUniqueIndex(name: string): boolean {
    const index = new Map<string, CrmRecord>();
    for (const r of this.byId.values()) {
      const value = r.props[name];
      if (r.archived || value === undefined) continue;
      if (index.has(value)) return false;
      index.set(value, r);
    }
    this.unique.set(name, index);
    return true;
  }

  dropUniqueIndex(name: string): void {
    this.unique.delete(name);
  }

  /** The live record holding `value` in unique property `name`, if any. */
  findByUnique(name: string, value: string): CrmRecord | undefined {
    return this.unique.get(name)?.get(value);
  }

  /** Finds a live record whose property `name` equals `value` (case-insensitive for email). */
  findByProperty(name: string, value: string): CrmRecord | undefined {
    if (name === 'hs_object_id') {
      const r = this.resolve(value);
      return r && !r.archived ? r : undefined;
    }
    if (name === 'email' && this.type === 'contacts') return this.findByEmail(value);
    const index = this.unique.get(name);
    if (index) return index.get(value);
    for (const r of this.byId.values()) {
      if (!r.archived && r.props[name] === value) return r;
    }
    return undefined;
  }

  insert(id: string, props: Record<string, string>, now: number, source: WriteSource): CrmRecord {
    const record: CrmRecord = {
      id,
      num: Number(id),
      props,
      createdAt: now,
      updatedAt: now,
      archived: false,
      archivedAt: 0,
      createdBy: source,
      history: undefined,
      searchView: null,
      pending: undefined,
      mergedInto: undefined,
    };
    for (const key of Object.keys(props)) if (props[key] === '') delete props[key];
    this.byId.set(id, record);
    this.order.push(record);
    this.indexEmails(record);
    this.indexUnique(record);
    this.reindex(record, now);
    return record;
  }

  /**
   * Applies already-checked values. Returns the names whose value really changed; unchanged
   * values leave no history entry, as in HubSpot.
   */
  update(record: CrmRecord, values: Record<string, string>, now: number, source: WriteSource): string[] {
    const changed: string[] = [];
    if (this.searchLagMs > 0 && record.searchView === record.props) record.searchView = { ...record.props };
    const emailBefore = record.props['email'];
    for (const [name, value] of Object.entries(values)) {
      const before = record.props[name];
      if ((before ?? '') === value) continue;
      let versions = record.history?.get(name);
      if (!versions) {
        versions = before === undefined ? [] : [{ value: before, timestamp: record.createdAt, ...record.createdBy }];
        record.history ??= new Map();
        record.history.set(name, versions);
      }
      versions.unshift({ value, timestamp: now, ...source });
      if (versions.length > HISTORY_CAP) versions.length = HISTORY_CAP;
      const index = this.unique.get(name);
      if (index && before !== undefined && index.get(before) === record) index.delete(before);
      if (value === '') delete record.props[name];
      else record.props[name] = value;
      if (index && value !== '' && !record.archived) index.set(value, record);
      changed.push(name);
    }
    if (changed.length > 0) {
      record.updatedAt = now;
      if (this.type === 'contacts' && emailBefore !== record.props['email']) {
        if (emailBefore !== undefined) this.unindexEmail(emailBefore, record);
        this.indexEmails(record);
      }
      this.reindex(record, now);
    }
    return changed;
  }

  archive(record: CrmRecord, now: number): void {
    if (record.archived) return;
    record.archived = true;
    record.archivedAt = now;
    record.updatedAt = now;
    for (const email of emailsOf(record)) this.unindexEmail(email, record);
    this.unindexUnique(record);
  }

  /**
   * Replaces two records by a new one with a new id. The primary's values win; the other
   * record fills the gaps. Both old ids (and ids merged into them earlier) keep resolving.
   */
  merge(primary: CrmRecord, other: CrmRecord, newId: string, now: number, source: WriteSource): CrmRecord {
    const props: Record<string, string> = { ...other.props, ...primary.props };
    const mergedIds = [
      ...splitIds(primary.props['hs_merged_object_ids']),
      ...splitIds(other.props['hs_merged_object_ids']),
      primary.id,
      other.id,
    ];
    props['hs_merged_object_ids'] = mergedIds.join(';');
    if (this.type === 'contacts') {
      const extra = new Set([
        ...splitIds(primary.props['hs_additional_emails']),
        ...splitIds(other.props['hs_additional_emails']),
      ]);
      const otherEmail = other.props['email'];
      if (otherEmail !== undefined && otherEmail.toLowerCase() !== props['email']?.toLowerCase()) extra.add(otherEmail);
      if (extra.size > 0) props['hs_additional_emails'] = [...extra].join(';');
    }
    for (const old of [primary, other]) {
      for (const email of emailsOf(old)) this.unindexEmail(email, old);
      this.unindexUnique(old);
      old.mergedInto = newId;
      this.byId.delete(old.id);
      this.aliases.set(old.id, newId);
    }
    for (const [alias, target] of this.aliases) {
      if (target === primary.id || target === other.id) this.aliases.set(alias, newId);
    }
    const merged = this.insert(newId, props, now, source);
    merged.createdAt = Math.min(primary.createdAt, other.createdAt);
    merged.createdBy = primary.createdBy;
    if (primary.history) merged.history = new Map(primary.history);
    return merged;
  }

  /** The first position in `order` whose id is ≥ `id`. */
  #positionOf(id: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]!.num < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every record ever created with an id from `from` up to `to` (both included), in id order. */
  between(from: number, to: number): CrmRecord[] {
    return this.order.slice(this.#positionOf(from), this.#positionOf(to + 1));
  }

  /** One page of live (or archived) records with id ≥ `after`, in id order. */
  list(after: number, limit: number, archived: boolean): { records: CrmRecord[]; next: string | undefined } {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]!.num < after) lo = mid + 1;
      else hi = mid;
    }
    const records: CrmRecord[] = [];
    for (let i = lo; i < this.order.length; i++) {
      const r = this.order[i]!;
      if (r.mergedInto !== undefined || r.archived !== archived) continue;
      if (records.length === limit) return { records, next: r.id };
      records.push(r);
    }
    return { records, next: undefined };
  }

  /** The property values search sees for this record now, or null when not yet indexed. */
  searchView(record: CrmRecord, now: number): Record<string, string> | null {
    if (record.pending && record.pending.at <= now) {
      record.searchView = record.pending.view;
      record.pending = undefined;
    }
    return record.searchView;
  }

  clear(): void {
    this.byId.clear();
    this.aliases.clear();
    this.order.length = 0;
    this.byEmail.clear();
    for (const index of this.unique.values()) index.clear();
  }

  private reindex(record: CrmRecord, now: number): void {
    if (this.searchLagMs <= 0) {
      record.searchView = record.props;
      record.pending = undefined;
    } else {
      record.pending = { at: now + this.searchLagMs, view: { ...record.props } };
    }
  }

  private indexUnique(record: CrmRecord): void {
    if (record.archived) return;
    for (const [name, index] of this.unique) {
      const value = record.props[name];
      if (value !== undefined) index.set(value, record);
    }
  }

  private unindexUnique(record: CrmRecord): void {
    for (const [name, index] of this.unique) {
      const value = record.props[name];
      if (value !== undefined && index.get(value) === record) index.delete(value);
    }
  }

  private indexEmails(record: CrmRecord): void {
    if (this.type !== 'contacts' || record.archived) return;
    for (const email of emailsOf(record)) this.byEmail.set(email.toLowerCase(), record);
  }

  private unindexEmail(email: string, record: CrmRecord): void {
    const key = email.toLowerCase();
    if (this.byEmail.get(key) === record) this.byEmail.delete(key);
  }
}

function splitIds(value: string | undefined): string[] {
  return value ? value.split(';').filter((v) => v !== '') : [];
}

function emailsOf(record: CrmRecord): string[] {
  const primary = record.props['email'];
  const extra = splitIds(record.props['hs_additional_emails']);
  return primary === undefined ? extra : [primary, ...extra];
}

/** The value of a property as HubSpot reports it, system properties included; undefined when unset. */
export function propertyValue(type: ObjectType, record: CrmRecord, name: string): string | undefined {
  if (name === 'hs_object_id') return record.id;
  if (name === createdProperty(type) || name === 'createdate') return new Date(record.createdAt).toISOString();
  if (name === lastModifiedProperty(type) || name === 'hs_lastmodifieddate') return new Date(record.updatedAt).toISOString();
  return record.props[name];
}

/** A property's versions, newest first, as `propertiesWithHistory` reports them. */
export function propertyHistory(type: ObjectType, record: CrmRecord, name: string): PropertyVersion[] {
  const stored = record.history?.get(name);
  if (stored) return stored;
  const value = propertyValue(type, record, name);
  if (value === undefined) return [];
  const isUpdateStamp = name === lastModifiedProperty(type);
  return [{ value, timestamp: isUpdateStamp ? record.updatedAt : record.createdAt, ...record.createdBy }];
}
