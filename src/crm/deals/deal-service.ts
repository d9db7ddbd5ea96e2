// Deal use cases: create, partial update (written through to HubSpot first when the workspace
// asks), soft delete, link and unlink customers, bulk upsert by externalId. Each write runs in one transaction that also sets the deal's sync status and
// current hash and tells the change listeners which deals changed (the on-change push's
// listener keeps, in its pending set, those a push would now send).
//
// Status: deals have no natural key, so never No email or Duplicate; a new deal is Not synced,
// an edited one Needs update once linked to HubSpot (dealStatus). The current hash is the hash
// of what the deal would push now, values and links (dealCurrentHash in sync/deal-values.ts,
// the same functions the deals adapter of the push engine sends and hashes with).
import type { Clock } from '../../lib/index.js';
import { AppError, newId, notFound } from '../../lib/index.js';
import {
  applyPatch,
  invalidFields,
  loadFieldDefinitions,
  upsertByExternalId,
  validateExternalId,
  type CustomFieldDefinition,
  type FieldProblem,
  type RecordChangeListener,
  writeThroughFirst,
  writeThroughItems,
  type RecordWriteThrough,
  type UpsertItemResult,
  type WrittenThrough,
} from '../../records/index.js';
import type { Db, Deal } from '../../store/index.js';
import { findDeal, findDealsByExternalIds, findLiveIds, findMemberIds, insertDeals, isUniqueViolation, lockDeal, restoreRecord, softDeleteDeal, updateDealContent } from '../../store/index.js';
import { dealCurrentHash, dealStatus, loadDealValuesContext, type DealValuesContext } from '../../sync/index.js';
import { linkProblems, newDeal, validateDealPatch, type LinkTargets } from './deal-input.js';

export const DEALS = 'deals';

export interface DealServiceDeps {
  db: Db;
  clock: Clock;
  /** Told of changed and deleted deals (the on-change push's pending set, propagated deletes). */
  listeners: RecordChangeListener[];
  /** Writes a linked deal's change to HubSpot before it is saved, when the workspace asks for it. */
  writeThrough?: RecordWriteThrough<Deal> | undefined;
}

/** Loads, in three queries, every link target a batch of input names. */
async function loadTargets(db: Db, workspaceId: string, items: Record<string, unknown>[]): Promise<LinkTargets> {
  const ids = (key: string) => items.map((item) => item[key]).filter((v): v is string => typeof v === 'string');
  const customerIds = items.flatMap((item) => (Array.isArray(item['customerIds']) ? item['customerIds'].filter((v): v is string => typeof v === 'string') : []));
  return {
    customers: await findLiveIds(db, 'customers', workspaceId, customerIds),
    organizations: await findLiveIds(db, 'organizations', workspaceId, ids('organizationId')),
    members: await findMemberIds(db, workspaceId, ids('ownerUserId')),
  };
}

type Checked = { ok: true; deal: Deal; changed: boolean } | { ok: false; problems: FieldProblem[] };

/** Validates `input` against `current` and applies it, stamping the fields that changed. */
function applyInput(current: Deal, input: Record<string, unknown>, fields: CustomFieldDefinition[], targets: LinkTargets, now: number): Checked {
  const checked = validateDealPatch(input, fields);
  if (!checked.ok) return checked;
  const problems = linkProblems(checked.patch.values, targets);
  if (problems.length > 0) return { ok: false, problems };
  const applied = applyPatch(current, current.fieldUpdatedAt, checked.patch, now);
  const externalId = 'externalId' in input ? (validateExternalId(input['externalId']) as { value: string | null }).value : current.externalId;
  const changed = applied.changed.length > 0 || externalId !== current.externalId;
  return { ok: true, changed, deal: { ...current, ...applied.values, externalId, fieldUpdatedAt: applied.fieldUpdatedAt, updatedAt: changed ? now : current.updatedAt } };
}

/** Tells the listeners which deals changed, after their statuses were written. */
async function notify(deps: DealServiceDeps, db: Db, workspaceId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  for (const listener of deps.listeners) await listener(db, workspaceId, ids, []);
}

async function refuseTakenExternalId(db: Db, workspaceId: string, externalId: string | null, ownId: string | null): Promise<void> {
  if (!externalId) return;
  const [clash] = await findDealsByExternalIds(db, workspaceId, [externalId]);
  if (clash && clash.id !== ownId) {
    throw new AppError('ALREADY_EXISTS', `A deal with externalId "${externalId}" already exists.`, { field: 'externalId', dealId: clash.id });
  }
}

