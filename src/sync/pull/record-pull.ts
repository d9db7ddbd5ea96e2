// The pull of one object type's records, the same for every type: this module turns a small
// spec (contact.pull.ts, company.pull.ts, deal.pull.ts: its table, how its records are found and
// imported, its own fields) into the pull engine's adapter. It owns what every type shares:
//
// - the fields read: each mapped field with its local type (mappedFields; Push only fields are
//   never read), HubSpot's text converted to that type — a value the field cannot hold is
//   reported as a problem and the field keeps its local value — plus a type's own fields (a
//   deal's stage);
// - the three-way merge of each field against the base (`synced_values`, ./merge.ts), values
//   compared in the form the push writes them: the type's own push properties of the record,
//   and of the record with HubSpot's value written in. So hubsync's own push coming back (a
//   close date HubSpot turned into an ISO time, an email it lower-cased) equals its base. A Pull
//   only field is never pushed, so when both sides changed it HubSpot's value is taken without a
//   conflict (the local one could never reach HubSpot);
// - an imported record's base: what HubSpot holds of the fields read, and for everything else
//   the record pushes (a Push only field, hubsync's key, the owner, a value that did not
//   convert) the record's own value, so the push — which sends only what differs from the base —
//   neither takes nor clears HubSpot's value there until the field is edited here;
// - conflicts recorded in sync_conflicts, the base and the link stored for every touched record;
// - the page's `changes`: each record created, linked or changed (or holding a value that could
//   not be stored), from which the engine writes the run's sync-log attempts;
// - statuses: the pull writes through the store, not the record services, so no change listener
//   runs and nothing enters the pending-changes set (nothing is pushed back). It keeps the
//   statuses true itself: hashes are recomputed, and a record that read Synced, or was just
//   imported, whose pulled fields HubSpot now holds exactly reads Synced (its hash is marked
//   pushed). One that waited for a push, or was just linked, is left to the push.
import type { CrmObject, ObjectType } from '../../hubspot/index.js';
import { newId, type Clock } from '../../lib/index.js';
import { parseCustomValueText, validateTags, type CustomFieldDefinition, type CustomValue, type FieldResult } from '../../records/index.js';
import type { Db, LiveRecordTable, RecordLabel, RecordTable, SyncConflictRow, SyncStatus } from '../../store/index.js';
import type { WebhookEmitter } from '../../webhooks/index.js';
import { insertConflicts, listOwners, markInAgreement, saveSyncedValues } from '../../store/index.js';
import { mappingFor, type Directions, type LocalField, type Mapping } from '../field-mapping.js';
import { applyHubSpotMerges, mergedIdsOf, type HubSpotMerge } from './hubspot-merges.js';
import { conflictWinner, decideField, type ConflictWinner } from './merge.js';
import type { LinkedPair, LinkOutcome, PageAssociations } from './links.pull.js';
import { emptyOutcome, stampOf, type PullAdapter, type PullChange, type PullPageOutcome } from './pull-adapter.js';

/** A local field as the pull reads it from HubSpot. */
export interface PulledField {
  /** The local field (`firstName`, `custom.<key>`, a deal's `stage`): stamped when written, named in conflicts and problems. */
  field: string;
  /** The HubSpot properties it is read from (the push writes them from it); the first names it in conflicts. */
  properties: readonly string[];
  /** HubSpot's value as the local field holds it, or what to report when it cannot. */
  convert(properties: Readonly<Record<string, string | null>>): FieldResult<unknown>;
  /** The form two of its values are compared in (emails ignore case, `5.0` is `5`); as written when absent. */
  canonical?(value: string): string;
  /** Pull only: never pushed, so HubSpot's value is taken even when the local one changed too. */
  pullOnly?: boolean;
  /**
   * A value it cannot convert is reported but does not keep the record from reading Synced (the
   * owner: HubSpot's owner linked to no user here is left in HubSpot, never cleared by the push).
   */
  soft?: boolean;
}

