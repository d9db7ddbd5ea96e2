// Activities as HubSpot custom behavioral events (issue 16; Enterprise hubs only, off by
// default). With the workspace's setting on, every activity appended is queued
// (`activity_event_queue`, in the activity's transaction) and sent by the `tags.lists` job (the
// tag jobs' wake-up, sync/tag-jobs.ts) as an occurrence of the event `hubsync_<activity type>`
// on the customer's contact, in batches of EVENT_BATCH_LIMIT, through the workspace's client
// (the portal's shared rate budget). Each event definition is created once and found again by
// name. A portal that cannot have custom events answers 403 (missing scope, or a tier refusal):
// the state becomes `unavailable` with HubSpot's message, nothing more is queued or tried until
// an admin retries, and no sync run ever waits for or fails on any of this.
import { createHash } from 'node:crypto';
import { EVENT_BATCH_LIMIT, isHubSpotApiError, type EventDefinitionCreate, type EventOccurrence, type HubSpotClient } from '../hubspot/index.js';
import type { Clock } from '../lib/index.js';
import type { RecordChangeListener } from '../records/index.js';
import {
  activityEventsWanted,
  countQueuedActivityEvents,
  deleteQueuedActivityEvents,
  findActivityEventSettings,
  queueActivityEvents,
  readQueuedActivityEvents,
  saveActivityEventSettings,
  type Db,
} from '../store/index.js';

/** The setting's states (migration 034). */
export const ACTIVITY_EVENT_STATES = ['off', 'pending', 'ready', 'unavailable', 'error'] as const;
export type ActivityEventState = (typeof ACTIVITY_EVENT_STATES)[number];

export interface ActivityEventsView {
  enabled: boolean;
  state: ActivityEventState;
  /** HubSpot's words for `unavailable` and `error`. */
  message: string | null;
  /** The event definitions hubsync made or found, by activity type (fullyQualifiedName). */
  definitions: Record<string, string>;
  /** Activities waiting to be sent (their customer may not have a contact yet). */
  queued: number;
  sent: number;
  sentAt: number | null;
}

export interface ActivityEventDeps {
  db: Db;
  clock: Clock;
  client: (workspaceId: string) => Promise<HubSpotClient>;
}

/** The event an activity type is sent as: `hubsync_event_attended`. */
export function eventNameOf(activityType: string): string {
  return `hubsync_${activityType}`;
}

/** The definition hubsync creates for an activity type. */
export function eventDefinitionOf(activityType: string): EventDefinitionCreate {
  const words = activityType.replace(/_/g, ' ');
  return {
    name: eventNameOf(activityType),
    label: `hubsync: ${words.charAt(0).toUpperCase()}${words.slice(1)}`,
    description: `A "${activityType}" activity recorded by hubsync on the contact.`,
    primaryObject: 'CONTACT',
    propertyDefinitions: [
      { name: 'hubsync_activity_id', label: 'hubsync activity id', type: 'string' },
      { name: 'activity_title', label: 'Activity title', type: 'string' },
    ],
  };
}

