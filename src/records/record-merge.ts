// Merging two records of one type (customers, organizations) into one: the generic core the
// Merge action (src/http), merges found in HubSpot (src/sync/pull/hubspot-merges.ts) and
// de-duplication (src/sync/dedup.ts) share. Given a survivor, the other record and a side per
// differing field, it
//
// - writes the chosen values to the survivor, each taken field stamped with the merge's time as
//   any edit is (so the change listeners mark it and the push sends it as usual);
// - moves every reference to the other record onto the survivor (store/record-merge.repository.ts:
//   deals, activities, customer ↔ organization links, conflicts, a change waiting to be pushed);
// - retires the other record (soft-deleted, its HubSpot link dropped: never archived by a
//   propagated delete) and records the merge in `record_merges` with the other record's
//   snapshot and in the audit trail, naming both records.
//
// An admin can restore the merged-away record (`restoreMerge`): it is live again, unlinked from
// HubSpot, with its own values; the references that moved stay on the survivor.
// Nothing here calls HubSpot: a merge of two linked records in HubSpot is the caller's (the HTTP
// route calls HubSpot's merge first and passes the new id as `hubspotId`).
import type { WebhookEmitter } from '../webhooks/index.js';
import { audit, type Actor } from '../audit/index.js';
import { AppError, newId, notFound, type Clock } from '../lib/index.js';
import type { Db, RecordMergeRow, RecordTable } from '../store/index.js';
import {
  findLiveIds,
  findRecordMerge,
  insertRecordMerge,
  markMergeRestored,
  moveRecordReferences,
  readRecordRow,
  relinkSurvivor,
  restoreRecord,
  retireMergedRecord,
} from '../store/index.js';
import type { RecordChangeListener } from './bulk-upsert.js';
import { loadFieldDefinitions } from './custom-field-service.js';
import type { CustomFieldDefinition, CustomValue } from './fields.js';

export type MergeSide = 'survivor' | 'other';

/** One field that differs between the two records, with the side that wins by default (or as chosen). */
export interface MergeField {
  /** The field's name (`email`, `tags`, `custom.<key>`). */
  field: string;
  label: string;
  survivorValue: unknown;
  otherValue: unknown;
  winner: MergeSide;
}

/** What a merge reads and writes of a record (Customer and Organization both are). */
export interface MergeableRecord {
  id: string;
  workspaceId: string;
  tags: string[];
  custom: Record<string, CustomValue>;
  fieldUpdatedAt: Record<string, number>;
  createdAt: number;
  updatedAt: number;
  sync: { hubspotId: string | null; syncedAt: number | null };
}

/** What differs between the merged types: each type's module gives one (customers/, crm/). */
export interface RecordMergeSpec<R extends MergeableRecord> {
  readonly table: RecordTable;
  /** `customer` or `organization`: audit actions, errors, the API's names. */
  readonly noun: 'customer' | 'organization';
  /** The custom field definitions' object type (`contacts`, `companies`). */
  readonly customFieldType: 'contacts' | 'companies';
  /** The built-in fields compared (tags and the owner included), in the order shown. */
  readonly fields: readonly { key: string; label: string }[];
  find(db: Db, workspaceId: string, id: string): Promise<R | undefined>;
  /** Writes the record's content (not its sync state), bumping its version. */
  update(db: Db, record: R): Promise<void>;
  /** The Duplicate key (lower-cased email, domain key): the statuses of its group change with the merge. */
  duplicateKey(record: R): string | null;
}

/** The change listeners a merge tells (the same the record services tell). */
export interface RecordMergeListeners {
  /** The merged type's: told of the survivor and the retired record. */
  records: readonly RecordChangeListener[];
  /** Told of customers whose organizations changed (an organization merge moves their links). */
  customerLinks: readonly RecordChangeListener[];
  /** Told of deals whose links moved. */
  deals: readonly RecordChangeListener[];
}

