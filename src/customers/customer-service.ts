// Customer use cases: create, update (written through to HubSpot first when the workspace asks),
// delete, restore, bulk upsert by external id. Validation and the
// per-field timestamps come from customer-input.ts; after every write the registered change
// listeners run (the sync module uses this to keep each customer's status current).
import type { Clock } from '../lib/index.js';
import { AppError, newId, notFound } from '../lib/index.js';
import {
  loadFieldDefinitions,
  invalidFields,
  ownerProblems,
  upsertByExternalId,
  type CustomFieldDefinition,
  type FieldProblem,
  type RecordChangeListener,
  writeThroughFirst,
  writeThroughItems,
  type CheckedChange,
  type RecordWriteThrough,
  type UpsertItemResult,
} from '../records/index.js';
import type { Customer, Db } from '../store/index.js';
import { findCustomer, findCustomers, findCustomersByExternalIds, insertCustomers, restoreRecord, softDeleteCustomer, updateCustomerContent, updateCustomerTags } from '../store/index.js';
import { applyPatch, EMPTY_VALUES, validateCustomerPatch } from './customer-input.js';

/**
 * Called inside the writing transaction with the ids of customers that changed and the
 * (lower-cased) emails they had before, whose duplicate groups may have changed too.
 */
export type CustomerChangeListener = RecordChangeListener;

/**
 * A customer's links to other records (its organizations), written by their own module inside
 * the customer's transaction: `organizationIds` on a customer's create or update.
 */
export interface CustomerLinks {
  /** The keys of an input this handles (left out of the customer's field validation). */
  readonly keys: readonly string[];
  /** Checks the link keys present in `input`; problems name the field. */
  check(db: Db, workspaceId: string, input: Record<string, unknown>): Promise<FieldProblem[]>;
  /** Writes the links present in `input` for the customer; true when they changed. */
  write(db: Db, workspaceId: string, customerId: string, input: Record<string, unknown>): Promise<boolean>;
}

export interface CustomerServiceDeps {
  db: Db;
  clock: Clock;
  listeners: CustomerChangeListener[];
  links?: CustomerLinks | undefined;
  /** Writes a linked customer's change to HubSpot before it is saved, when the workspace asks for it. */
  writeThrough?: RecordWriteThrough<Customer> | undefined;
}

function newCustomer(workspaceId: string, id: string, externalId: string | null, now: number): Customer {
  return {
    ...EMPTY_VALUES,
    id,
    workspaceId,
    externalId,
    fieldUpdatedAt: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
    sync: { hubspotId: null, status: 'no_email', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  };
}

/** Builds a validated new customer from input, without saving it. */
export function buildCustomer(
  workspaceId: string,
  input: Record<string, unknown>,
  fields: CustomFieldDefinition[],
  now: number,
  id: string,
  allowed: { skip?: readonly string[] } = {},
): { ok: true; customer: Customer } | { ok: false; problems: FieldProblem[] } {
  const checked = validateCustomerPatch(input, fields, { externalId: true, ...allowed });
  if (!checked.ok) return checked;
  const externalId = typeof input['externalId'] === 'string' && input['externalId'] !== '' ? input['externalId'] : null;
  const base = newCustomer(workspaceId, id, externalId, now);
  const applied = applyPatch(base, {}, checked.patch, now);
  const customer: Customer = { ...base, ...applied.values, fieldUpdatedAt: applied.fieldUpdatedAt };
  customer.sync.status = customer.email ? 'not_synced' : 'no_email';
  return { ok: true, customer };
}

async function notify(deps: CustomerServiceDeps, db: Db, workspaceId: string, ids: string[], previousEmails: (string | null)[] = []): Promise<void> {
  const emails = previousEmails.filter((e): e is string => Boolean(e)).map((e) => e.trim().toLowerCase());
  for (const listener of deps.listeners) await listener(db, workspaceId, ids, emails);
}

/** What the fields alone cannot tell: whether the owner is a member of the workspace, and the links. */
async function checkLinks(deps: CustomerServiceDeps, db: Db, workspaceId: string, input: Record<string, unknown>): Promise<FieldProblem[]> {
  return [...(await ownerProblems(db, workspaceId, input)), ...(deps.links ? await deps.links.check(db, workspaceId, input) : [])];
}

function withoutLinks(deps: CustomerServiceDeps): { skip: readonly string[] } {
  return { skip: deps.links?.keys ?? [] };
}

export async function createCustomer(deps: CustomerServiceDeps, workspaceId: string, input: Record<string, unknown>): Promise<Customer> {
  return deps.db.transaction().execute(async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId);
    const now = deps.clock.now();
    const built = buildCustomer(workspaceId, input, fields, now, newId('cus', deps.clock), withoutLinks(deps));
    const problems = [...(built.ok ? [] : built.problems), ...(await checkLinks(deps, trx, workspaceId, input))];
    if (!built.ok || problems.length > 0) throw invalidFields(problems);
    if (built.customer.externalId) {
      const [existing] = await findCustomersByExternalIds(trx, workspaceId, [built.customer.externalId]);
      if (existing) {
        throw new AppError('ALREADY_EXISTS', `A customer with externalId "${built.customer.externalId}" already exists.`, {
          field: 'externalId',
          customerId: existing.id,
        });
      }
    }
    await insertCustomers(trx, [built.customer]);
    await deps.links?.write(trx, workspaceId, built.customer.id, input);
    await notify(deps, trx, workspaceId, [built.customer.id]);
    return (await findCustomer(trx, workspaceId, built.customer.id))!;
  });
}

