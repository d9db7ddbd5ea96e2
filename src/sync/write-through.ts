// Write-through (seed 002, setting `writeThrough`): a change to a record linked to HubSpot is
// written to HubSpot first — a PATCH of the mapped properties the change alters, through the
// workspace's rate-governed client — and saved locally only once HubSpot accepted it. The record
// services call this around their save (records/write-through.ts is the port); it is generic
// over object type: the push adapter of the type (./objects) says how a record becomes HubSpot
// properties, so what is written through is exactly what the push would send.
//
// Outcomes, as the API answers them:
//   accepted                      saved; the sent values become the base (`synced_values`), and a
//                                 record that was Synced stays Synced (nothing left to push or pull);
//   HubSpot refused a value       422 HUBSPOT_REJECTED with HubSpot's message; nothing saved;
//   HubSpot not reached in time,  503 WRITE_THROUGH_UNAVAILABLE (details.reason: unavailable,
//   out of budget, not connected,     rate_limited, not_connected, credentials_refused); nothing
//   credentials refused               saved.
// A call that may have reached HubSpot without an answer (a timeout, a 5xx after retries) leaves
// the attempted values as the base and the record Needs update: whatever HubSpot did, the next
// push makes it hold the local values again, so the two never silently disagree.
// Not written through (saved as before, the push sends them): unlinked records, changes that
// alter no mapped value (or only links, which are associations), values the push itself would
// refuse to send (a deal's unmapped stage), a record HubSpot no longer has (the push creates it
// again).
// Bulk upserts and CSV imports (which upsert in batches) are written through item by item
// (`writeThroughItems` in records/write-through.ts, one PATCH per changed linked record): an item
// HubSpot refuses is reported in the answer with HubSpot's message (`error.code` HUBSPOT_REJECTED,
// or WRITE_THROUGH_UNAVAILABLE) and not saved; the other items are saved as usual.
import { isHubSpotApiError } from '../hubspot/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import { AppError, isAppError, type Clock } from '../lib/index.js';
import type { RecordWriteThrough, WrittenThrough } from '../records/index.js';
import { findSyncedBase, forgetPending, saveSyncedBase, type Db, type LiveRecordTable } from '../store/index.js';
import { changedProperties, recordHash } from './field-mapping.js';
import { adapterFor, type ObjectAdapter } from './objects/index.js';
import { readSyncSettings } from './sync-settings.js';

/** The local table of each object type a person edits (notes are only appended). */
export const RECORD_TABLES = { contacts: 'customers', companies: 'organizations', deals: 'deals' } as const satisfies Record<string, LiveRecordTable>;
export type EditableObjectType = keyof typeof RECORD_TABLES;

export interface WriteThroughDeps {
  db: Db;
  clock: Clock;
  gateway: HubSpotGateway;
  /** How long an edit waits for HubSpot, retries included, before the 503 (HUBSYNC_WRITE_THROUGH_TIMEOUT_MS). */
  timeoutMs: number;
  /** The push adapters (tests pass their own); by default the registered ones. */
  adapters?: readonly ObjectAdapter[];
}

type Reason = 'not_connected' | 'credentials_refused' | 'rate_limited' | 'unavailable';

const RETRY_HINT: Record<Reason, string> = {
  not_connected: 'Connect HubSpot, then save again.',
  credentials_refused: 'Reconnect HubSpot, then save again.',
  rate_limited: 'Save again later.',
  unavailable: 'Save again in a moment.',
};

function unavailable(reason: Reason, objectType: string, why: string, cause: unknown): AppError {
  return new AppError(
    'WRITE_THROUGH_UNAVAILABLE',
    `The change was not saved: with write-through on, HubSpot must accept it first, but ${why} ${RETRY_HINT[reason]}`,
    { reason, objectType, ...(isHubSpotApiError(cause) ? { hubspotCode: cause.code } : {}) },
    { cause },
  );
}

/** HubSpot's answer as the API gives it: a refusal of the values (422) or HubSpot unavailable (503). */
function writeThroughProblem(error: unknown, objectType: string): AppError {
  if (isAppError(error)) {
    if (error.code === 'HUBSPOT_NOT_CONNECTED') return unavailable('not_connected', objectType, `HubSpot is not connected: ${error.message}`, error);
    return error;
  }
  if (!isHubSpotApiError(error)) throw error;
  switch (error.code) {
    case 'HUBSPOT_VALIDATION_ERROR':
    case 'HUBSPOT_BAD_REQUEST':
    case 'HUBSPOT_CONFLICT': {
      const said = error.hubspotMessage ?? error.message;
      return new AppError(
        'HUBSPOT_REJECTED',
        `HubSpot refused the change, so it was not saved: ${said}`,
        {
          hubspotMessage: said,
          hubspotStatus: error.status,
          hubspotCategory: error.category,
          correlationId: error.correlationId,
          properties: error.validationErrors.map((v) => v.name),
        },
        { cause: error },
      );
    }
    case 'HUBSPOT_UNAUTHORIZED':
    case 'HUBSPOT_TOKEN_EXPIRED':
    case 'HUBSPOT_OAUTH_INVALID_GRANT':
    case 'HUBSPOT_MISSING_SCOPES':
    case 'HUBSPOT_FORBIDDEN':
      return unavailable('credentials_refused', objectType, `HubSpot refused hubsync's credentials (${error.hubspotMessage ?? error.message}).`, error);
    case 'HUBSPOT_RATE_LIMITED':
    case 'HUBSPOT_DAILY_LIMIT_REACHED':
    case 'HUBSPOT_DAILY_BUDGET_RESERVED':
      return unavailable('rate_limited', objectType, "HubSpot's API limit for this portal is spent for now.", error);
    default:
      return unavailable('unavailable', objectType, `HubSpot could not be reached or kept failing (${error.code}).`, error);
  }
}