/**
 * Runs a write transaction; two requests writing one externalId at the same moment both pass
 * the check, and the later insert hits the unique index: that is a 409, not a 500.
 */
async function inTransaction<T>(deps: DealServiceDeps, work: (trx: Db) => Promise<T>): Promise<T> {
  try {
    return await deps.db.transaction().execute(work);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError('ALREADY_EXISTS', 'Another request wrote a deal with the same externalId at the same moment; send this one again to update it.', { field: 'externalId' }, { cause: error });
  }
}

export async function createDeal(deps: DealServiceDeps, workspaceId: string, input: Record<string, unknown>): Promise<Deal> {
  return inTransaction(deps, async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId, DEALS);
    const now = deps.clock.now();
    const built = applyInput(newDeal(workspaceId, newId('deal', deps.clock), now), input, fields, await loadTargets(trx, workspaceId, [input]), now);
    if (!built.ok) throw invalidFields(built.problems);
    await refuseTakenExternalId(trx, workspaceId, built.deal.externalId, null);
    const currentHash = dealCurrentHash(built.deal, await loadDealValuesContext(trx, workspaceId));
    await insertDeals(trx, [{ deal: built.deal, currentHash }]);
    await notify(deps, trx, workspaceId, [built.deal.id]);
    return (await findDeal(trx, workspaceId, built.deal.id))!;
  });
}

/** Saves a changed deal with its new status. */
async function saveChange(db: Db, context: DealValuesContext, previous: Deal, next: Deal): Promise<void> {
  const currentHash = dealCurrentHash(next, context);
  await updateDealContent(db, next, previous.customerIds, { status: dealStatus(next.sync, currentHash), currentHash });
}

/**
 * Changes one deal: the input is made from the deal as it is once this transaction holds its
 * row (lockDeal), so two changes at once — two customers linked by two requests — both land.
 */
async function changeDeal(deps: DealServiceDeps, workspaceId: string, id: string, inputFor: (existing: Deal) => Record<string, unknown>, written: WrittenThrough | null = null): Promise<Deal> {
  return inTransaction(deps, async (trx) => {
    await lockDeal(trx, workspaceId, id);
    const existing = await findDeal(trx, workspaceId, id);
    if (!existing) throw notFound('Deal');
    const input = inputFor(existing);
    const fields = await loadFieldDefinitions(trx, workspaceId, DEALS);
    const checked = applyInput(existing, input, fields, await loadTargets(trx, workspaceId, [input]), deps.clock.now());
    if (!checked.ok) throw invalidFields(checked.problems);
    if (checked.changed) {
      await refuseTakenExternalId(trx, workspaceId, checked.deal.externalId, id);
      await saveChange(trx, await loadDealValuesContext(trx, workspaceId), existing, checked.deal);
      await notify(deps, trx, workspaceId, [id]);
    }
    // Settled even when a concurrent save already made the same change: HubSpot holds it now.
    if (written) await deps.writeThrough!.settle(trx, workspaceId, written);
    return checked.changed || written ? (await findDeal(trx, workspaceId, id))! : existing;
  });
}

/**
 * Partial update; only the fields present in `input` change (`customerIds` replaces the set).
 * With write-through on and the deal linked, HubSpot accepts the change first (else it throws
 * and nothing is saved).
 */
export async function updateDeal(deps: DealServiceDeps, workspaceId: string, id: string, input: Record<string, unknown>): Promise<Deal> {
  const written = await writeThroughFirst(deps.writeThrough, workspaceId, id, async () => {
    const existing = await findDeal(deps.db, workspaceId, id);
    if (!existing) throw notFound('Deal');
    const checked = applyInput(existing, input, await loadFieldDefinitions(deps.db, workspaceId, DEALS), await loadTargets(deps.db, workspaceId, [input]), deps.clock.now());
    if (checked.ok) await refuseTakenExternalId(deps.db, workspaceId, checked.deal.externalId, id);
    return checked.ok ? { ok: true, next: checked.deal, changed: checked.changed } : checked;
  });
  return changeDeal(deps, workspaceId, id, () => input, written);
}