export interface RecordMergeDeps {
  db: Db;
  clock: Clock;
  listeners: RecordMergeListeners;
  /** Webhooks out: `record.merged` is recorded in the merge's transaction. */
  events?: Pick<WebhookEmitter, 'emit'>;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

function valueOf(record: MergeableRecord, field: string): unknown {
  if (field.startsWith('custom.')) return record.custom[field.slice('custom.'.length)] ?? null;
  return (record as unknown as Record<string, unknown>)[field] ?? null;
}

function writeValue(record: MergeableRecord, field: string, value: unknown): void {
  if (field.startsWith('custom.')) {
    const key = field.slice('custom.'.length);
    if (isEmpty(value)) delete record.custom[key];
    else record.custom[key] = value as CustomValue;
  } else {
    (record as unknown as Record<string, unknown>)[field] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
}

/**
 * The side whose value wins when nobody chose (pure): a value over no value, else the more
 * recent per-field change (the survivor's on a tie).
 */
export function defaultWinner(survivor: MergeableRecord, other: MergeableRecord, field: string): MergeSide {
  const mine = valueOf(survivor, field);
  const theirs = valueOf(other, field);
  if (isEmpty(theirs)) return 'survivor';
  if (isEmpty(mine)) return 'other';
  return (other.fieldUpdatedAt[field] ?? 0) > (survivor.fieldUpdatedAt[field] ?? 0) ? 'other' : 'survivor';
}

/**
 * Every field whose values differ between the two records (pure), in the spec's order then the
 * custom fields' (archived ones included while either record holds a value), each with its
 * default winner.
 */
export function differingFields<R extends MergeableRecord>(spec: RecordMergeSpec<R>, survivor: R, other: R, customFields: readonly CustomFieldDefinition[]): MergeField[] {
  const all = [
    ...spec.fields.map((f) => ({ field: f.key, label: f.label })),
    ...customFields.map((d) => ({ field: `custom.${d.key}`, label: d.label })),
  ];
  return all.flatMap(({ field, label }) => {
    const survivorValue = valueOf(survivor, field);
    const otherValue = valueOf(other, field);
    if (sameValue(survivorValue, otherValue)) return [];
    return [{ field, label, survivorValue, otherValue, winner: defaultWinner(survivor, other, field) }];
  });
}

/**
 * The survivor with the chosen values written (pure): each field whose winner is `other` takes
 * the other record's value and is stamped `now`. `choices` override the default winners; a
 * choice for a field that does not differ, or is not a side, is refused.
 */
export function applyMergeChoices<R extends MergeableRecord>(
  survivor: R,
  other: R,
  fields: readonly MergeField[],
  choices: Readonly<Record<string, unknown>>,
  now: number,
): { record: R; taken: string[]; choices: Record<string, MergeSide> } {
  const problems: { field: string; message: string }[] = [];
  for (const [field, side] of Object.entries(choices)) {
    if (!fields.some((f) => f.field === field)) problems.push({ field: `choices.${field}`, message: 'is not a field whose values differ between the two records' });
    else if (side !== 'survivor' && side !== 'other') problems.push({ field: `choices.${field}`, message: 'must be "survivor" or "other"' });
  }
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', 'Some merge choices are invalid.', { problems });
  const record: R = { ...survivor, tags: [...survivor.tags], custom: { ...survivor.custom }, fieldUpdatedAt: { ...survivor.fieldUpdatedAt } };
  const decided: Record<string, MergeSide> = {};
  const taken: string[] = [];
  for (const f of fields) {
    const side = (choices[f.field] as MergeSide | undefined) ?? f.winner;
    decided[f.field] = side;
    if (side !== 'other') continue;
    writeValue(record, f.field, valueOf(other, f.field));
    record.fieldUpdatedAt[f.field] = now;
    taken.push(f.field);
  }
  if (taken.length > 0) record.updatedAt = now;
  return { record, taken, choices: decided };
}

/** The errors a merge request can meet, each with its stable code. */
function mergeError(code: 'MERGE_SAME_RECORD' | 'MERGE_TYPE_MISMATCH' | 'MERGE_RECORD_DELETED', message: string, details?: Record<string, unknown>): AppError {
  return new AppError(code, message, details);
}

const OTHER_TABLE = { customers: 'organizations', organizations: 'customers' } as const;

/**
 * The two live records of a merge, or the error saying why not: the same id twice, an id of
 * another type, a record already deleted (merged away, say), or none at all.
 */
export async function loadMergePair<R extends MergeableRecord>(db: Db, spec: RecordMergeSpec<R>, workspaceId: string, survivorId: string, otherId: string): Promise<{ survivor: R; other: R }> {
  const noun = spec.noun === 'customer' ? 'Customer' : 'Organization';
  if (survivorId === otherId) throw mergeError('MERGE_SAME_RECORD', `A ${spec.noun} cannot be merged with itself.`, { id: survivorId });
  const [survivor, other] = await Promise.all([spec.find(db, workspaceId, survivorId), spec.find(db, workspaceId, otherId)]);
  for (const [id, found] of [
    [survivorId, survivor],
    [otherId, other],
  ] as const) {
    if (found) continue;
    if ((await findLiveIds(db, OTHER_TABLE[spec.table], workspaceId, [id])).size > 0) {
      throw mergeError('MERGE_TYPE_MISMATCH', `${id} is not a ${spec.noun}: only two records of the same type can be merged.`, { id });
    }
    if (await readRecordRow(db, spec.table, workspaceId, id)) throw mergeError('MERGE_RECORD_DELETED', `${noun} ${id} is deleted (or already merged) and cannot be merged.`, { id });
    throw notFound(noun);
  }
  return { survivor: survivor!, other: other! };
}

export interface MergePreview<R> {
  survivor: R;
  other: R;
  fields: MergeField[];
}

/** What merging `otherId` into `survivorId` would do: every differing field and its default winner. Nothing is written. */
export async function previewMerge<R extends MergeableRecord>(db: Db, spec: RecordMergeSpec<R>, workspaceId: string, survivorId: string, otherId: string): Promise<MergePreview<R>> {
  const { survivor, other } = await loadMergePair(db, spec, workspaceId, survivorId, otherId);
  const fields = differingFields(spec, survivor, other, await loadFieldDefinitions(db, workspaceId, spec.customFieldType));
  return { survivor, other, fields };
}

export interface MergeRequest {
  workspaceId: string;
  survivorId: string;
  otherId: string;
  /** Field → side; fields left out take their default winner. */
  choices?: Readonly<Record<string, unknown>>;
  /** When no choice is given for a field (merges found in HubSpot pick their own rule); `defaultWinner` otherwise. */
  winner?: (survivor: MergeableRecord, other: MergeableRecord, field: string) => MergeSide;
  actor: Actor;
  /** `local`: the Merge action; `hubspot`: a merge made in HubSpot; `dedup`: the same email created on both sides within the window (sync/dedup.ts). */
  source: 'local' | 'hubspot' | 'dedup';
  /**
   * The HubSpot record the survivor is linked to after the merge (HubSpot's new id after its
   * merge). Without it, a survivor with no link takes the other record's, if any.
   */
  hubspotId?: string | undefined;
}

export interface MergeOutcome<R> {
  survivor: R;
  merge: RecordMergeRow;
}

/**
 * Merges `otherId` into `survivorId` inside the caller's transaction `trx` (see the header);
 * returns the survivor as saved and the merge's record.
 */
export async function mergeRecordsIn<R extends MergeableRecord>(trx: Db, deps: Omit<RecordMergeDeps, 'db'>, spec: RecordMergeSpec<R>, request: MergeRequest): Promise<MergeOutcome<R>> {
  const { workspaceId } = request;
  const now = deps.clock.now();
  const { survivor, other } = await loadMergePair(trx, spec, workspaceId, request.survivorId, request.otherId);
  const customFields = await loadFieldDefinitions(trx, workspaceId, spec.customFieldType);
  const fields = differingFields(spec, survivor, other, customFields).map((f) => (request.winner ? { ...f, winner: request.winner(survivor, other, f.field) } : f));
  const applied = applyMergeChoices(survivor, other, fields, request.choices ?? {}, now);
  const snapshot = await readRecordRow(trx, spec.table, workspaceId, other.id);
  if (applied.taken.length > 0) await spec.update(trx, applied.record);
  const moved = await moveRecordReferences(trx, spec.table, workspaceId, survivor.id, other.id, now);
  await retireMergedRecord(trx, spec.table, workspaceId, other.id, now);
  // The survivor's HubSpot link: the merged record's new id, else its own, else the other's
  // (with the other's merge base, which is what that HubSpot record last agreed with).
  const linkTo = request.hubspotId ?? survivor.sync.hubspotId ?? other.sync.hubspotId;
  if (linkTo && linkTo !== survivor.sync.hubspotId) {
    const base = request.hubspotId === undefined ? ((snapshot?.['synced_values'] as string | null | undefined) ?? null) : undefined;
    await relinkSurvivor(trx, spec.table, workspaceId, survivor.id, linkTo, base);
  }
  const merge: RecordMergeRow = {
    id: newId('mrg', deps.clock),
    workspace_id: workspaceId,
    record_type: spec.table,
    survivor_id: survivor.id,
    secondary_id: other.id,
    source: request.source,
    actor_type: request.actor.type,
    actor_id: request.actor.id,
    actor_label: request.actor.label,
    choices: JSON.stringify(applied.choices),
    snapshot: JSON.stringify({ record: snapshot ?? null, moved }),
    survivor_hubspot_id: survivor.sync.hubspotId,
    secondary_hubspot_id: other.sync.hubspotId,
    merged_hubspot_id: linkTo ?? null,
    merged_at: now,
    restored_at: null,
    restored_by: null,
  };
  await insertRecordMerge(trx, merge);
  await audit(trx, deps.clock, {
    workspaceId,
    actor: request.actor,
    action: `${spec.noun}.merged`,
    target: { type: spec.noun, id: survivor.id },
    details: {
      mergeId: merge.id,
      survivorId: survivor.id,
      secondaryId: other.id,
      source: request.source,
      fieldsTaken: applied.taken,
      hubspotIds: { survivor: survivor.sync.hubspotId, secondary: other.sync.hubspotId, merged: linkTo ?? null },
      moved: { deals: moved.deals.length, activities: moved.activities.length, memberships: moved.memberships.length },
    },
  });
  await deps.events?.emit(trx, workspaceId, [
    { type: 'record.merged', data: { mergeId: merge.id, recordType: spec.noun, survivorId: survivor.id, secondaryId: other.id, source: request.source, hubspotId: linkTo ?? null, fieldsTaken: applied.taken } },
  ]);
  const keys = [spec.duplicateKey(survivor), spec.duplicateKey(other), spec.duplicateKey(applied.record)].filter((k): k is string => k !== null);
  for (const listener of deps.listeners.records) await listener(trx, workspaceId, [survivor.id, other.id], keys);
  // A customer merge changes the survivor's own organization links (its push carries them), an
  // organization merge its members'.
  const linkedCustomers = spec.table === 'customers' ? (moved.memberships.length > 0 ? [survivor.id] : []) : moved.memberships;
  if (linkedCustomers.length > 0) for (const listener of deps.listeners.customerLinks) await listener(trx, workspaceId, linkedCustomers, []);
  if (moved.deals.length > 0) for (const listener of deps.listeners.deals) await listener(trx, workspaceId, [...new Set(moved.deals)], []);
  return { survivor: (await spec.find(trx, workspaceId, survivor.id))!, merge };
}

/** Merges `otherId` into `survivorId` in a transaction of its own (see `mergeRecordsIn`). */
export async function mergeRecords<R extends MergeableRecord>(deps: RecordMergeDeps, spec: RecordMergeSpec<R>, request: MergeRequest): Promise<MergeOutcome<R>> {
  return deps.db.transaction().execute((trx) => mergeRecordsIn(trx, deps, spec, request));
}

/**
 * Restores a merge's secondary record (admins): it is live again with its own values, unlinked
 * from HubSpot (its HubSpot record is the survivor's now); references that moved to the survivor
 * stay there. Refused when the merge was restored already.
 */
export async function restoreMerge<R extends MergeableRecord>(deps: RecordMergeDeps, spec: RecordMergeSpec<R>, workspaceId: string, mergeId: string, actor: Actor): Promise<R> {
  return deps.db.transaction().execute(async (trx) => {
    const merge = await findRecordMerge(trx, workspaceId, mergeId);
    if (!merge || merge.record_type !== spec.table) throw notFound('Merge');
    const now = deps.clock.now();
    if (!(await markMergeRestored(trx, workspaceId, mergeId, now, actor.label))) throw new AppError('CONFLICT', 'This merge was restored already.', { mergeId });
    await restoreRecord(trx, spec.table, workspaceId, merge.secondary_id, now);
    await audit(trx, deps.clock, {
      workspaceId,
      actor,
      action: `${spec.noun}.merge_restored`,
      target: { type: spec.noun, id: merge.secondary_id },
      details: { mergeId, survivorId: merge.survivor_id, secondaryId: merge.secondary_id },
    });
    for (const listener of deps.listeners.records) await listener(trx, workspaceId, [merge.secondary_id], []);
    return (await spec.find(trx, workspaceId, merge.secondary_id))!;
  });
}