/** Validates `item` as a change to `existing` (nothing is written): the customer it makes. */
async function checkChange(deps: CustomerServiceDeps, db: Db, existing: Customer, item: Record<string, unknown>, fields: CustomFieldDefinition[], now: number): Promise<CheckedChange<Customer>> {
  const checked = validateCustomerPatch(item, fields, { externalId: true, ...withoutLinks(deps) });
  const problems = [...(checked.ok ? [] : checked.problems), ...(await checkLinks(deps, db, existing.workspaceId, item))];
  if (!checked.ok || problems.length > 0) return { ok: false, problems };
  let externalId = existing.externalId;
  if ('externalId' in item) {
    externalId = typeof item['externalId'] === 'string' && item['externalId'] !== '' ? item['externalId'] : null;
    if (externalId && externalId !== existing.externalId) {
      const [clash] = await findCustomersByExternalIds(db, existing.workspaceId, [externalId]);
      if (clash) throw new AppError('ALREADY_EXISTS', `A customer with externalId "${externalId}" already exists.`, { field: 'externalId' });
    }
  }
  const applied = applyPatch(existing, existing.fieldUpdatedAt, checked.patch, now);
  const next: Customer = { ...existing, ...applied.values, externalId, fieldUpdatedAt: applied.fieldUpdatedAt, updatedAt: now };
  return { ok: true, next, changed: applied.changed.length > 0 || externalId !== existing.externalId };
}

/** Validates `item` as a change to `existing` and saves it; `changed: false` when nothing differed. */
async function changeCustomer(
  deps: CustomerServiceDeps,
  trx: Db,
  existing: Customer,
  item: Record<string, unknown>,
  fields: CustomFieldDefinition[],
): Promise<{ ok: true; changed: boolean } | { ok: false; problems: FieldProblem[] }> {
  const checked = await checkChange(deps, trx, existing, item, fields, deps.clock.now());
  if (!checked.ok) return checked;
  const linksChanged = (await deps.links?.write(trx, existing.workspaceId, existing.id, item)) ?? false;
  if (!checked.changed) return { ok: true, changed: linksChanged };
  await updateCustomerContent(trx, checked.next);
  return { ok: true, changed: true };
}

/**
 * Partial update; only the fields present in `input` change. With write-through on and the
 * customer linked, HubSpot accepts the change first (else it throws and nothing is saved).
 */
export async function updateCustomer(
  deps: CustomerServiceDeps,
  workspaceId: string,
  id: string,
  input: Record<string, unknown>,
): Promise<Customer> {
  const written = await writeThroughFirst(deps.writeThrough, workspaceId, id, async () => {
    const existing = await findCustomer(deps.db, workspaceId, id);
    if (!existing) throw notFound('Customer');
    return checkChange(deps, deps.db, existing, input, await loadFieldDefinitions(deps.db, workspaceId), deps.clock.now());
  });
  return deps.db.transaction().execute(async (trx) => {
    const existing = await findCustomer(trx, workspaceId, id);
    if (!existing) throw notFound('Customer');
    const outcome = await changeCustomer(deps, trx, existing, input, await loadFieldDefinitions(trx, workspaceId));
    if (!outcome.ok) throw invalidFields(outcome.problems);
    if (outcome.changed) await notify(deps, trx, workspaceId, [id], [existing.email]);
    // Settled even when a concurrent save already made the same change: HubSpot holds it now.
    if (written) await deps.writeThrough!.settle(trx, workspaceId, written);
    return outcome.changed || written ? (await findCustomer(trx, workspaceId, id))! : existing;
  });
}

export async function deleteCustomer(deps: CustomerServiceDeps, workspaceId: string, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const deleted = await softDeleteCustomer(trx, workspaceId, id, deps.clock.now());
    if (!deleted) throw notFound('Customer');
    await notify(deps, trx, workspaceId, [id], [deleted.email]);
  });
}