/** Links (`link: true`) or unlinks one customer; linking twice is harmless, unlinking what is not linked is a 404. */
export async function linkDealCustomer(deps: DealServiceDeps, workspaceId: string, dealId: string, customerId: string, link: boolean): Promise<Deal> {
  return changeDeal(deps, workspaceId, dealId, (existing) => {
    if (!link && !existing.customerIds.includes(customerId)) throw new AppError('NOT_FOUND', 'This customer is not linked to the deal.');
    return { customerIds: link ? [...existing.customerIds, customerId] : existing.customerIds.filter((c) => c !== customerId) };
  });
}

export async function deleteDeal(deps: DealServiceDeps, workspaceId: string, id: string): Promise<void> {
  await inTransaction(deps, async (trx) => {
    const deleted = await softDeleteDeal(trx, workspaceId, id, deps.clock.now());
    if (!deleted) throw notFound('Deal');
    // The listeners hear of it too (a propagated delete is queued in this transaction).
    await notify(deps, trx, workspaceId, [id]);
  });
}

/**
 * Brings a deleted deal back (without its externalId, which deleting freed); 404 when none is
 * deleted. Its status and hash are computed again (its customers or organization may have gone
 * meanwhile, or a propagated delete unlinked it: then it reads Not synced and the push creates
 * it again); a propagated delete not yet run is cancelled by the listeners.
 */
export async function restoreDeal(deps: DealServiceDeps, workspaceId: string, id: string): Promise<Deal> {
  return inTransaction(deps, async (trx) => {
    if (!(await restoreRecord(trx, 'deals', workspaceId, id, deps.clock.now()))) throw notFound('Deleted deal');
    const deal = (await findDeal(trx, workspaceId, id))!;
    await saveChange(trx, await loadDealValuesContext(trx, workspaceId), deal, deal);
    await notify(deps, trx, workspaceId, [id]);
    return (await findDeal(trx, workspaceId, id))!;
  });
}

/**
 * Creates or updates up to 1,000 deals keyed by the host's externalId, in one transaction.
 * Each item stands alone: an invalid item is reported and skipped, the valid ones are saved.
 */
export async function bulkUpsertDeals(
  deps: DealServiceDeps,
  workspaceId: string,
  items: Record<string, unknown>[],
  options: { createWithoutExternalId?: boolean } = {},
): Promise<UpsertItemResult[]> {
  // The custom field definitions, read once and only when something is written through.
  let fieldsRead: Promise<CustomFieldDefinition[]> | undefined;
  const through = await writeThroughItems(deps.writeThrough, workspaceId, items, {
    findByExternalIds: (externalIds) => findDealsByExternalIds(deps.db, workspaceId, externalIds),
    externalIdOf: (d) => d.externalId,
    idOf: (d) => d.id,
    check: async (current, item) => {
      const checked = applyInput(current, item, await (fieldsRead ??= loadFieldDefinitions(deps.db, workspaceId, DEALS)), await loadTargets(deps.db, workspaceId, [item]), deps.clock.now());
      return checked.ok ? { ok: true, next: checked.deal, changed: checked.changed } : checked;
    },
  });
  return inTransaction(deps, async (trx) => {
    const fields = await loadFieldDefinitions(trx, workspaceId, DEALS);
    const targets = await loadTargets(trx, workspaceId, items);
    const context = await loadDealValuesContext(trx, workspaceId);
    const now = deps.clock.now();
    const { results, changedIds } = await upsertByExternalId<Deal>(
      items,
      {
        findByExternalIds: (externalIds) => findDealsByExternalIds(trx, workspaceId, externalIds),
        externalIdOf: (d) => d.externalId,
        idOf: (d) => d.id,
        build: async (item) => {
          const built = applyInput(newDeal(workspaceId, newId('deal', deps.clock), now), item, fields, targets, now);
          return built.ok ? { ok: true, record: built.deal } : built;
        },
        update: async (current, item) => {
          const checked = applyInput(current, item, fields, targets, now);
          if (!checked.ok || !checked.changed) return checked;
          await saveChange(trx, context, current, checked.deal);
          return checked;
        },
        insert: (deals) => insertDeals(trx, deals.map((deal) => ({ deal, currentHash: dealCurrentHash(deal, context) }))),
      },
      { ...options, refused: through.refused },
    );
    await notify(deps, trx, workspaceId, changedIds);
    // HubSpot holds what it accepted, whatever this transaction found (as for a single update).
    for (const written of through.written) await deps.writeThrough!.settle(trx, workspaceId, written);
    return results;
  });
}
