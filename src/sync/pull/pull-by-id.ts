// Reads by id (`PullEngine.pullByIds`): HubSpot records a webhook named, read now and merged as a
// page is, without moving the checkpoint; and, while deals are not pulled, the Closed Won deals
// among them, whose contacts are imported.
import type { CallOptions, HubSpotClient } from '../../hubspot/index.js';
import { missingScopesFor } from '../../integration/index.js';
import { newId } from '../../lib/index.js';
import { findConnection } from '../../store/index.js';
import { readSyncSettings } from '../sync-settings.js';
import { applyHubSpotDeletions } from './deletions.js';
import { closedWonImports, wonStageOf, wonStages } from './closed-won.js';
import { readAssociations } from './links.pull.js';
import type { PullAdapter, PullPageOutcome, PullRun } from './pull-adapter.js';
import type { PullRunLog } from '../run-types.js';
import { addOutcome, emptySummary, type PullEngineDeps, type PullSummary, type PullScope, type PageReads } from './pull-types.js';
import { RunRecorder } from './run-recorder.js';
import { applyRecords, closedWonDeps, conflictTimes } from './page-apply.js';

/**
 * Reads these HubSpot records by id (a webhook said they changed or went: at most
 * BATCH_READ_SIZE) and merges them as a page is, without moving the checkpoint; those HubSpot
 * no longer has are deletions (./deletions.ts). Null when two-way sync is off or the workspace
 * does not pull the type (`typesFor`; nothing is called). Reading the record now, not
 * trusting the event, is what makes duplicated and out-of-order events harmless.
 */
export async function pullRecordsByIds(deps: PullEngineDeps, types: readonly PullAdapter[], workspaceId: string, objectType: string, ids: readonly string[], options: { log?: PullRunLog } = {}): Promise<PullSummary | null> {
  const { db, clock, gateway } = deps;
  const adapter = types.find((a) => a.objectType === objectType);
  if (!adapter) return objectType === 'deals' ? closedWonByIds(deps, workspaceId, types, ids, options) : null;
  const settings = await readSyncSettings(db, workspaceId);
  const run: PullRun = { id: newId('pull', clock), at: clock.now() };
  const summary = emptySummary(run);
  if (ids.length === 0) return summary;
  const client = await gateway.clientFor(workspaceId);
  const context = await adapter.context(db, workspaceId);
  const recorder = options.log ? new RunRecorder(options.log, run.id, clock, gateway, deps.metrics, deps.events) : undefined;
  const call: CallOptions = options.log ? { tag: options.log.id } : {};
  try {
    return await readByIds(deps, client, workspaceId, adapter, context, ids, run, summary, settings.archiveOnHubSpotDelete, call, recorder, { types, contexts: new Map(), byId: true });
  } finally {
    recorder?.close();
  }
}

/**
 * Deals named by a webhook while deals are not pulled (`syncDeals` off): only Closed Won is
 * looked for — the deals are read by id (their stage), the portal's won stages once, and the
 * won deals' contacts (with their companies) are imported as `closedWonImports` says; the deals
 * themselves stay out. Null when contacts are not pulled or the connection cannot read deals.
 */
async function closedWonByIds(deps: PullEngineDeps, workspaceId: string, types: readonly PullAdapter[], ids: readonly string[], options: { log?: PullRunLog }): Promise<PullSummary | null> {
  const { db, clock, gateway } = deps;
  const connection = await findConnection(db, workspaceId);
  const granted = connection ? (JSON.parse(connection.scopes) as string[]) : null;
  if (!types.some((t) => t.objectType === 'contacts') || (granted !== null && missingScopesFor('deals', granted).length > 0)) return null;
  const run: PullRun = { id: newId('pull', clock), at: clock.now() };
  const summary = emptySummary(run);
  if (ids.length === 0) return summary;
  const client = await gateway.clientFor(workspaceId);
  const recorder = options.log ? new RunRecorder(options.log, run.id, clock, gateway, undefined, deps.events) : undefined;
  const call: CallOptions = options.log ? { tag: options.log.id } : {};
  const scope: PullScope = { types, contexts: new Map(), byId: true };
  try {
    const wanted = new Set(ids);
    const read = await client.objects('deals').batchRead([...wanted], { properties: ['dealname', 'pipeline', 'dealstage'], ...call });
    const won = await (scope.won ??= client.pipelines.list('deals', call).then(wonStages));
    const deals = read.results.filter((r) => wanted.has(r.id) && wonStageOf(r, won) !== undefined);
    const associations = await readAssociations(client, 'deals', ['contacts'], deals.map((d) => d.id), call);
    const imports = await closedWonImports(closedWonDeps(deps, client, workspaceId, call, scope), deals, associations.get('contacts'));
    const timed: PageReads['imports'] = [];
    for (const page of imports) timed.push({ ...page, changedAt: await conflictTimes(deps, client, workspaceId, page.adapter, page.context, page.records, call) });
    const outcomes = await db.transaction().execute(async (trx) => {
      const applied: PullPageOutcome[] = [];
      for (const page of timed) {
        const outcome = await page.adapter.apply(trx, workspaceId, page.context, page.records, page.changedAt, run, { associations: page.associations, forced: page.forced });
        await recorder?.record(trx, workspaceId, page.adapter.objectType, { read: page.records.length, outcome });
        applied.push(outcome);
      }
      return applied;
    });
    for (const o of outcomes) addOutcome(summary, o);
    return { ...summary, pages: 1, pulled: read.results.length };
  } finally {
    recorder?.close();
  }
}

/** `pullByIds`' read and apply, recorded on the run when there is one. */
async function readByIds(
  deps: PullEngineDeps,
  client: HubSpotClient,
  workspaceId: string,
  adapter: PullAdapter,
  context: unknown,
  ids: readonly string[],
  run: PullRun,
  summary: PullSummary,
  archive: boolean,
  call: CallOptions,
  recorder: RunRecorder | undefined,
  scope: PullScope,
): Promise<PullSummary> {
  const read = await client.objects(adapter.objectType).batchRead(ids, { properties: adapter.properties(context), ...call });
  const wanted = new Set(ids);
  // A merged-away id reads as the record it was merged into, under that record's id (a merge
  // webhook's new id, or an old id a change event named): that record is applied, and its
  // `hs_merged_object_ids` make the records linked to the old ids one (./hubspot-merges.ts).
  const seen = new Set<string>();
  const records = read.results.filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
  const gone = read.errors.filter((e) => e.category === 'OBJECT_NOT_FOUND').flatMap((e) => e.context?.['ids'] ?? []).filter((id) => wanted.has(id));
  const { outcome, imported } = await applyRecords(deps, client, workspaceId, adapter, context, records, run, call, scope, {
    before: async (trx) => {
      summary.deletions = await applyHubSpotDeletions(trx, workspaceId, adapter.objectType, gone, { archive, at: run.at });
    },
    imported: async (trx, objectType, read, applied) => void (await recorder?.record(trx, workspaceId, objectType, { read, outcome: applied })),
    after: async (trx, applied) => void (await recorder?.record(trx, workspaceId, adapter.objectType, { read: records.length, outcome: applied, deletions: summary.deletions })),
  });
  for (const o of [...imported, outcome]) addOutcome(summary, o);
  return { ...summary, pages: 1, pulled: records.length };
}