/** Brings a deleted customer back (without its externalId, which deleting freed); 404 when none is deleted. */
export async function restoreCustomer(deps: CustomerServiceDeps, workspaceId: string, id: string): Promise<Customer> {
  return deps.db.transaction().execute(async (trx) => {
    if (!(await restoreRecord(trx, 'customers', workspaceId, id, deps.clock.now()))) throw notFound('Deleted customer');
    await notify(deps, trx, workspaceId, [id]);
    return (await findCustomer(trx, workspaceId, id))!;
  });
}

export type { UpsertItemResult };

/**
 * Creates or updates up to 1,000 customers keyed by the host's externalId, in one transaction.
 * Each item stands alone: an invalid item is reported and skipped, the valid ones are saved.
 * With write-through on, an item changing a linked customer is saved only once HubSpot accepted
 * it; a refused one is reported with HubSpot's message.
 */
export async function bulkUpsertCustomers(
  deps: CustomerServiceDeps,
  workspaceId: string,
  items: Record<string, unknown>[],
  options: { createWithoutExternalId?: boolean } = {},
): Promise<UpsertItemResult[]> {
  // The custom field definitions, read once and only when something is written through.
  let fieldsRead: Promise<CustomFieldDefinition[]> | undefined;
  const through = await writeThroughItems(deps.writeThrough, workspaceId, items, {
    findByExternalIds: (externalIds) => findCustomersByExternalIds(deps.db, workspaceId, externalIds),
    externalIdOf: (c) => c.externalId,
    idOf: (c) => c.id,
    check: async (current, item) => checkChange(deps, deps.db, current, item, await (fieldsRead ??= loadFieldDefinitions(deps.db, workspaceId)), deps.clock.now()),
  });
  return deps.db.transaction().execute(async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId);
    const now = deps.clock.now();
    const previousEmails: (string | null)[] = [];
    const linked: { id: string; input: Record<string, unknown> }[] = [];
    const { results, changedIds } = await upsertByExternalId<Customer>(
      items,
      {
        findByExternalIds: (externalIds) => findCustomersByExternalIds(trx, workspaceId, externalIds),
        externalIdOf: (c) => c.externalId,
        idOf: (c) => c.id,
        build: async (item) => {
          const built = buildCustomer(workspaceId, item, fields, now, newId('cus', deps.clock), withoutLinks(deps));
          const problems = [...(built.ok ? [] : built.problems), ...(await checkLinks(deps, trx, workspaceId, item))];
          if (!built.ok || problems.length > 0) return { ok: false, problems };
          linked.push({ id: built.customer.id, input: item });
          return { ok: true, record: built.customer };
        },
        update: async (current, item) => {
          const outcome = await changeCustomer(deps, trx, current, item, fields);
          if (outcome.ok && outcome.changed) previousEmails.push(current.email);
          return outcome;
        },
        insert: (customers) => insertCustomers(trx, customers),
      },
      { ...options, refused: through.refused },
    );
    for (const { id, input } of linked) await deps.links?.write(trx, workspaceId, id, input);
    if (changedIds.length > 0) await notify(deps, trx, workspaceId, changedIds, previousEmails);
    // HubSpot holds what it accepted, whatever this transaction found (as for a single update).
    for (const written of through.written) await deps.writeThrough!.settle(trx, workspaceId, written);
    return results;
  });
}

/**
 * Changes the tags of live customers inside the caller's transaction (an activity's rules, a
 * bulk tag change): `next` gives each customer's new tags. The tag field is stamped like any
 * field edit and the change listeners run for the customers whose tags changed, so the statuses,
 * the on-change push and the list queue follow. Write-through does not apply: tags reach HubSpot
 * with the push. Returns the ids changed; unknown or deleted ids are left out.
 */
export async function retagCustomers(
  deps: Pick<CustomerServiceDeps, 'clock' | 'listeners'>,
  trx: Db,
  workspaceId: string,
  ids: readonly string[],
  next: (customer: Customer) => string[],
): Promise<string[]> {
  const now = deps.clock.now();
  const changed: string[] = [];
  const customers = await findCustomers(trx, workspaceId, ids);
  for (const customer of customers) {
    const tags = next(customer);
    const applied = applyPatch(customer, customer.fieldUpdatedAt, { values: { tags }, custom: {} }, now);
    if (applied.changed.length === 0) continue;
    await updateCustomerTags(trx, { ...customer, ...applied.values, fieldUpdatedAt: applied.fieldUpdatedAt, updatedAt: now });
    changed.push(customer.id);
  }
  if (changed.length > 0) await notify({ ...deps, db: trx }, trx, workspaceId, changed);
  return changed;
}
