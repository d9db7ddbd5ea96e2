// Organization use cases: create, update (written through to HubSpot first when the workspace
// asks), delete, bulk upsert by externalId, CSV import, and
// members (customers ↔ organizations, one primary per customer). Validation, per-field
// timestamps, the upsert loop and the CSV stream are the shared record ones (src/records);
// after every write the registered change listeners run inside the transaction (the sync
// module keeps statuses and the pending-changes set current with them).
import type { Readable } from 'node:stream';
import type { Clock } from '../lib/index.js';
import { AppError, newId, notFound } from '../lib/index.js';
import {
  ADDRESS_ALIASES,
  applyPatch,
  importRecordsCsv,
  type CsvColumns,
  invalidFields,
  loadFieldDefinitions,
  ownerProblems,
  upsertByExternalId,
  validateRecordPatch,
  type CsvImportOptions,
  type CsvImportResult,
  type CustomFieldDefinition,
  type FieldProblem,
  type RecordChangeListener,
  writeThroughFirst,
  writeThroughItems,
  type CheckedChange,
  type RecordWriteThrough,
  type UpsertItemResult,
} from '../records/index.js';
import type { Db, Organization, OrganizationValues } from '../store/index.js';
import {
  findCustomer,
  findOrganization,
  findLiveIds,
  findOrganizationsByExternalIds,
  insertOrganizations,
  linkOrganizationMember,
  listCustomerOrganizations,
  listOrganizationCustomerIds,
  restoreRecord,
  softDeleteOrganization,
  touchRecords,
  unlinkOrganizationMembers,
  updateOrganizationContent,
} from '../store/index.js';
import { EMPTY_ORGANIZATION, ORGANIZATION_FIELDS, ORGANIZATION_RULES } from './organization-fields.js';

export interface OrganizationServiceDeps {
  db: Db;
  clock: Clock;
  /** Called with the changed organizations' ids and the domain keys they held before. */
  listeners: RecordChangeListener[];
  /**
   * Called with the customers whose organizations changed (linked, unlinked, primary moved, an
   * organization deleted), inside the transaction: a contact's push carries its associations to
   * companies, so their hashes, statuses and the on-change push follow (the customer listeners).
   */
  linkListeners?: RecordChangeListener[] | undefined;
  /** Writes a linked organization's change to HubSpot before it is saved, when the workspace asks for it. */
  writeThrough?: RecordWriteThrough<Organization> | undefined;
}

const COMPANIES = 'companies' as const;

function newOrganization(workspaceId: string, id: string, externalId: string | null, now: number): Organization {
  return {
    ...EMPTY_ORGANIZATION,
    id,
    workspaceId,
    externalId,
    domainKey: null,
    fieldUpdatedAt: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
    sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  };
}

/** Validates input and builds a new organization, without saving it. */
async function buildOrganization(
  db: Db,
  workspaceId: string,
  input: Record<string, unknown>,
  fields: CustomFieldDefinition[],
  now: number,
  id: string,
): Promise<{ ok: true; record: Organization } | { ok: false; problems: FieldProblem[] }> {
  const checked = validateRecordPatch<OrganizationValues>(input, ORGANIZATION_RULES, fields, { externalId: true });
  const problems = [...(checked.ok ? [] : checked.problems), ...(await ownerProblems(db, workspaceId, input))];
  if (checked.ok && !checked.patch.values.name) problems.unshift({ field: 'name', message: 'is required' });
  if (!checked.ok || problems.length > 0) return { ok: false, problems };
  const externalId = typeof input['externalId'] === 'string' && input['externalId'] !== '' ? input['externalId'] : null;
  const base = newOrganization(workspaceId, id, externalId, now);
  const applied = applyPatch(base, {}, checked.patch, now);
  return { ok: true, record: { ...base, ...applied.values, fieldUpdatedAt: applied.fieldUpdatedAt } };
}

async function notify(listeners: readonly RecordChangeListener[], db: Db, workspaceId: string, ids: string[], previousDomainKeys: (string | null)[] = []): Promise<void> {
  const keys = previousDomainKeys.filter((k): k is string => Boolean(k));
  for (const listener of listeners) await listener(db, workspaceId, ids, keys);
}

function alreadyExists(externalId: string, id?: string): AppError {
  return new AppError('ALREADY_EXISTS', `An organization with externalId "${externalId}" already exists.`, { field: 'externalId', ...(id ? { organizationId: id } : {}) });
}

