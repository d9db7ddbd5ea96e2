// The events hubsync tells the host app about, and how one is recorded: a row per subscribed,
// enabled endpoint in the outbox (`webhook_deliveries`), written with the database handle the
// caller passes — the transaction that made the event, where there is one — so an event exists
// exactly when its change was committed. Writing the row is all a sync does; the
// `webhooks.deliver` job sends it (./delivery.ts), so a slow endpoint never holds a sync up.
import { newId, type Clock } from '../lib/index.js';
import { enabledWebhookEndpoints, insertDeliveriesToEnabledEndpoints, insertWebhookDeliveries, type Db, type WebhookDeliveryRow } from '../store/index.js';

export const WEBHOOK_EVENT_TYPES = ['customer.synced', 'customer.sync_failed', 'record.pulled', 'record.merged', 'conflict.resolved', 'run.finished', 'connection.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/** Told after events were recorded (and, in practice, committed): wakes the delivery job. */
export type WebhookWake = () => void;

/** An enabled endpoint and the events it is subscribed to. */
interface SubscribedEndpoint {
  id: string;
  events: ReadonlySet<string>;
}

/** Where `recordWebhookEvents` gets a workspace's enabled endpoints from (read afresh, by default). */
export type EndpointSource = (db: Db, workspaceId: string) => Promise<readonly SubscribedEndpoint[]>;

/** The workspace's enabled endpoints as the database holds them now. */
async function readEndpoints(db: Db, workspaceId: string): Promise<readonly SubscribedEndpoint[]> {
  return (await enabledWebhookEndpoints(db, workspaceId)).map((e) => ({ id: e.id, events: new Set(JSON.parse(e.events) as string[]) }));
}

/**
 * Records events of one workspace for every enabled endpoint subscribed to them. Returns the
 * deliveries written. Costs one query when the workspace has no endpoint (none with `endpoints`
 * that knows it has none). The insert itself keeps only endpoints still there and enabled, so a
 * list of endpoints a little out of date (`WebhookEndpointCache`) never writes to one removed.
 *
 *     await db.transaction().execute(async (trx) => {
 *       await updateRun(trx, …);
 *       await recordWebhookEvents(trx, clock, workspaceId, [{ type: 'run.finished', data: { runId, status } }]);
 *     });
 */
export async function recordWebhookEvents(db: Db, clock: Clock, workspaceId: string, events: readonly WebhookEvent[], endpoints: EndpointSource = readEndpoints): Promise<number> {
  if (events.length === 0) return 0;
  const subscribed = await endpoints(db, workspaceId);
  if (subscribed.length === 0) return 0;
  const now = clock.now();
  const rows: WebhookDeliveryRow[] = [];
  for (const event of events) {
    const targets = subscribed.filter((e) => e.events.has(event.type));
    if (targets.length === 0) continue;
    const eventId = newId('evt', clock);
    const body = JSON.stringify({ id: eventId, type: event.type, createdAt: new Date(now).toISOString(), workspaceId, data: event.data });
    for (const target of targets) {
      rows.push(pendingDelivery(clock, now, { workspace_id: workspaceId, endpoint_id: target.id, event_id: eventId, event_type: event.type, body, replay_of: null }));
    }
  }
  return insertDeliveriesToEnabledEndpoints(db, rows);
}

/** How long a workspace's endpoints are kept before they are read again: how late another process's change of them is seen. */
export const ENDPOINTS_KEPT_MS = 5_000;

/**
 * Each workspace's enabled endpoints, kept for ENDPOINTS_KEPT_MS so that recording a batch's
 * events does not read them every time (a push records events with every batch). A change made in
 * this process (the endpoint routes call `forget`) is seen at once; one made by another process
 * within ENDPOINTS_KEPT_MS. A read that started before a `forget` is not kept.
 */
export class WebhookEndpointCache {
  readonly #kept = new Map<string, { at: number; endpoints: readonly SubscribedEndpoint[] }>();
  /** Bumped by `forget`: a read that began under an older generation is used once, not kept. */
  readonly #generation = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly read: EndpointSource = readEndpoints,
    private readonly keptMs = ENDPOINTS_KEPT_MS,
  ) {}

  /** The workspace's enabled endpoints, read with `db` (the caller's transaction) when not kept or kept too long. */
  readonly endpoints: EndpointSource = async (db, workspaceId) => {
    const now = this.clock.now();
    const kept = this.#kept.get(workspaceId);
    if (kept && now >= kept.at && now - kept.at < this.keptMs) return kept.endpoints;
    const generation = this.#generation.get(workspaceId) ?? 0;
    const endpoints = await this.read(db, workspaceId);
    if ((this.#generation.get(workspaceId) ?? 0) === generation) this.#kept.set(workspaceId, { at: now, endpoints });
    return endpoints;
  };

  /** The workspace's endpoints changed (created, updated, removed): the next event reads them again. */
  forget(workspaceId: string): void {
    this.#kept.delete(workspaceId);
    this.#generation.set(workspaceId, (this.#generation.get(workspaceId) ?? 0) + 1);
  }
}

/** A delivery of an event to one endpoint, due now and not yet tried. */
function pendingDelivery(
  clock: Clock,
  now: number,
  of: Pick<WebhookDeliveryRow, 'workspace_id' | 'endpoint_id' | 'event_id' | 'event_type' | 'body' | 'replay_of'>,
): WebhookDeliveryRow {
  return {
    ...of,
    id: newId('whd', clock),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_attempt_at: null,
    last_status_code: null,
    last_response_ms: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}

/** Sends `original`'s event again: a new delivery with the same event id and body, due now. */
export async function replayWebhookDelivery(db: Db, clock: Clock, original: WebhookDeliveryRow): Promise<WebhookDeliveryRow> {
  const { workspace_id, endpoint_id, event_id, event_type, body } = original;
  const replay = pendingDelivery(clock, clock.now(), { workspace_id, endpoint_id, event_id, event_type, body, replay_of: original.id });
  await insertWebhookDeliveries(db, [replay]);
  return replay;
}

/**
 * What the sync and record code hold to tell of events: records them (with the endpoints it
 * keeps, `WebhookEndpointCache`), then wakes delivery. Whoever changes a workspace's endpoints
 * in this process calls `endpointsChanged`.
 */
export class WebhookEmitter {
  readonly #endpoints: WebhookEndpointCache;

  constructor(private readonly deps: { clock: Clock; wake: WebhookWake; readEndpoints?: EndpointSource }) {
    this.#endpoints = new WebhookEndpointCache(deps.clock, deps.readEndpoints);
  }

  /** Records `events` with `db` (the caller's transaction where there is one). */
  async emit(db: Db, workspaceId: string, events: readonly WebhookEvent[]): Promise<void> {
    if ((await recordWebhookEvents(db, this.deps.clock, workspaceId, events, this.#endpoints.endpoints)) > 0) this.deps.wake();
  }

  /** The workspace's endpoints were created, changed or removed here: the next event reads them again. */
  endpointsChanged(workspaceId: string): void {
    this.#endpoints.forget(workspaceId);
  }
}
