// Delivering the outbox (docs/webhooks-out.md). The `webhooks.deliver` job takes the pending
// deliveries that are due, POSTs each signed body to its endpoint (at most ATTEMPT_TIMEOUT_MS
// each, DELIVERY_CONCURRENCY at a time) and records the attempt: a 2xx answer delivers it;
// anything else (an error status, a timeout, a refused connection, a private address) schedules
// the next attempt with exponential backoff and jitter (`nextAttemptDelayMs`), MAX_ATTEMPTS in
// about a day, after which the delivery is `failed` (an admin can still replay it). The job is
// woken after events are recorded and swept every minute, so a lost wake-up costs a minute.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { z } from 'zod';
import { defineJob, eraseDefinition, type JobQueue } from '../jobs/index.js';
import type { Clock, SecretBox } from '../lib/index.js';
import { dueWebhookDeliveries, pruneWebhookDeliveries, recordWebhookAttempt, type Db, type WebhookDeliveryRow } from '../store/index.js';
import { signatureHeader, SIGNATURE_HEADER } from './signature.js';
import { guardedLookup, isPrivateAddress } from './url-guard.js';

/** A slow endpoint is given up after this long (the attempt counts as failed). */
export const ATTEMPT_TIMEOUT_MS = 10_000;
export const MAX_ATTEMPTS = 14;
export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_CAP_MS = 4 * 3600_000;
export const DELIVERY_CONCURRENCY = 8;
/** One job stops taking new batches after this long and continues as a new job. */
const SLICE_MS = 25_000;
const BATCH = 32;
/** Delivered and failed deliveries are kept this long (the deliveries list, replays), then pruned. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3600_000;
/** How much of an endpoint's answer is kept as the error (it may be an HTML page). */
const ERROR_BODY_CHARS = 300;

/**
 * The wait after failed attempt number `attempts` (1 = the first): 1 min doubling, capped at 4 h,
 * times a jitter in [0.8, 1.2) so endpoints that failed together do not retry together.
 * 14 attempts span about a day (1+2+…+128 min, then 4 h five times ≈ 24 h).
 */
export function nextAttemptDelayMs(attempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

export const webhooksDeliverJob = defineJob({
  name: 'webhooks.deliver',
  payload: z.object({}),
  // The outbox rows carry their own retries; a failed job is swept again within a minute.
  retry: { limit: 0 },
  timeoutMs: 60_000,
  exclusiveKey: () => 'all',
});

export const WEBHOOKS_OUT_JOBS = [eraseDefinition(webhooksDeliverJob)];

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  allowPrivate: boolean;
  random?: () => number;
  timeoutMs?: number;
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  responseMs: number;
  error: string | null;
}

/** One POST of a delivery's body, signed now; never throws. */
export async function sendDelivery(deps: DeliveryDeps, delivery: Pick<WebhookDeliveryRow, 'id' | 'event_id' | 'event_type' | 'body'> & { url: string; secret_enc: string }): Promise<AttemptResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    return { ok: false, statusCode: null, responseMs: 0, error: 'The endpoint URL is not valid.' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup: check it here.
  if (!deps.allowPrivate && isIP(host) && isPrivateAddress(host)) return { ok: false, statusCode: null, responseMs: 0, error: `${host} is a private address (HUBSYNC_WEBHOOKS_ALLOW_PRIVATE is off)` };
  const timestamp = Math.floor(deps.clock.now() / 1000);
  const secret = deps.secrets.decrypt(delivery.secret_enc);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = deps.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(deps.allowPrivate),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'hubsync-webhooks/1',
          'hubsync-event': delivery.event_type,
          'hubsync-event-id': delivery.event_id,
          'hubsync-delivery': delivery.id,
          [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(secret, timestamp, delivery.body),
        },
      },
      (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < ERROR_BODY_CHARS) text += chunk;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          finish({ ok, statusCode: status, responseMs: elapsed(), error: ok ? null : `HTTP ${status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS)}` : ''}` });
        });
        res.on('error', (error) => finish({ ok: false, statusCode: res.statusCode ?? null, responseMs: elapsed(), error: error.message }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, statusCode: null, responseMs: elapsed(), error: `No answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (error) => finish({ ok: false, statusCode: null, responseMs: elapsed(), error: error.message }));
    req.end(delivery.body);
  });
}

/** Records an attempt's outcome: delivered, the next attempt scheduled, or failed for good. */
async function recordAttempt(deps: DeliveryDeps, delivery: WebhookDeliveryRow, result: AttemptResult): Promise<void> {
  const now = deps.clock.now();
  const attempts = delivery.attempts + 1;
  const gaveUp = !result.ok && attempts >= MAX_ATTEMPTS;
  await recordWebhookAttempt(deps.db, delivery.id, {
    status: result.ok ? 'delivered' : gaveUp ? 'failed' : 'pending',
    attempts,
    next_attempt_at: result.ok || gaveUp ? null : now + nextAttemptDelayMs(attempts, deps.random),
    last_attempt_at: now,
    last_status_code: result.statusCode,
    last_response_ms: result.responseMs,
    last_error: result.error,
    delivered_at: result.ok ? now : null,
  });
}

/**
 * Prunes finished deliveries older than DELIVERY_RETENTION_MS, then sends every delivery due now, in batches, until none is due or `until` (ms, the real clock)
 * passed. Returns how many attempts were made and whether deliveries remain due.
 * At most one runs at a time (the job's exclusivity key), so a due row is never sent twice at once.
 */
export async function deliverDueWebhooks(deps: DeliveryDeps, options: { until?: number; signal?: AbortSignal } = {}): Promise<{ attempted: number; more: boolean }> {
  let attempted = 0;
  await pruneWebhookDeliveries(deps.db, deps.clock.now() - DELIVERY_RETENTION_MS);
  for (;;) {
    if (options.signal?.aborted || (options.until !== undefined && Date.now() >= options.until)) return { attempted, more: true };
    const due = await dueWebhookDeliveries(deps.db, deps.clock.now(), BATCH);
    if (due.length === 0) return { attempted, more: false };
    for (let i = 0; i < due.length; i += DELIVERY_CONCURRENCY) {
      await Promise.all(
        due.slice(i, i + DELIVERY_CONCURRENCY).map(async (delivery) => {
          const result = await sendDelivery(deps, delivery);
          await recordAttempt(deps, delivery, result);
        }),
      );
    }
    attempted += due.length;
  }
}

/** Works `webhooks.deliver` in this process and sweeps it every minute. */
export async function workWebhooksOut(deps: DeliveryDeps & { jobs: JobQueue }): Promise<void> {
  await deps.jobs.work(webhooksDeliverJob, async (_payload, { signal }) => {
    const { more } = await deliverDueWebhooks(deps, { until: Date.now() + SLICE_MS, signal });
    return more && !signal.aborted ? 'continue' : undefined;
  });
  await deps.jobs.schedule(webhooksDeliverJob, '* * * * *', {});
}

/**
 * Wakes the delivery job shortly after events were recorded: the recording transaction has
 * committed by then in practice, and a burst of events is sent by one job.
 */
export class WebhookWaker {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: Pick<JobQueue, 'send'>,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = 200,
  ) {}

  wake = (): void => {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.jobs.send(webhooksDeliverJob, {}).catch(this.onError);
    }, this.delayMs);
    this.#timer.unref();
  };

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