/** A stable occurrence id per activity (UUID-shaped), so a batch sent twice records each activity once. */
export function occurrenceUuid(activityId: string): string {
  const h = createHash('sha256').update(`hubsync-activity:${activityId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** Event property values HubSpot caps at 50 characters (its changelog for this API). */
const MAX_VALUE = 50;

export async function readActivityEvents(db: Db, workspaceId: string): Promise<ActivityEventsView> {
  const row = await findActivityEventSettings(db, workspaceId);
  return {
    enabled: row?.enabled === 1,
    state: (row?.state ?? 'off') as ActivityEventState,
    message: row?.message ?? null,
    definitions: row?.definitions ? (JSON.parse(row.definitions) as Record<string, string>) : {},
    queued: await countQueuedActivityEvents(db, workspaceId),
    sent: Number(row?.sent_count ?? 0),
    sentAt: row?.sent_at ?? null,
  };
}

/**
 * Turns sending activities as events on or off. On (also: on again after `unavailable`, the
 * admin's retry) asks HubSpot at once whether the portal has custom events, so the answer shows
 * without waiting for an activity; off forgets the queue.
 */
export async function setActivityEventsEnabled(deps: ActivityEventDeps, workspaceId: string, enabled: boolean): Promise<ActivityEventsView> {
  const now = deps.clock.now();
  if (!enabled) {
    await deps.db.transaction().execute(async (trx) => {
      await saveActivityEventSettings(trx, workspaceId, { enabled: 0, state: 'off', message: null }, now);
      await trx.deleteFrom('activity_event_queue').where('workspace_id', '=', workspaceId).execute();
    });
    return readActivityEvents(deps.db, workspaceId);
  }
  await saveActivityEventSettings(deps.db, workspaceId, { enabled: 1, state: 'pending', message: null }, now);
  try {
    await flushActivityEvents(deps, workspaceId, { probe: true });
  } catch {
    // HubSpot unreachable or the connection refused: the state stays `pending`; the job tries later.
  }
  return readActivityEvents(deps.db, workspaceId);
}

/** Why the portal cannot take custom events, from HubSpot's refusal; null when it is another kind of error. */
function unavailableReason(error: unknown): string | null {
  if (!isHubSpotApiError(error)) return null;
  if (error.code !== 'HUBSPOT_MISSING_SCOPES' && error.code !== 'HUBSPOT_FORBIDDEN') return null;
  const scopes = error.requiredScopes.length > 0 ? ` (needs ${error.requiredScopes.join(', ')})` : '';
  return `${error.hubspotMessage ?? error.message}${scopes}`;
}

export interface ActivityEventFlush {
  state: ActivityEventState;
  sent: number;
  definitionsCreated: number;
}

/**
 * Sends the workspace's queued activities whose customer has a contact, creating the event
 * definitions they need first. Never throws for a refusal: a 403 records `unavailable`, another
 * permanent error `error` (both with HubSpot's message), and the queue is kept. Throws only what
 * a later try may cure (HubSpot unreachable, rate limits after the client's retries), for the
 * job to retry. `probe` reads the definitions even with nothing queued (the admin's retry).
 */
export async function flushActivityEvents(deps: ActivityEventDeps, workspaceId: string, options: { probe?: boolean; tag?: string } = {}): Promise<ActivityEventFlush> {
  const { db, clock } = deps;
  const out: ActivityEventFlush = { state: 'off', sent: 0, definitionsCreated: 0 };
  const settings = await findActivityEventSettings(db, workspaceId);
  out.state = (settings?.state ?? 'off') as ActivityEventState;
  if (!settings || settings.enabled !== 1 || settings.state === 'unavailable') return out;
  const definitions: Record<string, string> = settings.definitions ? (JSON.parse(settings.definitions) as Record<string, string>) : {};
  const call = options.tag === undefined ? {} : { tag: options.tag };
  let client: HubSpotClient | undefined;
  let known: Map<string, string> | undefined;
  const save = (changes: Parameters<typeof saveActivityEventSettings>[2]) => saveActivityEventSettings(db, workspaceId, { ...changes, checked_at: clock.now() }, clock.now());
  try {
    let probe = options.probe === true;
    for (;;) {
      const batch = await readQueuedActivityEvents(db, workspaceId, EVENT_BATCH_LIMIT);
      if (batch.length === 0 && !probe) break;
      client ??= await deps.client(workspaceId);
      const missing = [...new Set(batch.map((b) => b.type))].filter((type) => definitions[type] === undefined);
      if (probe || missing.length > 0) {
        // One read of the portal's definitions per flush: those made before (by this install or
        // an earlier one) are found by name, the others created once.
        known ??= new Map((await client.events.listDefinitions(call)).map((d) => [d.name, d.fullyQualifiedName]));
        for (const type of missing) {
          let fqn = known.get(eventNameOf(type));
          if (fqn === undefined) {
            try {
              fqn = (await client.events.createDefinition(eventDefinitionOf(type), call)).fullyQualifiedName;
              out.definitionsCreated += 1;
            } catch (error) {
              // Made by another process a moment ago: read it back.
              if (!isHubSpotApiError(error, 'HUBSPOT_CONFLICT')) throw error;
              known = new Map((await client.events.listDefinitions(call)).map((d) => [d.name, d.fullyQualifiedName]));
              fqn = known.get(eventNameOf(type));
              if (fqn === undefined) throw error;
            }
            known.set(eventNameOf(type), fqn);
          }
          definitions[type] = fqn;
        }
        await save({ definitions: JSON.stringify(definitions), ...(probe && batch.length === 0 ? { state: 'ready', message: null } : {}) });
        probe = false;
      }
      if (batch.length === 0) break;
      const occurrences: EventOccurrence[] = batch.map((b) => ({
        eventName: definitions[b.type]!,
        objectId: b.contactHubspotId,
        occurredAt: new Date(b.occurredAt).toISOString(),
        uuid: occurrenceUuid(b.activityId),
        properties: { hubsync_activity_id: b.activityId, activity_title: b.title.slice(0, MAX_VALUE) },
      }));
      await client.events.sendBatch(occurrences, call);
      await deleteQueuedActivityEvents(db, workspaceId, batch.map((b) => b.activityId));
      out.sent += batch.length;
      const current = await findActivityEventSettings(db, workspaceId);
      await save({ state: 'ready', message: null, sent_count: Number(current?.sent_count ?? 0) + batch.length, sent_at: clock.now() });
    }
  } catch (error) {
    const reason = unavailableReason(error);
    if (reason !== null) {
      await save({ state: 'unavailable', message: reason });
      out.state = 'unavailable';
      return out;
    }
    if (isHubSpotApiError(error) && !error.retryable) {
      await save({ state: 'error', message: error.hubspotMessage ?? error.message });
      out.state = 'error';
      return out;
    }
    throw error;
  }
  out.state = ((await findActivityEventSettings(db, workspaceId))?.state ?? 'off') as ActivityEventState;
  return out;
}

/**
 * The activities' change listener: queues the appended activities as events when the
 * workspace sends them (on, and the portal has not refused), in the activities' transaction.
 */
export function activityEventsListener(deps: { clock: Clock; wake?: (workspaceId: string) => void }): RecordChangeListener {
  return async (db, workspaceId, ids) => {
    if (ids.length === 0 || !(await activityEventsWanted(db, workspaceId))) return;
    await queueActivityEvents(db, workspaceId, ids, deps.clock.now());
    deps.wake?.(workspaceId);
  };
}