/** Whether a failed call may still have changed the record in HubSpot (it went out and no answer came back). */
function mayHaveApplied(error: unknown): boolean {
  return (
    isHubSpotApiError(error) &&
    error.attempts > 0 &&
    (error.code === 'HUBSPOT_UNAVAILABLE' || error.code === 'HUBSPOT_TIMEOUT' || error.code === 'HUBSPOT_NETWORK' || error.code === 'HUBSPOT_ABORTED' || error.code === 'HUBSPOT_INVALID_RESPONSE')
  );
}

/**
 * The write-through of one object type, for its service.
 *
 * @example
 * const deps: CustomerServiceDeps = { db, clock, listeners, writeThrough: recordWriteThrough(wt, 'contacts') };
 */
export function recordWriteThrough<R>(deps: WriteThroughDeps, objectType: EditableObjectType): RecordWriteThrough<R> {
  const adapter = adapterFor(objectType, deps.adapters);
  const table = RECORD_TABLES[objectType];
  const { timeoutMs } = deps;

  /** The call went out and may have landed: the attempted values become the base and the record Needs update. */
  const markUncertain = async (workspaceId: string, id: string, attempted: Readonly<Record<string, string>>): Promise<void> => {
    await deps.db.transaction().execute(async (trx) => {
      await saveSyncedBase(trx, table, workspaceId, id, { ...(await findSyncedBase(trx, table, workspaceId, id)), ...attempted }, { awaitPush: true });
      await adapter.refreshStatuses(trx, workspaceId, [id]);
    });
  };

  const enabled = async (workspaceId: string): Promise<boolean> => {
    const settings = await readSyncSettings(deps.db, workspaceId);
    return settings.writeThrough && (adapter.setting === undefined || settings[adapter.setting]);
  };

  return {
    enabled,

    async send(workspaceId, id, next) {
      if (!(await enabled(workspaceId))) return null;
      const [stored] = await adapter.load(deps.db, workspaceId, [id]);
      if (!stored?.hubspotId) return null;
      const mapping = await adapter.mapping(deps.db, workspaceId);
      // The adapter's record may carry more than the service's (a customer's organizations).
      const changedRecord = { ...(stored.record as object), ...(next as object) };
      const properties = adapter.properties(changedRecord, mapping);
      if (adapter.refusal?.(properties, changedRecord)) return null;
      const pushed = adapter.properties(stored.record, mapping);
      const changed = changedProperties(properties, pushed);
      if (Object.keys(changed).length === 0) return null;
      // Retries (5xx, 429) go on only as long as a person can wait for the answer.
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        const client = await deps.gateway.clientFor(workspaceId);
        await client.objects(adapter.objectType).update(stored.hubspotId, changed, { priority: 'interactive', signal: deadline });
      } catch (error) {
        // HubSpot no longer has the record: saved as for an unlinked one; the push creates it again.
        if (isHubSpotApiError(error, 'HUBSPOT_NOT_FOUND')) return null;
        const problem = deadline.aborted
          ? unavailable('unavailable', adapter.objectType, `HubSpot did not accept it within ${timeoutMs / 1000} s (it kept failing or answering slowly).`, error)
          : writeThroughProblem(error, adapter.objectType);
        if (isHubSpotApiError(error, 'HUBSPOT_UNAUTHORIZED')) await deps.gateway.markCredentialsRefused(workspaceId, problem.message);
        if (mayHaveApplied(error)) await markUncertain(workspaceId, id, changed);
        throw problem;
      }
      return { recordId: id, hubspotId: stored.hubspotId, properties: changed, held: stored.status === 'synced' ? pushed : null, links: adapter.links?.(stored.record) ?? null };
    },

    async settle(db, workspaceId, written: WrittenThrough) {
      const [stored] = await adapter.load(db, workspaceId, [written.recordId]);
      if (!stored) return;
      // What HubSpot holds now: what it held (the stored base, and a Synced record's values) and what it just accepted.
      const base = { ...(await findSyncedBase(db, table, workspaceId, stored.id)), ...written.held, ...written.properties };
      await saveSyncedBase(db, table, workspaceId, stored.id, base);
      const properties = adapter.properties(stored.record, await adapter.mapping(db, workspaceId));
      const links = adapter.links?.(stored.record) ?? null;
      // HubSpot holds everything the record pushes, and its links did not move: Synced, as a push
      // would leave it. A record that was waiting for a push still waits (its links, other values).
      const agreed = written.held !== null && links === written.links && Object.keys(changedProperties(properties, base)).length === 0;
      if (!agreed) return;
      const unsettled = await adapter.recordSuccesses(db, workspaceId, [{ id: stored.id, hubspotId: written.hubspotId, hash: recordHash(properties, links), properties: base }], deps.clock.now());
      if (unsettled.length > 0) await adapter.refreshStatuses(db, workspaceId, unsettled);
      // Nothing is left for the on-change push to send.
      await forgetPending(db, workspaceId, adapter.objectType, [stored.id]);
    },
  };
}
