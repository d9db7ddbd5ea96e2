// A pull's dry run (`PullEngine.preview`): HubSpot read as a pull would, the pages applied inside
// one transaction that is rolled back.
import type { CallOptions, ObjectType } from '../../hubspot/index.js';
import { newId } from '../../lib/index.js';
import { listConflictsOfPull, type Db, type SyncConflictRow } from '../../store/index.js';
import { readSyncSettings } from '../sync-settings.js';
import { applyHubSpotDeletions, checkArchived } from './deletions.js';
import { localChanges, type PullAdapter, type PullRun } from './pull-adapter.js';
import { emptySummary, addOutcome, type PullEngineDeps, type PullSummary, type ReadPage, type PullScope, type PageReads, type PageSink } from './pull-types.js';
import { applyRead, readPage } from './page-apply.js';
import { pullType } from './pull-type.js';

export interface PreviewOptions<T> {
  /** HubSpot records read at most (over all types); the preview says whether it read everything. */
  maxRecords: number;
  /** Epoch ms after which no further page is read. */
  until: number;
  /** Conflicts listed at most (all are counted). */
  maxConflicts: number;
  /** Reads what it needs inside the rolled-back transaction, after the pulled pages were applied. */
  inspect: (db: Db) => Promise<T>;
}

/** What a pull would do now (`PullEngine.preview`). */
export interface PullPreview<T> {
  summary: PullSummary;
  /** The local records it would create, link, and update (linked before, values changed). */
  changes: { created: number; linked: number; updated: number };
  /** Every page the pull would read was read; false when it stopped at `maxRecords` or `until`. */
  complete: boolean;
  /** The fields both sides changed differently, each with the side that would win. */
  conflicts: SyncConflictRow[];
  inspected: T;
}

/** Carries a preview's findings out of the transaction it rolls back. */
class PreviewRollback<T> extends Error {
  constructor(readonly found: { conflicts: SyncConflictRow[]; inspected: T }) {
    super('A dry run rolls back what it applied.');
  }
}

/**
 * What a pull would do now, without doing it (a dry run): reads HubSpot as a pull would — only
 * reads — from the stored checkpoints (the records, their conflicts' history, the archived
 * listing when it is due), then applies what it read inside one transaction that is rolled
 * back, where `inspect` reads what it needs (what a push would then send), so no record,
 * checkpoint or run changes. Reads at most `maxRecords` records and stops reading at `until`;
 * `complete` says whether that was all. Null when two-way sync is off.
 *
 * HubSpot is read before the transaction opens: no code may call HubSpot inside a transaction
 * of its own (on SQLite the rate budget's permits need the one connection).
 */
export async function previewPull<T>(deps: PullEngineDeps, types: readonly PullAdapter[], workspaceId: string, options: PreviewOptions<T>): Promise<PullPreview<T> | null> {
  const { db, clock, gateway } = deps;
  if (types.length === 0) return null;
  const client = await gateway.clientFor(workspaceId);
  const run: PullRun = { id: newId('pull', clock), at: clock.now() };
  const summary = emptySummary(run);
  const call: CallOptions = { priority: 'interactive' };
  const pages: (ReadPage & { reads: PageReads })[] = [];
  const gone = new Map<ObjectType, string[]>();
  const shouldPause = () => summary.pulled >= options.maxRecords || clock.now() >= options.until;
  const scope: PullScope = { types, contexts: new Map() };
  const setAside: PageSink = async (page) => {
    pages.push({ ...page, reads: await readPage(deps, client, workspaceId, page.adapter, page.context, page.records, call, scope) });
    return false;
  };
  let complete = true;
  for (const adapter of types) {
    const type = adapter.objectType;
    const read = await pullType(deps, client, workspaceId, adapter, summary, shouldPause, setAside, { persist: false, call });
    const archived = read === 'done' ? await checkArchived(deps, client, workspaceId, type, { shouldPause, call, collect: (ids) => gone.set(type, [...(gone.get(type) ?? []), ...ids]) }) : { paused: true };
    if (archived.paused) {
      complete = false;
      break;
    }
  }
  const { archiveOnHubSpotDelete } = await readSyncSettings(db, workspaceId);
  const changes = { created: 0, linked: 0, updated: 0 };
  try {
    await db.transaction().execute(async (trx) => {
      for (const page of pages) {
        const { outcome, imported } = await applyRead(deps, trx, workspaceId, page.adapter, page.context, page.records, run, page.reads, {});
        for (const o of [...imported, outcome]) {
          addOutcome(summary, o);
          const local = localChanges(o);
          changes.created += local.created;
          changes.linked += local.linked;
          changes.updated += local.updated;
        }
      }
      for (const [type, ids] of gone) summary.deletions += await applyHubSpotDeletions(trx, workspaceId, type, ids, { archive: archiveOnHubSpotDelete, at: run.at });
      const conflicts = await listConflictsOfPull(trx, workspaceId, run.id, options.maxConflicts);
      throw new PreviewRollback({ conflicts, inspected: await options.inspect(trx) });
    });
  } catch (error) {
    if (!(error instanceof PreviewRollback)) throw error;
    const found = (error as PreviewRollback<T>).found;
    return { summary, changes, complete, conflicts: found.conflicts, inspected: found.inspected };
  }
  throw new Error('A dry run must roll back.');
}