/** What a type's pull reads once per pull. */
export interface PullContext<X = unknown> {
  /** What the type's push computes a record's properties with (its mapping, owners, stage mapping). */
  values: X;
  /** The same over the fields the pull reads (Pull only ones in, Push only ones out): the merge's local side. */
  pulled: X;
  fields: readonly PulledField[];
}

/** A local record as the merge sees it (Customer, Organization and Deal all are). */
export interface PulledRecord {
  id: string;
  custom: Record<string, CustomValue>;
  fieldUpdatedAt: Record<string, number>;
  updatedAt: number;
  sync: { hubspotId: string | null; status: SyncStatus };
}

/** The local record a HubSpot record concerns, with its base. */
export interface Located<R> {
  record: R;
  base: Record<string, string>;
  /** Found by a key (email, domain, hubsync's id), not linked before. */
  linking: boolean;
}

/** What differs between the pulled types; `recordPullAdapter` does the rest. */
export interface RecordPullSpec<R extends PulledRecord, C extends PullContext> {
  readonly objectType: ObjectType;
  /** The property every HubSpot write stamps (`lastmodifieddate` for contacts, `hs_lastmodifieddate` for others). */
  readonly modifiedProperty: string;
  /** The setting that turns the type on; contacts have none (always pulled). */
  readonly setting?: PullAdapter['setting'];
  readonly table: LiveRecordTable;
  /** The prefix of the ids of records the pull creates (`cus`, `org`, `deal`). */
  readonly idPrefix: string;
  /** HubSpot properties read besides the fields': what records are found by and imported on. */
  readonly lookupProperties: readonly string[];
  context(db: Db, workspaceId: string): Promise<C>;
  /** What the record pushes (HubSpot property → value) computed with `values` (the context's `values` or `pulled`). */
  properties(record: R, values: C['values']): Record<string, string>;
  /** Writes a converted value into the record (use `writeField` for plain and custom fields). */
  write(record: R, field: string, value: unknown): void;
  /** The page's records found locally: by link (a deleted record means "leave it"), else by the type's keys (`locateRows`). */
  locate(db: Db, workspaceId: string, records: readonly CrmObject[]): Promise<Map<string, Located<R> | 'deleted'>>;
  /**
   * An empty local record linked to an unknown HubSpot record, or null when the type's import
   * rule leaves it out (`forced`: imported whatever the rule says). Its fields are filled after.
   */
  create(workspaceId: string, id: string, hubspot: CrmObject, context: C, now: number, forced: boolean): R | null;
  /** The types whose associations to these records come in as links (./links.pull.ts). */
  readonly linkKinds?: readonly ObjectType[];
  /** Brings the page's associations in as links, after its records were written; per local record, whether its links changed and agree. */
  links?(db: Db, workspaceId: string, pairs: readonly LinkedPair[], associations: PageAssociations, now: number): Promise<Map<string, LinkOutcome>>;
  /** After the page's records are written: what the type keeps of them besides (a contact's additional emails). */
  pageWritten?(db: Db, workspaceId: string, records: readonly CrmObject[]): Promise<void>;
  /** After an imported record's fields are filled: what the type adds (a contact's lifecycle tag). */
  imported?(record: R, hubspot: CrmObject, context: C, now: number): void;
  insert(db: Db, records: R[], context: C): Promise<void>;
  /** Writes a merged record's content (not its sync state), bumping its version. */
  update(db: Db, record: R, before: R, context: C): Promise<void>;
  /** The record's name (and a customer's email) as the sync log shows them. */
  labelOf(record: R): RecordLabel;
  /**
   * For a record just linked by its key: the side that wins the fields both hold differently
   * because the two copies were created within the de-duplication window (the older: contacts,
   * ./merge.ts `canonicalOnLink`), or null to decide them by time.
   */
  canonicalOnLink?(record: R, hubspot: CrmObject, context: C): ConflictWinner | null;
  /** The record's Duplicate key (lower-cased email, domain key): the statuses of its old group may change with it. */
  duplicateKey?(record: R): string | null;
  /** Types HubSpot merges (contacts, companies): merged records' old ids are merged locally first (./hubspot-merges.ts), keyed by `keyOf`. */
  readonly merges?: { table: RecordTable; keyOf(hubspot: CrmObject): string | null };
  /** Recomputes the current hashes of these records (before the agreement is marked). */
  refreshHashes(db: Db, workspaceId: string, ids: string[], context: C): Promise<void>;
  /** Recomputes their statuses, and those of the records sharing their Duplicate keys, old or new. */
  refreshStatuses(db: Db, workspaceId: string, ids: string[], previousKeys: string[]): Promise<void>;
}

