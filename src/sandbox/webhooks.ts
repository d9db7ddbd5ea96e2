// Webhooks out: turns CRM events into HubSpot's webhook payloads for every OAuth app that has
// a target URL, a matching subscription and an install on the portal; sends them in batches of
// at most 100 with HubSpot's v1 and v3 signatures; retries failed deliveries (network error,
// timeout, 5xx) up to 10 times on a schedule that a setting can shrink for tests.

import { createHash, createHmac } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { AuthRegistry, OAuthApp } from './auth.js';
import type { CrmEvent } from './crm-service.js';
import type { WriteSource } from './object-store.js';
import { OBJECT_TYPE_LABELS, type ObjectType } from './types.js';

export const WEBHOOK_BATCH_MAX = 100;
export const WEBHOOK_MAX_RETRIES = 10;
/** Delay before each retry (ms) at scale 1: about 24 hours in all, like HubSpot. */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
];
const DELIVERY_TIMEOUT_MS = 5_000;

/** The characters HubSpot decodes in the URI before signing (HUBSPOT-API.md), each `%XX` in either case. */
const SIGNING_DECODES: ReadonlyMap<string, string> = new Map([
  ['3A', ':'], ['2F', '/'], ['3F', '?'], ['40', '@'], ['21', '!'], ['24', '$'],
  ['27', "'"], ['28', '('], ['29', ')'], ['2A', '*'], ['2C', ','], ['3B', ';'],
]);

/**
 * base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)), the URI with HubSpot's
 * decodings applied first. Written apart from hubsync's own check (src/hubspot/webhooks.ts) on
 * purpose: the sandbox plays HubSpot, and the two must agree without sharing code.
 */
export function signatureV3(secret: string, method: string, uri: string, body: string, timestamp: string): string {
  const decoded = uri.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => SIGNING_DECODES.get(hex.toUpperCase()) ?? encoded);
  return createHmac('sha256', secret).update(`${method}${decoded}${body}${timestamp}`, 'utf8').digest('base64');
}

/** hex(SHA-256(clientSecret + body)), the older signature HubSpot still sends. */
export function signatureV1(secret: string, body: string): string {
  return createHash('sha256').update(`${secret}${body}`, 'utf8').digest('hex');
}

export type WebhookEvent = Record<string, unknown> & { eventId: number; attemptNumber: number };

export interface DeliveryRecord {
  appId: number;
  url: string;
  attemptNumber: number;
  events: number;
  status: number | 'network-error' | 'timeout';
  at: number;
  /** How long the receiver took to answer (or to fail), in real ms. */
  durationMs: number;
}

const SINGULAR: Partial<Record<ObjectType, string>> = { contacts: 'contact', companies: 'company', deals: 'deal' };