export async function createOrganization(deps: OrganizationServiceDeps, workspaceId: string, input: Record<string, unknown>): Promise<Organization> {
  return deps.db.transaction().execute(async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId, COMPANIES);
    const built = await buildOrganization(trx, workspaceId, input, fields, deps.clock.now(), newId('org', deps.clock));
    if (!built.ok) throw invalidFields(built.problems);
    if (built.record.externalId) {
      const [existing] = await findOrganizationsByExternalIds(trx, workspaceId, [built.record.externalId]);
      if (existing) throw alreadyExists(built.record.externalId, existing.id);
    }
    await insertOrganizations(trx, [built.record]);
    await notify(deps.listeners, trx, workspaceId, [built.record.id]);
    return (await findOrganization(trx, workspaceId, built.record.id))!;
  });
}

/** Validates `item` as a change to `existing` (nothing is written): the organization it makes. */
async function checkChange(db: Db, existing: Organization, item: Record<string, unknown>, fields: CustomFieldDefinition[], now: number): Promise<CheckedChange<Organization>> {
  const checked = validateRecordPatch<OrganizationValues>(item, ORGANIZATION_RULES, fields, { externalId: true });
  const problems = [...(checked.ok ? [] : checked.problems), ...(await ownerProblems(db, existing.workspaceId, item))];
  if (checked.ok && 'name' in checked.patch.values && !checked.patch.values.name) problems.unshift({ field: 'name', message: 'cannot be cleared' });
  if (!checked.ok || problems.length > 0) return { ok: false, problems };
  let externalId = existing.externalId;
  if ('externalId' in item) {
    externalId = typeof item['externalId'] === 'string' && item['externalId'] !== '' ? item['externalId'] : null;
    if (externalId && externalId !== existing.externalId && (await findOrganizationsByExternalIds(db, existing.workspaceId, [externalId])).length > 0) {
      throw alreadyExists(externalId);
    }
  }
  const applied = applyPatch(existing, existing.fieldUpdatedAt, checked.patch, now);
  const next: Organization = { ...existing, ...applied.values, externalId, fieldUpdatedAt: applied.fieldUpdatedAt, updatedAt: now };
  return { ok: true, next, changed: applied.changed.length > 0 || externalId !== existing.externalId };
}

/** Validates `item` as a change to `existing` and saves it; `changed: false` when nothing differed. */
async function changeOrganization(
  trx: Db,
  clock: Clock,
  existing: Organization,
  item: Record<string, unknown>,
  fields: CustomFieldDefinition[],
): Promise<{ ok: true; changed: boolean } | { ok: false; problems: FieldProblem[] }> {
  const checked = await checkChange(trx, existing, item, fields, clock.now());
  if (!checked.ok) return checked;
  if (!checked.changed) return { ok: true, changed: false };
  await updateOrganizationContent(trx, checked.next);
  return { ok: true, changed: true };
}

/**
 * Partial update; only the fields present in `input` change. With write-through on and the
 * organization linked, HubSpot accepts the change first (else it throws and nothing is saved).
 */
export async function updateOrganization(deps: OrganizationServiceDeps, workspaceId: string, id: string, input: Record<string, unknown>): Promise<Organization> {
  const written = await writeThroughFirst(deps.writeThrough, workspaceId, id, async () => {
    const existing = await findOrganization(deps.db, workspaceId, id);
    if (!existing) throw notFound('Organization');
    return checkChange(deps.db, existing, input, await loadFieldDefinitions(deps.db, workspaceId, COMPANIES), deps.clock.now());
  });
  return deps.db.transaction().execute(async (trx) => {
    const existing = await findOrganization(trx, workspaceId, id);
    if (!existing) throw notFound('Organization');
    const outcome = await changeOrganization(trx, deps.clock, existing, input, await loadFieldDefinitions(trx, workspaceId, COMPANIES));
    if (!outcome.ok) throw invalidFields(outcome.problems);
    if (outcome.changed) await notify(deps.listeners, trx, workspaceId, [id], [existing.domainKey]);
    // Settled even when a concurrent save already made the same change: HubSpot holds it now.
    if (written) await deps.writeThrough!.settle(trx, workspaceId, written);
    return outcome.changed || written ? (await findOrganization(trx, workspaceId, id))! : existing;
  });
}

/** Soft delete: frees the externalId; the links to it stay stored but no longer count. */
export async function deleteOrganization(deps: OrganizationServiceDeps, workspaceId: string, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const members = await listOrganizationCustomerIds(trx, workspaceId, id);
    const deleted = await softDeleteOrganization(trx, workspaceId, id, deps.clock.now());
    if (!deleted) throw notFound('Organization');
    await notify(deps.listeners, trx, workspaceId, [id], [deleted.domainKey]);
    // Its links stay stored but no longer count: its members' contacts lose the association.
    if (members.length > 0) await membersChanged(deps, trx, workspaceId, members, []);
  });
}