const TRUNCATED = 200;

/** A raw HubSpot value as a problem quotes it (long values cut). */
export function quoted(raw: string | null | undefined): string {
  const text = raw ?? '';
  return `"${text.length > TRUNCATED ? `${text.slice(0, TRUNCATED)}…` : text}"`;
}

/** HubSpot's date or time (ISO date or time, epoch ms) as the day `YYYY-MM-DD` a local date holds; other text as it is. */
export function dayOf(text: string): string {
  const value = text.trim();
  if (/^\d{9,}$/.test(value)) return new Date(Number(value)).toISOString().slice(0, 10);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return value.slice(0, 10);
  return value;
}

/** A decimal number in one spelling (`1500.50`, `01500.5` → `1500.5`); other text as it is. */
export function decimalKey(value: string): string {
  const match = /^(-?)0*(\d+?)(?:\.(\d*?)0*)?$/.exec(value.trim());
  if (!match) return value;
  const [, sign, whole, fraction] = match;
  const digits = fraction ? `${whole}.${fraction}` : whole!;
  return digits === '0' ? '0' : `${sign}${digits}`;
}

/** A custom field's value from HubSpot's text. */
function customValueOf(definition: CustomFieldDefinition | undefined, text: string): FieldResult<unknown> {
  if (!definition) return { ok: false, message: 'is not a custom field of this workspace any more' };
  return parseCustomValueText(definition, definition.type === 'date' ? dayOf(text) : text);
}

/**
 * The mapped fields the pull reads (every field of `mapping` but Push only ones) as pulled
 * fields: tags and custom fields converted by their type, built-in fields by `builtIn` (the
 * type's own field rules, given HubSpot's text). Numbers compare as numbers.
 */
export function mappedFields(
  mapping: Mapping,
  directions: Directions,
  all: readonly LocalField[],
  customFields: readonly CustomFieldDefinition[],
  builtIn: (field: LocalField, text: string) => FieldResult<unknown>,
): PulledField[] {
  return Object.entries(mappingFor(mapping, directions, 'pull')).flatMap(([name, property]) => {
    const field = all.find((f) => f.field === name);
    if (!field) return [];
    const definition = customFields.find((d) => `custom.${d.key}` === field.field);
    const pulled: PulledField = {
      field: field.field,
      properties: [property],
      convert(properties) {
        const raw = properties[property];
        const text = raw ?? '';
        const converted =
          field.field === 'tags'
            ? validateTags(text.split(';').map((t) => t.trim()).filter((t) => t !== ''))
            : field.kind === 'custom'
              ? customValueOf(definition, text)
              : builtIn(field, text);
        return converted.ok ? converted : { ok: false, message: `HubSpot's ${property} ${quoted(raw)} ${converted.message}` };
      },
    };
    if (field.type === 'number') pulled.canonical = decimalKey;
    if (directions[name] === 'pull') pulled.pullOnly = true;
    return [pulled];
  });
}

/** The HubSpot property a record's owner is read from (and pushed to). */
export const OWNER_PROPERTY = 'hubspot_owner_id';

/** A HubSpot owner as the pull maps it: the local user it is linked to (HubSpot → Owners), or none. */
export interface PulledOwner {
  userId: string | null;
  email: string | null;
}

