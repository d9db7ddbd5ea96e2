// Everything one running sandbox holds: settings (changeable at run time), portals, the auth
// registry, rate-limit counters, the webhook dispatcher and request counts. Routes and the
// control API both work on this object; the HTTP server only moves requests in and out.

import type { Clock } from '../lib/clock.js';
import { AuthRegistry, DEFAULT_SCOPES, type PrivateAppToken } from './auth.js';
import type { CrmContext, CrmEvent } from './crm-service.js';
import { notFoundError } from './hubspot-errors.js';
import type { WriteSource } from './object-store.js';
import { Portal } from './portal.js';
import { RateLimiter } from './rate-limiter.js';
import type { FaultSettings, Latency, ObjectType, Tier } from './types.js';
import { WebhookDispatcher } from './webhooks.js';

export interface Settings {
  tier: Tier;
  latencyMs: Latency | undefined;
  faults: FaultSettings;
  searchLagMs: number;
  retryAfter: boolean;
  accessTokenTtlSeconds: number;
  controlApi: boolean;
  hangMs: number;
  defaultLifecycleStage: boolean;
  /** Whether new portals have custom behavioral events; null: only those of the `enterprise` tier. */
  customEvents: boolean | null;
}

export interface Counts {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  /** Most API requests being answered at the same moment (control calls excluded). */
  peakInFlight: number;
  /** Authenticated calls per portal id, by status (calls refused before a portal was known are not here). */
  byPortal: Record<string, { total: number; byStatus: Record<string, number> }>;
}

/**
 * One accepted CRM write as the sandbox saw it, when write recording is on: its portal, object
 * type, the records it wrote, and when the request arrived (before injected latency) and was
 * answered (epoch ms, fractional). Two writes of one record whose windows overlap were sent at
 * the same time by two callers.
 */
export interface WriteRecord {
  portalId: number;
  objectType: string;
  route: string;
  ids: string[];
  startedAt: number;
  endedAt: number;
}

const FIRST_PORTAL_ID = 40_000_001;

export class SandboxState {
  readonly clock: Clock;
  readonly random: () => number;
  readonly settings: Settings;
  readonly portals = new Map<number, Portal>();
  readonly auth = new AuthRegistry();
  readonly limiter = new RateLimiter();
  readonly webhooks: WebhookDispatcher;
  readonly crm: CrmContext;
  counts: Counts = { total: 0, byRoute: {}, peakInFlight: 0, byPortal: {} };
  /** Accepted CRM writes, while recording is on (off by default: the log grows with every write). */
  writes: WriteRecord[] | undefined;
  #inFlight = 0;
  #nextPortalId = FIRST_PORTAL_ID;

  constructor(clock: Clock, random: () => number, settings: Settings, webhookRetryScale: number, webhookBatchDelayMs: number) {
    this.clock = clock;
    this.random = random;
    this.settings = settings;
    this.webhooks = new WebhookDispatcher({ auth: this.auth, clock, retryScale: webhookRetryScale, batchDelayMs: webhookBatchDelayMs });
    this.crm = {
      now: () => this.clock.now(),
      emit: (portal: Portal, event: CrmEvent, source: WriteSource) => this.webhooks.onEvent(portal.portalId, event, source),
      get defaultLifecycleStage() {
        return settings.defaultLifecycleStage;
      },
    };
  }

  createPortal(opts: { portalId?: number | undefined; tier?: Tier | undefined; customEvents?: boolean | undefined } = {}): Portal {
    const portalId = opts.portalId ?? this.#nextPortalId++;
    const existing = this.portals.get(portalId);
    if (existing) {
      if (opts.tier) existing.tier = opts.tier;
      if (opts.customEvents !== undefined) existing.customEvents = opts.customEvents;
      return existing;
    }
    if (portalId >= this.#nextPortalId) this.#nextPortalId = portalId + 1;
    const tier = opts.tier ?? this.settings.tier;
    const portal = new Portal(portalId, tier, this.clock.now(), opts.customEvents ?? this.settings.customEvents ?? tier === 'enterprise');
    portal.setSearchLag(this.settings.searchLagMs);
    this.portals.set(portalId, portal);
    return portal;
  }

  /** The portal, or a 404 (for the control API). */
  portal(portalId: number): Portal {
    const portal = this.portals.get(portalId);
    if (!portal) throw notFoundError(`Portal ${portalId} does not exist in this sandbox.`);
    return portal;
  }

  createPrivateAppToken(opts: { token?: string | undefined; portalId?: number | undefined; scopes?: readonly string[] | undefined; tier?: Tier | undefined }): PrivateAppToken {
    const portal = opts.portalId !== undefined && this.portals.has(opts.portalId)
      ? this.portals.get(opts.portalId)!
      : this.createPortal({ portalId: opts.portalId, tier: opts.tier });
    return this.auth.addPrivateToken({
      ...(opts.token === undefined ? {} : { token: opts.token }),
      portalId: portal.portalId,
      scopes: opts.scopes ?? DEFAULT_SCOPES,
      tier: opts.tier ?? portal.tier,
    });
  }

  setSearchLag(ms: number): void {
    this.settings.searchLagMs = ms;
    for (const portal of this.portals.values()) portal.setSearchLag(ms);
  }

  /** Sets the tier of one private-app token, or of a portal and every token it has. */
  setTier(target: string | number, tier: Tier): void {
    const token = typeof target === 'string' ? this.auth.privateTokens.get(target) : undefined;
    if (token) {
      token.tier = tier;
      return;
    }
    const portal = this.portal(Number(target));
    portal.tier = tier;
    for (const t of this.auth.privateTokens.values()) if (t.portalId === portal.portalId) t.tier = tier;
  }

  count(key: string, status: number | string, portalId?: number): void {
    this.counts.total++;
    const byStatus = (this.counts.byRoute[key] ??= {});
    const s = String(status);
    byStatus[s] = (byStatus[s] ?? 0) + 1;
    if (portalId !== undefined) {
      const portal = (this.counts.byPortal[String(portalId)] ??= { total: 0, byStatus: {} });
      portal.total++;
      portal.byStatus[s] = (portal.byStatus[s] ?? 0) + 1;
    }
  }

  resetCounts(): void {
    this.counts = { total: 0, byRoute: {}, peakInFlight: this.#inFlight, byPortal: {} };
    if (this.writes) this.writes = [];
  }

  requestStarted(): void {
    this.#inFlight++;
    if (this.#inFlight > this.counts.peakInFlight) this.counts.peakInFlight = this.#inFlight;
  }

  requestEnded(): void {
    this.#inFlight--;
  }

  /** Drops all data, portals, tokens and apps, and clears counters; settings stay. */
  reset(): void {
    this.portals.clear();
    this.auth.clear();
    this.limiter.reset();
    this.resetCounts();
    this.webhooks.deliveries.length = 0;
    this.#nextPortalId = FIRST_PORTAL_ID;
  }

  /** `portals[portalId].objects[type]` with a 404 for unknown portals. */
  store(portalId: number, type: ObjectType) {
    return this.portal(portalId).objects[type];
  }
}