/**
 * Brings a deleted organization back (without its externalId, which deleting freed); 404 when
 * none is deleted. Its member links were kept: they count again, so its members' contacts get
 * the association back on their next push. A propagated delete not yet run is cancelled (the
 * listeners see it live); one already run left it unlinked, and the push creates it again.
 */
export async function restoreOrganization(deps: OrganizationServiceDeps, workspaceId: string, id: string): Promise<Organization> {
  return deps.db.transaction().execute(async (trx) => {
    if (!(await restoreRecord(trx, 'organizations', workspaceId, id, deps.clock.now()))) throw notFound('Deleted organization');
    await notify(deps.listeners, trx, workspaceId, [id]);
    const members = await listOrganizationCustomerIds(trx, workspaceId, id);
    if (members.length > 0) await membersChanged(deps, trx, workspaceId, members, []);
    return (await findOrganization(trx, workspaceId, id))!;
  });
}

/**
 * Creates or updates up to 1,000 organizations keyed by the host's externalId, in one
 * transaction. Each item stands alone: an invalid item is reported and skipped.
 */
export async function bulkUpsertOrganizations(
  deps: OrganizationServiceDeps,
  workspaceId: string,
  items: Record<string, unknown>[],
  options: { createWithoutExternalId?: boolean } = {},
): Promise<UpsertItemResult[]> {
  // The custom field definitions, read once and only when something is written through.
  let fieldsRead: Promise<CustomFieldDefinition[]> | undefined;
  const through = await writeThroughItems(deps.writeThrough, workspaceId, items, {
    findByExternalIds: (externalIds) => findOrganizationsByExternalIds(deps.db, workspaceId, externalIds),
    externalIdOf: (o) => o.externalId,
    idOf: (o) => o.id,
    check: async (current, item) => checkChange(deps.db, current, item, await (fieldsRead ??= loadFieldDefinitions(deps.db, workspaceId, COMPANIES)), deps.clock.now()),
  });
  return deps.db.transaction().execute(async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId, COMPANIES);
    const now = deps.clock.now();
    const previousKeys: (string | null)[] = [];
    const { results, changedIds } = await upsertByExternalId<Organization>(
      items,
      {
        findByExternalIds: (externalIds) => findOrganizationsByExternalIds(trx, workspaceId, externalIds),
        externalIdOf: (o) => o.externalId,
        idOf: (o) => o.id,
        build: (item) => buildOrganization(trx, workspaceId, item, fields, now, newId('org', deps.clock)),
        update: async (current, item) => {
          const outcome = await changeOrganization(trx, deps.clock, current, item, fields);
          if (outcome.ok && outcome.changed) previousKeys.push(current.domainKey);
          return outcome;
        },
        insert: (organizations) => insertOrganizations(trx, organizations),
      },
      { ...options, refused: through.refused },
    );
    if (changedIds.length > 0) await notify(deps.listeners, trx, workspaceId, changedIds, previousKeys);
    // HubSpot holds what it accepted, whatever this transaction found (as for a single update).
    for (const written of through.written) await deps.writeThrough!.settle(trx, workspaceId, written);
    return results;
  });
}

const ORGANIZATION_CSV: CsvColumns = {
  objectType: COMPANIES,
  builtIns: ORGANIZATION_FIELDS,
  aliases: {
    ...ADDRESS_ALIASES,
    company: 'name',
    companyname: 'name',
    organization: 'name',
    organisation: 'name',
    domainname: 'domain',
    companydomain: 'domain',
    companydomainname: 'domain',
    url: 'website',
    websiteurl: 'website',
    employees: 'numberOfEmployees',
    revenue: 'annualRevenue',
  },
  hasTags: true,
  headerHint: 'organization field (for example: name, domain, industry)',
};

/** Organizations from a CSV file, streamed (the shared import, src/records/csv-import.ts). */
export async function importOrganizationsCsv(deps: OrganizationServiceDeps, workspaceId: string, input: Readable, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  const upsert = (items: Record<string, unknown>[]) => bulkUpsertOrganizations(deps, workspaceId, items, { createWithoutExternalId: true });
  return importRecordsCsv(deps.db, workspaceId, input, ORGANIZATION_CSV, upsert, options);
}

// Members --------------------------------------------------------------------------------

