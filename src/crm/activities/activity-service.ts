// Appending activities, one or up to 1,000 at once. An activity is never edited. With an
// externalId, appending the same activity again (a host app's retry, or two appends racing)
// answers the activity already stored and never writes a second row: the unique
// (workspace_id, external_id) and `on conflict do nothing` decide, in the database, on both
// SQLite and PostgreSQL. A new activity is Not synced and, with on-change push on, joins the
// pending set as a `notes` record in the same transaction.
import type { Clock } from '../../lib/index.js';
import { newId } from '../../lib/index.js';
import { invalidFields, type FieldProblem, type RecordChangeListener } from '../../records/index.js';
import type { Activity, Db } from '../../store/index.js';
import { findActivitiesByExternalIds, findLiveIds, insertActivities } from '../../store/index.js';
import { noteHash } from '../../sync/index.js';
import { validateActivity, type ActivityInput } from './activity-input.js';

/** HubSpot's object type an activity becomes. */
export const NOTES = 'notes';

export interface ActivityServiceDeps {
  db: Db;
  clock: Clock;
  /** Told of the activities appended (the on-change push's pending set, as `notes`). */
  listeners: RecordChangeListener[];
}

export type AppendResult =
  | { index: number; externalId: string | null; status: 'created' | 'existing'; id: string }
  | { index: number; externalId: string | null; status: 'error'; error: { code: 'VALIDATION_FAILED'; message: string; problems: FieldProblem[] } };

function linkProblems(a: ActivityInput, live: { customers: Set<string>; organizations: Set<string>; deals: Set<string> }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!live.customers.has(a.customerId)) problems.push({ field: 'customerId', message: `"${a.customerId}" is not a customer of this workspace` });
  if (a.organizationId && !live.organizations.has(a.organizationId)) problems.push({ field: 'organizationId', message: `"${a.organizationId}" is not an organization of this workspace` });
  if (a.dealId && !live.deals.has(a.dealId)) problems.push({ field: 'dealId', message: `"${a.dealId}" is not a deal of this workspace` });
  return problems;
}

/** Appends the activities in one transaction; each item is created, already there, or refused alone. */
export async function appendActivities(deps: ActivityServiceDeps, workspaceId: string, items: Record<string, unknown>[]): Promise<AppendResult[]> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const checked = items.map((item) => validateActivity(item));
    const valid = checked.flatMap((c) => (c.ok ? [c.activity] : []));
    const live = {
      customers: await findLiveIds(trx, 'customers', workspaceId, valid.map((a) => a.customerId)),
      organizations: await findLiveIds(trx, 'organizations', workspaceId, valid.flatMap((a) => (a.organizationId ? [a.organizationId] : []))),
      deals: await findLiveIds(trx, 'deals', workspaceId, valid.flatMap((a) => (a.dealId ? [a.dealId] : []))),
    };
    const stored = async (externalIds: string[]) => new Map((await findActivitiesByExternalIds(trx, workspaceId, externalIds)).map((a) => [a.externalId!, a.id]));
    const known = await stored(valid.flatMap((a) => (a.externalId ? [a.externalId] : [])));
    const results: AppendResult[] = [];
    const toInsert: { index: number; activity: Activity; currentHash: string }[] = [];
    for (const [index, result] of checked.entries()) {
      const problems = result.ok ? linkProblems(result.activity, live) : result.problems;
      const externalId = typeof items[index]!['externalId'] === 'string' ? (items[index]!['externalId'] as string) : null;
      if (!result.ok || problems.length > 0) {
        results.push({ index, externalId, status: 'error', error: { code: 'VALIDATION_FAILED', message: `${problems[0]!.field} ${problems[0]!.message}`, problems } });
        continue;
      }
      const input = result.activity;
      const existingId = input.externalId ? known.get(input.externalId) : undefined;
      if (existingId) {
        results.push({ index, externalId, status: 'existing', id: existingId });
        continue;
      }
      const activity: Activity = {
        ...input,
        id: newId('act', deps.clock),
        workspaceId,
        createdAt: now,
        sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
      };
      // A second item with the same externalId in this request is the same activity.
      if (input.externalId) known.set(input.externalId, activity.id);
      // The hash of the note it becomes, as the push engine computes it (no second copy of that logic).
      toInsert.push({ index, activity, currentHash: noteHash(activity) });
      results.push({ index, externalId, status: 'created', id: activity.id });
    }
    const inserted = await insertActivities(trx, toInsert);
    // Another transaction appended some of them first: answer its rows.
    const raced = toInsert.filter((t) => !inserted.has(t.activity.id));
    if (raced.length > 0) {
      const winners = await stored(raced.map((t) => t.activity.externalId!));
      for (const t of raced) results[t.index] = { index: t.index, externalId: t.activity.externalId, status: 'existing', id: winners.get(t.activity.externalId!)! };
    }
    if (inserted.size > 0) for (const listener of deps.listeners) await listener(trx, workspaceId, [...inserted], []);
    return results;
  });
}

/** Appends one activity: `created` true when it is new, false when its externalId was already there. */
export async function appendActivity(deps: ActivityServiceDeps, workspaceId: string, input: Record<string, unknown>): Promise<{ id: string; created: boolean }> {
  const [result] = await appendActivities(deps, workspaceId, [input]);
  if (result!.status === 'error') throw invalidFields(result!.error.problems);
  return { id: result!.id, created: result!.status === 'created' };
}