/**
 * The record's owner as a pulled field (pure): HubSpot's `hubspot_owner_id` → the local user
 * linked to that owner (`owners`: owner id → its link, as last read from HubSpot). No owner in
 * HubSpot clears the local one. An owner hubsync has not read, or one linked to no local user,
 * is reported as a problem on the record, which keeps its owner; nothing else about the record
 * fails. Compared in the form the push writes it (the linked owner's id).
 */
export function ownerField(owners: ReadonlyMap<string, PulledOwner>): PulledField {
  return {
    field: 'ownerUserId',
    properties: [OWNER_PROPERTY],
    soft: true,
    convert(properties): FieldResult<unknown> {
      const ownerId = (properties[OWNER_PROPERTY] ?? '').trim();
      if (ownerId === '') return { ok: true, value: null };
      const owner = owners.get(ownerId);
      if (!owner) return { ok: false, message: `HubSpot's owner ${quoted(ownerId)} is not among the owners hubsync read: read them again (HubSpot → Owners) and link it to a user; the record keeps its owner.` };
      if (owner.userId === null) {
        const who = owner.email === null ? '' : ` (${owner.email})`;
        return { ok: false, message: `HubSpot's owner ${quoted(ownerId)}${who} is linked to no user here: link it on HubSpot → Owners; the record keeps its owner.` };
      }
      return { ok: true, value: owner.userId };
    },
  };
}

/** The workspace's HubSpot owners by id, for `ownerField`. */
export async function pulledOwners(db: Db, workspaceId: string): Promise<Map<string, PulledOwner>> {
  return new Map((await listOwners(db, workspaceId)).map((o) => [o.ownerId, { userId: o.userId, email: o.email }]));
}

/** Writes a plain field (`name`) or a custom one (`custom.<key>`; null removes it). */
export function writeField(record: PulledRecord, field: string, value: unknown): void {
  if (field.startsWith('custom.')) {
    const key = field.slice('custom.'.length);
    if (value === null || value === undefined) delete record.custom[key];
    else record.custom[key] = value as CustomValue;
  } else {
    (record as unknown as Record<string, unknown>)[field] = value;
  }
}

function copyOf<R extends PulledRecord>(record: R): R {
  return { ...record, custom: { ...record.custom }, fieldUpdatedAt: { ...record.fieldUpdatedAt } };
}

/** The field's values in `form` (property → value), compared as one. */
function keyOf(field: PulledField, form: Readonly<Record<string, string>>, separator = '\u0000'): string {
  return field.properties.map((p) => (field.canonical ?? String)(form[p] ?? '')).join(separator);
}

/** The push's properties of the record with `value` written into `field`: HubSpot's value in the form the push writes it. */
function hubspotForm<R extends PulledRecord, C extends PullContext>(spec: RecordPullSpec<R, C>, record: R, field: PulledField, value: unknown, context: C): Record<string, string> {
  const written = copyOf(record);
  spec.write(written, field.field, value);
  const form = spec.properties(written, context.pulled);
  return Object.fromEntries(field.properties.map((p) => [p, form[p] ?? '']));
}

export interface FieldConflict {
  field: string;
  property: string;
  localValue: string;
  hubspotValue: string;
  localChangedAt: number;
  hubspotChangedAt: number;
  winner: 'local' | 'hubspot';
}

/** What merging one pulled record into its local record comes to. */
export interface RecordMerge<R> {
  /** The record with HubSpot's changes written (and stamped). */
  values: R;
  changed: boolean;
  base: Record<string, string>;
  conflicts: FieldConflict[];
  problems: { field: string; message: string }[];
}

/**
 * Merges `hubspot` into `record` field by field against `base` (pure). `changedAt` gives
 * HubSpot's change time per property for conflicts (read from its history); without it, a
 * conflict falls back on the record's last-modified time.
 */
