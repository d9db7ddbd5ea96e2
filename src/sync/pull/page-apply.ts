// Applying one page of HubSpot records, the same for a pull's pages, a read by id and a dry run:
// what the page needs from HubSpot read first (change times of conflicting fields, associations,
// the records a Closed Won deal brings), then the page merged in one transaction.
import type { CallOptions, CrmObject, HubSpotClient } from '../../hubspot/index.js';
import type { Db } from '../../store/index.js';
import { closedWonImports, wonStages, type ClosedWonDeps } from './closed-won.js';
import { readAssociations } from './links.pull.js';
import { stampOf, type ChangeTimes, type PullAdapter, type PullPageOutcome, type PullRun } from './pull-adapter.js';
import { hubspotChangedAt } from './merge.js';
import { HISTORY_BATCH_SIZE, type PullEngineDeps, type PullScope, type PageReads, type PageHooks } from './pull-types.js';

/**
 * Merges HubSpot records into the local ones, as a page is: what the page needs from HubSpot
 * read first (`readPage`: change times of conflicting fields, associations, Closed Won
 * imports), then one transaction in which `before` runs (the checkpoint move of a page; the
 * deletions of a read by id), the records a Closed Won deal brings are applied (`imported`
 * sees each type's), the adapter applies the records, and `after` sees what that did (the run
 * records it).
 */
export async function applyRecords(
  deps: PullEngineDeps,
  client: HubSpotClient,
  workspaceId: string,
  adapter: PullAdapter,
  context: unknown,
  records: readonly CrmObject[],
  run: PullRun,
  call: CallOptions,
  scope: PullScope,
  hooks: PageHooks,
): Promise<{ outcome: PullPageOutcome; imported: PullPageOutcome[] }> {
  const reads = await readPage(deps, client, workspaceId, adapter, context, records, call, scope);
  return deps.db.transaction().execute(async (trx) => {
    await hooks.before?.(trx);
    return applyRead(deps, trx, workspaceId, adapter, context, records, run, reads, hooks);
  });
}

/** Inside the page's transaction: the Closed Won imports, then the page itself. */
export async function applyRead(
  deps: PullEngineDeps,
  trx: Db,
  workspaceId: string,
  adapter: PullAdapter,
  context: unknown,
  records: readonly CrmObject[],
  run: PullRun,
  reads: PageReads,
  hooks: PageHooks,
): Promise<{ outcome: PullPageOutcome; imported: PullPageOutcome[] }> {
  const imported: PullPageOutcome[] = [];
  for (const page of reads.imports) {
    const applied = await page.adapter.apply(trx, workspaceId, page.context, page.records, page.changedAt, run, { associations: page.associations, forced: page.forced });
    await hooks.imported?.(trx, page.adapter.objectType, page.records.length, applied);
    imported.push(applied);
  }
  const outcome = await adapter.apply(trx, workspaceId, context, records, reads.changedAt, run, { associations: reads.associations });
  await hooks.after?.(trx, outcome);
  return { outcome, imported };
}

/**
 * What applying a page needs from HubSpot, read before its transaction (no call is made inside
 * one): the change times of conflicting fields, the associations of its records to the types
 * the workspace pulls (one batch read per kind; none for an empty page), and for deals, the
 * contacts and companies its Closed Won deals bring (./closed-won.ts).
 */
export async function readPage(deps: PullEngineDeps, client: HubSpotClient, workspaceId: string, adapter: PullAdapter, context: unknown, records: readonly CrmObject[], call: CallOptions, scope: PullScope): Promise<PageReads> {
  const changedAt = await conflictTimes(deps, client, workspaceId, adapter, context, records, call);
  const pulled = new Set(scope.types.map((t) => t.objectType));
  const kinds = (adapter.linkKinds ?? []).filter((k) => pulled.has(k));
  // Only records that will be here, and on a pull's page not those whose values are only
  // hubsync's own push coming back: an idle workspace's pull (which reads that echo again in its
  // overlap) reads no associations.
  const linkable = kinds.length === 0 || records.length === 0 ? [] : await adapter.linkable(deps.db, workspaceId, context, records, scope.byId === true);
  const associations = await readAssociations(client, adapter.objectType, kinds, linkable, call);
  const imports =
    adapter.objectType === 'deals'
      ? await closedWonImports(closedWonDeps(deps, client, workspaceId, call, scope), records, associations.get('contacts'))
      : [];
  const timed: PageReads['imports'] = [];
  for (const page of imports) timed.push({ ...page, changedAt: await conflictTimes(deps, client, workspaceId, page.adapter, page.context, page.records, call) });
  return { changedAt, associations, imports: timed };
}

/** What `closedWonImports` reads with, within one scope (the won stages read once). */
export function closedWonDeps(deps: PullEngineDeps, client: HubSpotClient, workspaceId: string, call: CallOptions, scope: PullScope): ClosedWonDeps {
  return {
    db: deps.db,
    client,
    workspaceId,
    call,
    adapterFor: (type) => scope.types.find((t) => t.objectType === type),
    contextOf: (type) => contextOf(deps, scope, workspaceId, type),
    wonStages: () => (scope.won ??= client.pipelines.list('deals', call).then(wonStages)),
  };
}

/** A type's context, read once per scope. */
export function contextOf(deps: PullEngineDeps, scope: PullScope, workspaceId: string, adapter: PullAdapter): Promise<unknown> {
  let context = scope.contexts.get(adapter.objectType);
  if (!context) {
    context = adapter.context(deps.db, workspaceId);
    scope.contexts.set(adapter.objectType, context);
  }
  return context;
}

/**
 * HubSpot's change time of each conflicting property of the page's records, read from their
 * history — only for records whose fields really conflict, 50 a call.
 */
export async function conflictTimes(deps: PullEngineDeps, client: HubSpotClient, workspaceId: string, adapter: PullAdapter, context: unknown, records: readonly CrmObject[], call: CallOptions): Promise<ChangeTimes> {
  const times = new Map<string, Map<string, number>>();
  if (records.length === 0) return times;
  const conflicting = await adapter.conflicts(deps.db, workspaceId, context, records);
  const ids = [...conflicting.keys()];
  for (let i = 0; i < ids.length; i += HISTORY_BATCH_SIZE) {
    const chunk = ids.slice(i, i + HISTORY_BATCH_SIZE);
    const properties = [...new Set(chunk.flatMap((id) => conflicting.get(id) ?? []))];
    const read = await client.objects(adapter.objectType).batchRead(chunk, { properties: [adapter.modifiedProperty], propertiesWithHistory: properties, ...call });
    for (const record of read.results) {
      const fallback = stampOf(record.properties[adapter.modifiedProperty]);
      times.set(record.id, new Map(properties.map((p) => [p, hubspotChangedAt(record.propertiesWithHistory?.[p], fallback)])));
    }
  }
  return times;
}