export interface WebhookDispatcherOptions {
  auth: AuthRegistry;
  clock: Clock;
  retryScale: number;
  batchDelayMs: number;
}

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  retryScale: number;
  readonly #opts: WebhookDispatcherOptions;
  readonly #queues = new Map<number, WebhookEvent[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  #nextEventId = 1;
  #closed = false;

  constructor(opts: WebhookDispatcherOptions) {
    this.#opts = opts;
    this.retryScale = opts.retryScale;
  }

  /** Queues the payloads one CRM event produces for every subscribed app. */
  onEvent(portalId: number, event: CrmEvent, source: WriteSource): void {
    const object = SINGULAR[event.type];
    if (!object || this.#closed) return;
    for (const app of this.#opts.auth.apps.values()) {
      if (!app.webhookUrl || !app.installs.has(portalId)) continue;
      for (const sub of app.subscriptions) {
        if (!sub.active || sub.subscriptionType !== `${object}.${event.kind}`) continue;
        if (event.kind === 'propertyChange' && sub.propertyName !== undefined && sub.propertyName !== event.propertyName) continue;
        this.#enqueue(app, this.#payload(app, sub.id, portalId, object, event, source));
      }
    }
  }

  /** Resolves once every queued and in-flight first attempt has been made (retries may follow). */
  async drain(): Promise<void> {
    for (const app of [...this.#queues.keys()]) this.#flush(app);
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#queues.clear();
  }

  #payload(app: OAuthApp, subscriptionId: number, portalId: number, object: string, event: CrmEvent, source: WriteSource): WebhookEvent {
    const base: WebhookEvent = {
      eventId: this.#nextEventId++,
      subscriptionId,
      portalId,
      appId: app.appId,
      occurredAt: this.#opts.clock.now(),
      subscriptionType: `${object}.${event.kind}`,
      attemptNumber: 0,
      objectId: Number(event.objectId),
      changeFlag: event.kind === 'creation' ? 'CREATED' : event.kind === 'deletion' ? 'DELETED' : event.kind === 'merge' ? 'MERGED' : 'UPDATED',
      changeSource: source.sourceType,
      ...(source.sourceId === undefined ? {} : { sourceId: source.sourceId }),
    };
    switch (event.kind) {
      case 'propertyChange':
        return { ...base, propertyName: event.propertyName, propertyValue: event.propertyValue };
      case 'merge':
        return {
          ...base,
          primaryObjectId: Number(event.primaryObjectId),
          mergedObjectIds: event.mergedObjectIds.map(Number),
          newObjectId: Number(event.newObjectId),
          numberOfPropertiesMoved: 0,
        };
      case 'associationChange':
        return {
          ...base,
          associationType: `${OBJECT_TYPE_LABELS[event.type]}_TO_${OBJECT_TYPE_LABELS[event.toType]}`,
          fromObjectId: Number(event.objectId),
          toObjectId: Number(event.toObjectId),
          associationRemoved: event.removed,
          isPrimaryAssociation: event.associationTypeId === 1 || event.associationTypeId === 5,
        };
      default:
        return base;
    }
  }

  #enqueue(app: OAuthApp, event: WebhookEvent): void {
    let queue = this.#queues.get(app.appId);
    if (!queue) {
      queue = [];
      this.#queues.set(app.appId, queue);
      this.#later(() => this.#flush(app.appId), this.#opts.batchDelayMs);
    }
    queue.push(event);
  }

  #flush(appId: number): void {
    const queue = this.#queues.get(appId);
    this.#queues.delete(appId);
    const app = this.#opts.auth.appById(appId);
    if (!queue || !app) return;
    for (let i = 0; i < queue.length; i += WEBHOOK_BATCH_MAX) {
      this.#track(this.#deliver(app, queue.slice(i, i + WEBHOOK_BATCH_MAX), 0));
    }
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  #later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.#timers.add(t);
  }

  async #deliver(app: OAuthApp, events: WebhookEvent[], attempt: number): Promise<void> {
    if (this.#closed || !app.webhookUrl) return;
    const url = app.webhookUrl;
    const body = JSON.stringify(events.map((e) => ({ ...e, attemptNumber: attempt })));
    const timestamp = String(this.#opts.clock.now());
    const started = performance.now();
    let status: DeliveryRecord['status'];
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nonprod)',
          'x-hubspot-signature': signatureV1(app.clientSecret, body),
          'x-hubspot-signature-version': 'v1',
          'x-hubspot-signature-v3': signatureV3(app.clientSecret, 'POST', url, body, timestamp),
          'x-hubspot-request-timestamp': timestamp,
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      status = res.status;
    } catch (err) {
      status = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'network-error';
    }
    this.deliveries.push({ appId: app.appId, url, attemptNumber: attempt, events: events.length, status, at: this.#opts.clock.now(), durationMs: performance.now() - started });
    // HubSpot retries on connection failures, timeouts and 5xx; a 4xx is final.
    const retry = typeof status !== 'number' || status >= 500;
    if (retry && attempt < WEBHOOK_MAX_RETRIES && !this.#closed) {
      const delay = (WEBHOOK_RETRY_SCHEDULE_MS[attempt] ?? 28_800_000) * this.retryScale;
      this.#later(() => this.#track(this.#deliver(app, events, attempt + 1)), delay);
    }
  }
}