export function mergeRecord<R extends PulledRecord, C extends PullContext>(
  spec: RecordPullSpec<R, C>,
  record: R,
  base: Readonly<Record<string, string>>,
  hubspot: CrmObject,
  context: C,
  changedAt: ReadonlyMap<string, number> | undefined,
  now: number,
  /** The side that wins every conflict whatever the times (a record just linked whose copies were created seconds apart: the older). */
  canonical: ConflictWinner | null = null,
): RecordMerge<R> {
  const merge: RecordMerge<R> = { values: copyOf(record), changed: false, base: { ...base }, conflicts: [], problems: [] };
  const modified = stampOf(hubspot.properties[spec.modifiedProperty]);
  const local = spec.properties(record, context.pulled);
  for (const field of context.fields) {
    // A property HubSpot did not return (unknown to the portal) says nothing: it is not a clear.
    if (!field.properties.every((p) => p in hubspot.properties)) continue;
    const converted = field.convert(hubspot.properties);
    if (!converted.ok) {
      merge.problems.push({ field: field.field, message: converted.message });
      continue;
    }
    const theirs = hubspotForm(spec, record, field, converted.value, context);
    const take = (): void => {
      spec.write(merge.values, field.field, converted.value);
      merge.values.fieldUpdatedAt[field.field] = now;
      merge.changed = true;
    };
    const moveBase = (): void => {
      for (const p of field.properties) merge.base[p] = theirs[p]!;
    };
    const agreed = field.properties.every((p) => base[p] !== undefined) ? keyOf(field, base) : undefined;
    const decision = decideField(agreed, keyOf(field, local), keyOf(field, theirs));
    switch (decision === 'conflict' && field.pullOnly ? 'take-hubspot' : decision) {
      case 'none':
      case 'keep-local':
        break;
      case 'agree':
        moveBase();
        break;
      case 'take-hubspot':
        take();
        moveBase();
        break;
      case 'conflict': {
        const localChangedAt = record.fieldUpdatedAt[field.field] ?? 0;
        const times = field.properties.flatMap((p) => changedAt?.get(p) ?? []);
        const hubspotChangedAt = times.length > 0 ? Math.max(...times) : modified;
        const winner = canonical ?? conflictWinner(localChangedAt, hubspotChangedAt);
        merge.conflicts.push({
          field: field.field,
          property: field.properties[0]!,
          localValue: keyOf(field, local, ' / '),
          hubspotValue: keyOf(field, theirs, ' / '),
          localChangedAt,
          hubspotChangedAt,
          winner,
        });
        if (winner === 'hubspot') take();
        // Either way the base is what HubSpot holds now: a local winner still has to be pushed,
        // and until it is, the next pull must see it as "changed locally", not overwrite it.
        moveBase();
        break;
      }
    }
  }
  return merge;
}

/**
 * The local record an unknown HubSpot record becomes (pure), or null when the type's import
 * rule leaves it out: its fields filled from HubSpot (values that do not convert left empty and
 * reported), and its base: what HubSpot holds of the fields read, in the form the push writes
 * it, and the record's own value of every other property it pushes (see the header).
 */
export function importRecord<R extends PulledRecord, C extends PullContext>(
  spec: RecordPullSpec<R, C>,
  workspaceId: string,
  id: string,
  hubspot: CrmObject,
  context: C,
  now: number,
  forced = false,
): { record: R; base: Record<string, string>; problems: { field: string; message: string }[] } | null {
  const record = spec.create(workspaceId, id, hubspot, context, now, forced);
  if (!record) return null;
  const empty = copyOf(record);
  const base: Record<string, string> = {};
  const problems: { field: string; message: string }[] = [];
  for (const field of context.fields) {
    const converted = field.convert(hubspot.properties);
    if (!converted.ok) {
      problems.push({ field: field.field, message: converted.message });
      continue;
    }
    Object.assign(base, hubspotForm(spec, empty, field, converted.value, context));
    if (converted.value === null || (Array.isArray(converted.value) && converted.value.length === 0)) continue;
    spec.write(record, field.field, converted.value);
    record.fieldUpdatedAt[field.field] = now;
  }
  spec.imported?.(record, hubspot, context, now);
  for (const [property, value] of Object.entries(spec.properties(record, context.values))) if (base[property] === undefined) base[property] = value;
  return { record, base, problems };
}