/**
 * After members changed: both sides' versions and updated_at move on (an in-flight push and an
 * `updatedSince` list see the change), and the link listeners hear of the customers (the
 * contact's push carries its associations to companies, so its hash and status change). A
 * customer's own write (`customerOrganizationLinks`) tells its listeners itself: `notifyLinks` false.
 */
async function membersChanged(deps: OrganizationServiceDeps, trx: Db, workspaceId: string, customerIds: string[], organizationIds: string[], notifyLinks = true): Promise<void> {
  const now = deps.clock.now();
  await touchRecords(trx, 'customers', workspaceId, customerIds, now);
  await touchRecords(trx, 'organizations', workspaceId, organizationIds, now);
  if (notifyLinks && customerIds.length > 0) await notify(deps.linkListeners ?? [], trx, workspaceId, customerIds);
}

/** Links a customer to an organization; `primary` makes it the customer's primary one (the previous primary stays a plain link). */
export async function linkMember(deps: OrganizationServiceDeps, workspaceId: string, organizationId: string, customerId: string, primary: boolean): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await findOrganization(trx, workspaceId, organizationId))) throw notFound('Organization');
    if (!(await findCustomer(trx, workspaceId, customerId))) throw notFound('Customer');
    const before = await listCustomerOrganizations(trx, workspaceId, customerId);
    const current = before.find((m) => m.organizationId === organizationId);
    if (current && current.primary === primary) return;
    const formerPrimary = primary ? before.find((m) => m.primary && m.organizationId !== organizationId) : undefined;
    await linkOrganizationMember(trx, workspaceId, { customerId, organizationId, primary }, deps.clock.now());
    await membersChanged(deps, trx, workspaceId, [customerId], [organizationId, ...(formerPrimary ? [formerPrimary.organizationId] : [])]);
  });
}

/** Unlinks a customer from an organization; 404 when they were not linked. */
export async function unlinkMember(deps: OrganizationServiceDeps, workspaceId: string, organizationId: string, customerId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await findOrganization(trx, workspaceId, organizationId))) throw notFound('Organization');
    if (!(await findCustomer(trx, workspaceId, customerId))) throw notFound('Customer');
    const removed = await unlinkOrganizationMembers(trx, workspaceId, customerId, organizationId);
    if (removed.length === 0) throw new AppError('NOT_FOUND', 'The customer is not a member of this organization.');
    await membersChanged(deps, trx, workspaceId, [customerId], removed);
  });
}

/** Checks `organizationIds` of a customer's input: a list of this workspace's live organizations, the first the primary. */
async function checkOrganizationIds(db: Db, workspaceId: string, input: Record<string, unknown>): Promise<FieldProblem[]> {
  if (!('organizationIds' in input)) return [];
  const raw = input['organizationIds'];
  if (raw === null) return [];
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string') || raw.length > 100) {
    return [{ field: 'organizationIds', message: 'must be a list of at most 100 organization ids (the first is the primary one)' }];
  }
  const ids = [...new Set(raw as string[])];
  const found = await findLiveIds(db, 'organizations', workspaceId, ids);
  const missing = ids.filter((id) => !found.has(id));
  return missing.length > 0 ? [{ field: 'organizationIds', message: `names no organization of this workspace: ${missing.slice(0, 5).join(', ')}` }] : [];
}

/**
 * A customer's `organizationIds` (checked, then written in the customer's transaction): the
 * list replaces the customer's memberships, its first id the primary one; `[]` or null removes
 * them all. Plugged into the customer service as its links (customers/customer-service.ts).
 */
export function customerOrganizationLinks(deps: OrganizationServiceDeps) {
  return {
    keys: ['organizationIds'] as const,
    check: checkOrganizationIds,
    async write(db: Db, workspaceId: string, customerId: string, input: Record<string, unknown>): Promise<boolean> {
      if (!('organizationIds' in input)) return false;
      const wanted = [...new Set((input['organizationIds'] as string[] | null) ?? [])];
      const before = await listCustomerOrganizations(db, workspaceId, customerId);
      // The order after the first (the primary) carries no meaning: compare as a set.
      const same = before.length === wanted.length && before[0]?.organizationId === wanted[0] && before.every((m) => wanted.includes(m.organizationId));
      if (same) return false;
      const removed = await unlinkOrganizationMembers(db, workspaceId, customerId);
      const now = deps.clock.now();
      for (const [i, organizationId] of wanted.entries()) await linkOrganizationMember(db, workspaceId, { customerId, organizationId, primary: i === 0 }, now);
      await membersChanged({ ...deps, db }, db, workspaceId, [customerId], [...new Set([...removed, ...wanted])], false);
      return true;
    },
  };
}
