// Customer use cases: create, update, delete, bulk upsert by external id. Validation and the
// per-field timestamps come from customer-input.ts; after every write the registered change
// listeners run (the sync module uses this to keep each customer's status current).
import type { Clock } from '../lib/index.js';
import { AppError, newId, notFound } from '../lib/index.js';
import type { Customer, Db } from '../store/index.js';
import {
  findCustomer,
  findCustomersByExternalIds,
  insertCustomers,
  listCustomFields,
  softDeleteCustomer,
  updateCustomerContent,
} from '../store/index.js';
import { problemsError, upsertByExternalId, type UpsertItemResult } from '../records/index.js';
import { applyPatch, EMPTY_VALUES, validateCustomerPatch, type FieldProblem } from './customer-input.js';
import type { CustomFieldDefinition, CustomFieldType } from './fields.js';

/**
 * Called inside the writing transaction with the ids of customers that changed and the
 * (lower-cased) emails they had before, whose duplicate groups may have changed too.
 */
export type CustomerChangeListener = (db: Db, workspaceId: string, customerIds: string[], previousEmails: string[]) => Promise<void>;

export interface CustomerServiceDeps {
  db: Db;
  clock: Clock;
  listeners: CustomerChangeListener[];
}

/** The workspace's custom fields of one object type (HubSpot's name; contacts unless said). */
export async function loadFieldDefinitions(db: Db, workspaceId: string, objectType = 'contacts'): Promise<CustomFieldDefinition[]> {
  const records = await listCustomFields(db, workspaceId, objectType);
  return records.map((r) => ({
    id: r.id,
    key: r.key,
    label: r.label,
    type: r.type as CustomFieldType,
    options: r.options,
    archived: r.archivedAt !== null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
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
): { ok: true; customer: Customer } | { ok: false; problems: FieldProblem[] } {
  const checked = validateCustomerPatch(input, fields, { externalId: true });
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

export async function createCustomer(deps: CustomerServiceDeps, workspaceId: string, input: Record<string, unknown>): Promise<Customer> {
  return deps.db.transaction().execute(async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId);
    const now = deps.clock.now();
    const built = buildCustomer(workspaceId, input, fields, now, newId('cus', deps.clock));
    if (!built.ok) throw problemsError(built.problems);
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
    await notify(deps, trx, workspaceId, [built.customer.id]);
    return (await findCustomer(trx, workspaceId, built.customer.id))!;
  });
}

/** Partial update; only the fields present in `input` change. */
export async function updateCustomer(
  deps: CustomerServiceDeps,
  workspaceId: string,
  id: string,
  input: Record<string, unknown>,
): Promise<Customer> {
  return deps.db.transaction().execute(async (trx) => {
    const existing = await findCustomer(trx, workspaceId, id);
    if (!existing) throw notFound('Customer');
    const fields = await loadFieldDefinitions(trx, workspaceId);
    const checked = validateCustomerPatch(input, fields, { externalId: true });
    if (!checked.ok) throw problemsError(checked.problems);
    let externalId = existing.externalId;
    if ('externalId' in input) {
      externalId = typeof input['externalId'] === 'string' && input['externalId'] !== '' ? input['externalId'] : null;
      if (externalId && externalId !== existing.externalId) {
        const [clash] = await findCustomersByExternalIds(trx, workspaceId, [externalId]);
        if (clash) throw new AppError('ALREADY_EXISTS', `A customer with externalId "${externalId}" already exists.`, { field: 'externalId' });
      }
    }
    const now = deps.clock.now();
    const applied = applyPatch(existing, existing.fieldUpdatedAt, checked.patch, now);
    if (applied.changed.length === 0 && externalId === existing.externalId) return existing;
    await updateCustomerContent(trx, { ...existing, ...applied.values, externalId, fieldUpdatedAt: applied.fieldUpdatedAt, updatedAt: now });
    await notify(deps, trx, workspaceId, [id], [existing.email]);
    return (await findCustomer(trx, workspaceId, id))!;
  });
}

export async function deleteCustomer(deps: CustomerServiceDeps, workspaceId: string, id: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const deleted = await softDeleteCustomer(trx, workspaceId, id, deps.clock.now());
    if (!deleted) throw notFound('Customer');
    await notify(deps, trx, workspaceId, [id], [deleted.email]);
  });
}

/**
 * Creates or updates up to 1,000 customers keyed by the host's externalId, in one transaction.
 * Each item stands alone: an invalid item is reported and skipped, the valid ones are saved.
 */
export async function bulkUpsertCustomers(
  deps: CustomerServiceDeps,
  workspaceId: string,
  items: Record<string, unknown>[],
  options: { createWithoutExternalId?: boolean } = {},
): Promise<UpsertItemResult[]> {
  return deps.db.transaction().execute(async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId);
    const now = deps.clock.now();
    const externalIds = items.map((item) => (typeof item['externalId'] === 'string' ? item['externalId'] : '')).filter(Boolean);
    const existing = new Map((await findCustomersByExternalIds(trx, workspaceId, externalIds)).map((c) => [c.externalId!, c]));
    const toInsert: Customer[] = [];
    const changedIds: string[] = [];
    const previousEmails: (string | null)[] = [];
    const results = await upsertByExternalId(items, {
      existing,
      createWithoutExternalId: options.createWithoutExternalId,
      create: (item) => {
        const built = buildCustomer(workspaceId, item, fields, now, newId('cus', deps.clock));
        if (!built.ok) return built;
        toInsert.push(built.customer);
        return { ok: true, id: built.customer.id };
      },
      update: async (current, item) => {
        const checked = validateCustomerPatch(item, fields, { externalId: true });
        if (!checked.ok) return checked;
        const applied = applyPatch(current, current.fieldUpdatedAt, checked.patch, now);
        if (applied.changed.length === 0) return { ok: true, changed: false };
        await updateCustomerContent(trx, { ...current, ...applied.values, fieldUpdatedAt: applied.fieldUpdatedAt, updatedAt: now });
        changedIds.push(current.id);
        previousEmails.push(current.email);
        return { ok: true, changed: true };
      },
    });
    await insertCustomers(trx, toInsert);
    changedIds.push(...toInsert.map((c) => c.id));
    if (changedIds.length > 0) await notify(deps, trx, workspaceId, changedIds, previousEmails);
    return results;
  });
}