/** Whether HubSpot holds exactly what the record's pulled fields push (then it may read Synced). */
export function inAgreement<R extends PulledRecord, C extends PullContext>(spec: RecordPullSpec<R, C>, record: R, base: Readonly<Record<string, string>>, context: C): boolean {
  const pushed = spec.properties(record, context.pulled);
  return context.fields.every((field) => {
    const known = field.properties.every((p) => base[p] !== undefined);
    // A soft field never agreed on (HubSpot's owner no user here stands for) is left to HubSpot.
    if (!known) return field.soft === true;
    return keyOf(field, base) === keyOf(field, pushed);
  });
}

/** The columns every record row has that `locateRows` reads. */
export interface LocatableRow {
  id: string;
  hubspot_id: string | null;
  deleted_at: number | null;
  created_at: number;
  synced_values: string | null;
}

/**
 * Finds each HubSpot record's local row among `rows` (pure): the row linked to it (a deleted one
 * means "leave it"), else the first rule's match, then the next rule's…: the oldest live row
 * without a link that no other record of the page took.
 */
export function locateRows<Row extends LocatableRow, R>(
  records: readonly CrmObject[],
  rows: readonly Row[],
  toRecord: (row: Row) => R,
  rules: readonly ((record: CrmObject, row: Row) => boolean)[],
): Map<string, Located<R> | 'deleted'> {
  const found = new Map<string, Located<R> | 'deleted'>();
  const located = (row: Row, linking: boolean): Located<R> => ({ record: toRecord(row), base: JSON.parse(row.synced_values ?? '{}') as Record<string, string>, linking });
  const byLink = new Map(rows.filter((r) => r.hubspot_id !== null).map((r) => [r.hubspot_id!, r]));
  const claimed = new Set<string>();
  for (const record of records) {
    const linked = byLink.get(record.id);
    if (!linked) continue;
    found.set(record.id, linked.deleted_at !== null ? 'deleted' : located(linked, false));
    claimed.add(linked.id);
  }
  const free = rows.filter((r) => r.deleted_at === null && r.hubspot_id === null).sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  for (const rule of rules) {
    for (const record of records) {
      if (found.has(record.id)) continue;
      const match = free.find((r) => !claimed.has(r.id) && rule(record, r));
      if (!match) continue;
      found.set(record.id, located(match, true));
      claimed.add(match.id);
    }
  }
  return found;
}

/**
 * The pull engine's adapter for a type: the merge, imports, conflicts, bases and statuses above,
 * over the type's spec. `events` (webhooks out) is told of the merges found in HubSpot.
 */
export function recordPullAdapter<R extends PulledRecord, C extends PullContext>(spec: RecordPullSpec<R, C>, clock: Clock, events?: Pick<WebhookEmitter, 'emit'>): PullAdapter<C> {
  const adapter: PullAdapter<C> = {
    objectType: spec.objectType,
    modifiedProperty: spec.modifiedProperty,

    context: (db, workspaceId) => spec.context(db, workspaceId),

    properties: (context) => [...new Set([...context.fields.flatMap((f) => f.properties), ...spec.lookupProperties, spec.modifiedProperty])],

    async conflicts(db, workspaceId, context, records) {
      const located = await spec.locate(db, workspaceId, records);
      const out = new Map<string, string[]>();
      for (const hubspot of records) {
        const found = located.get(hubspot.id);
        if (!found || found === 'deleted') continue;
        const merged = mergeRecord(spec, found.record, found.base, hubspot, context, undefined, 0);
        const properties = merged.conflicts.flatMap((c) => context.fields.find((f) => f.field === c.field)?.properties ?? [c.property]);
        if (properties.length > 0) out.set(hubspot.id, properties);
      }
      return out;
    },

    async linkable(db, workspaceId, context, records, all) {
      const located = await spec.locate(db, workspaceId, records);
      return records.flatMap((hubspot) => {
        const found = located.get(hubspot.id);
        if (found === 'deleted') return [];
        if (!found) return spec.create(workspaceId, hubspot.id, hubspot, context, 0, false) === null ? [] : [hubspot.id];
        if (all || found.linking) return [hubspot.id];
        const merged = mergeRecord(spec, found.record, found.base, hubspot, context, undefined, 0);
        const unchanged = !merged.changed && merged.conflicts.length === 0 && merged.problems.length === 0 && JSON.stringify(merged.base) === JSON.stringify(found.base);
        return unchanged ? [] : [hubspot.id];
      });
    },

    async apply(db, workspaceId, context, records, changedAt, run, page = {}) {
      const outcome: PullPageOutcome = emptyOutcome();
      if (spec.merges) {
        const { table, keyOf } = spec.merges;
        const merges: HubSpotMerge[] = records.flatMap((r) => (mergedIdsOf(r).length > 0 ? [{ newId: r.id, mergedIds: mergedIdsOf(r), key: keyOf(r) }] : []));
        if (merges.length > 0) await applyHubSpotMerges(db, clock, workspaceId, table, merges, events);
      }
      const located = await spec.locate(db, workspaceId, records);
      const created: R[] = [];
      const bases: { id: string; hubspotId: string; values: Record<string, string> }[] = [];
      const touched: string[] = [];
      /** Records that may read Synced once their links agree too: HubSpot holds their pulled fields exactly. */
      const fieldsAgree = new Set<string>();
      /** Every local record the page concerns, for its links. */
      const pairs: LinkedPair[] = [];
      const previousKeys: string[] = [];
      const conflicts: SyncConflictRow[] = [];
      /** Each record of the page as the page leaves it, for its label in the sync log. */
      const labels = new Map<string, RecordLabel>();
      // The sync log's line for a record (a customer is named by it).
      const change = (recordId: string, hubspotId: string, operation: PullChange['operation'], changed: boolean): PullChange => ({
        recordId,
        hubspotId,
        customerId: spec.table === 'customers' ? recordId : null,
        label: labels.get(recordId) ?? { name: null, email: null },
        operation,
        changed,
      });
      const report = (hubspotId: string, problems: readonly { field: string; message: string }[]): void => {
        outcome.problems.push(...problems.map((p) => ({ objectType: spec.objectType, hubspotId, ...p })));
      };
      const soft = new Set(context.fields.filter((f) => f.soft).map((f) => f.field));
      const blocking = (problems: readonly { field: string }[]) => problems.some((p) => !soft.has(p.field));
      for (const hubspot of records) {
        const found = located.get(hubspot.id);
        if (found === 'deleted') {
          outcome.skipped++;
          continue;
        }
        const reason = page.forced?.get(hubspot.id);
        if (!found) {
          const made = importRecord(spec, workspaceId, newId(spec.idPrefix, clock), hubspot, context, run.at, reason !== undefined);
          if (!made) {
            outcome.skipped++;
            continue;
          }
          created.push(made.record);
          labels.set(made.record.id, spec.labelOf(made.record));
          report(hubspot.id, made.problems);
          bases.push({ id: made.record.id, hubspotId: hubspot.id, values: made.base });
          touched.push(made.record.id);
          pairs.push({ id: made.record.id, hubspotId: hubspot.id });
          // Synced unless it holds something HubSpot lacks (a contact's lifecycle tag, when tags are mapped).
          if (!blocking(made.problems) && inAgreement(spec, made.record, made.base, context)) fieldsAgree.add(made.record.id);
          outcome.created++;
          outcome.changes.push({ ...change(made.record.id, hubspot.id, 'create', true), ...(reason === undefined ? {} : { reason }) });
          continue;
        }
        const { record } = found;
        pairs.push({ id: record.id, hubspotId: hubspot.id });
        const canonical = found.linking ? (spec.canonicalOnLink?.(record, hubspot, context) ?? null) : null;
        const merged = mergeRecord(spec, record, found.base, hubspot, context, changedAt.get(hubspot.id), run.at, canonical);
        labels.set(record.id, spec.labelOf(merged.changed ? merged.values : record));
        report(hubspot.id, merged.problems);
        for (const c of merged.conflicts) {
          conflicts.push({
            id: newId('cfl', clock),
            workspace_id: workspaceId,
            object_type: spec.objectType,
            record_id: record.id,
            hubspot_id: hubspot.id,
            field: c.field,
            property: c.property,
            local_value: c.localValue,
            hubspot_value: c.hubspotValue,
            local_changed_at: c.localChangedAt,
            hubspot_changed_at: c.hubspotChangedAt,
            winner: c.winner,
            run_id: run.id,
            at: run.at,
          });
        }
        outcome.conflicts += merged.conflicts.length;
        if (found.linking || merged.changed || merged.problems.length > 0) outcome.changes.push(change(record.id, hubspot.id, found.linking ? 'link' : 'update', found.linking || merged.changed));
        // Synced again only when it was Synced before: a record that was waiting for a push (or
        // was just linked) may still have to send what the pull does not compare.
        if (record.sync.status === 'synced' && !blocking(merged.problems) && inAgreement(spec, merged.values, merged.base, context)) fieldsAgree.add(record.id);
        const baseMoved = JSON.stringify(merged.base) !== JSON.stringify(found.base);
        if (!merged.changed && !baseMoved && !found.linking) continue;
        if (merged.changed) {
          await spec.update(db, { ...merged.values, updatedAt: run.at }, record, context);
          const key = spec.duplicateKey?.(record);
          if (key) previousKeys.push(key);
          outcome.updated++;
        }
        if (found.linking) outcome.linked++;
        bases.push({ id: record.id, hubspotId: hubspot.id, values: merged.base });
        touched.push(record.id);
      }
      await spec.insert(db, created, context);
      await saveSyncedValues(db, spec.table, workspaceId, bases);
      await insertConflicts(db, conflicts);
      await spec.pageWritten?.(db, workspaceId, records);
      // HubSpot's associations, once every record of the page is written (./links.pull.ts).
      const links = spec.links && page.associations && page.associations.size > 0 ? await spec.links(db, workspaceId, pairs, page.associations, run.at) : new Map<string, LinkOutcome>();
      const isTouched = new Set(touched);
      const hubspotIdOf = new Map(pairs.map((p) => [p.id, p.hubspotId]));
      for (const [id, linked] of links) {
        if (!linked.changed) continue;
        // A record whose links alone changed is one the pull updated all the same.
        const logged = outcome.changes.find((c) => c.recordId === id);
        if (!logged) outcome.changes.push(change(id, hubspotIdOf.get(id)!, 'update', true));
        if (!logged || (logged.operation === 'update' && !logged.changed)) outcome.updated++;
        if (logged) logged.changed = true;
        if (!isTouched.has(id)) {
          touched.push(id);
          isTouched.add(id);
        }
      }
      const agreed = touched.filter((id) => fieldsAgree.has(id) && (links.get(id)?.agreed ?? true));
      if (touched.length > 0) {
        await spec.refreshHashes(db, workspaceId, touched, context);
        await markInAgreement(db, spec.table, workspaceId, agreed, run.at);
        await spec.refreshStatuses(db, workspaceId, touched, previousKeys);
      }
      return outcome;
    },
  };
  const withLinks = spec.linkKinds === undefined ? adapter : { ...adapter, linkKinds: spec.linkKinds };
  if (spec.setting !== undefined) return { ...withLinks, setting: spec.setting };
  return withLinks;
}
