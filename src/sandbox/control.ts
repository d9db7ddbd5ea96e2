// The sandbox's own control surface (not part of HubSpot): create portals, tokens and OAuth
// apps, seed records without HTTP, change faults and limits at run time, read request counts,
// reset. `SandboxControl` is the in-process form; `controlRoutes` serves the same operations
// under /_sandbox/ for tools that run out of process.

import { toPropertyString } from './property-values.js';
import { ApiError } from './hubspot-errors.js';
import { propertyValue } from './object-store.js';
import type { Reply, RequestInfo, Route } from './router.js';
import { checkFaults } from './faults.js';
import type { Counts, SandboxState } from './state.js';
import { TIERS, parseObjectType, type FaultSettings, type Latency, type ObjectType, type Tier } from './types.js';

export interface ObjectSnapshot {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface SettingsUpdate {
  faults?: FaultSettings;
  latencyMs?: Latency | null;
  searchLagMs?: number;
  retryAfter?: boolean;
  accessTokenTtlSeconds?: number;
  webhookRetryScale?: number;
  defaultLifecycleStage?: boolean;
}

function controlError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, { error: { code, message } });
}

function checkTier(tier: unknown): Tier | undefined {
  if (tier === undefined) return undefined;
  if (typeof tier !== 'string' || !(TIERS as readonly string[]).includes(tier)) {
    throw controlError(400, 'INVALID_TIER', `tier must be one of ${TIERS.join(', ')}.`);
  }
  return tier as Tier;
}

function checkType(raw: string): ObjectType {
  const type = parseObjectType(raw);
  if (!type) throw controlError(400, 'INVALID_OBJECT_TYPE', `Unknown object type ${raw}.`);
  return type;
}

function checkLatency(v: unknown): Latency | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' && v >= 0) return v;
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && n >= 0) && v[0] <= v[1]) {
    return [v[0] as number, v[1] as number];
  }
  throw controlError(400, 'INVALID_LATENCY', 'latencyMs must be a number of milliseconds or [min, max].');
}

/** In-process twin of the /_sandbox control API. */
export class SandboxControl {
  readonly #state: SandboxState;

  constructor(state: SandboxState) {
    this.#state = state;
  }

  createPortal(opts: { portalId?: number; tier?: Tier } = {}): { portalId: number; tier: Tier } {
    const portal = this.#state.createPortal({ portalId: opts.portalId, tier: checkTier(opts.tier) });
    return { portalId: portal.portalId, tier: portal.tier };
  }

  /** A private-app token; its portal is created when it does not exist yet. Scopes default to every scope hubsync uses. */
  createPrivateAppToken(opts: { token?: string; portalId?: number; scopes?: string[]; tier?: Tier } = {}): {
    token: string;
    portalId: number;
    scopes: string[];
    tier: Tier;
  } {
    if (opts.token !== undefined && this.#state.auth.privateTokens.has(opts.token)) {
      throw controlError(409, 'TOKEN_EXISTS', 'That token is already registered.');
    }
    const t = this.#state.createPrivateAppToken({ token: opts.token, portalId: opts.portalId, scopes: opts.scopes, tier: checkTier(opts.tier) });
    return { token: t.token, portalId: t.portalId, scopes: [...t.scopes], tier: t.tier };
  }

  createOAuthApp(opts: {
    redirectUris: string[];
    scopes?: string[];
    webhookUrl?: string;
    subscriptions?: { subscriptionType: string; propertyName?: string; active?: boolean }[];
  }): { clientId: string; clientSecret: string; appId: number } {
    if (!Array.isArray(opts.redirectUris) || opts.redirectUris.length === 0) {
      throw controlError(400, 'INVALID_APP', 'redirectUris needs at least one URL.');
    }
    const app = this.#state.auth.addApp(opts);
    return { clientId: app.clientId, clientSecret: app.clientSecret, appId: app.appId };
  }

  /** Skips the consent page: approves `clientId` for a portal and returns an authorization code. */
  authorize(opts: { clientId: string; portalId: number; redirectUri?: string; scopes?: string[] }): { code: string } {
    const app = this.#state.auth.apps.get(opts.clientId);
    if (!app) throw controlError(404, 'UNKNOWN_APP', `No OAuth app with client id ${opts.clientId}.`);
    this.#state.portal(opts.portalId);
    const redirectUri = opts.redirectUri ?? app.redirectUris[0]!;
    const scopes = [...new Set([...(opts.scopes ?? app.scopes), 'oauth'])];
    return { code: this.#state.auth.issueCode(app, opts.portalId, scopes, redirectUri, this.#state.clock.now()) };
  }

  /** Sets an OAuth app's webhook target and subscriptions (replacing earlier ones). */
  setWebhooks(clientId: string, opts: { webhookUrl?: string; subscriptions?: { subscriptionType: string; propertyName?: string; active?: boolean }[] }): void {
    const app = this.#state.auth.apps.get(clientId);
    if (!app) throw controlError(404, 'UNKNOWN_APP', `No OAuth app with client id ${clientId}.`);
    if (opts.webhookUrl !== undefined) app.webhookUrl = opts.webhookUrl;
    if (opts.subscriptions) {
      app.subscriptions.length = 0;
      for (const s of opts.subscriptions) this.#state.auth.addSubscription(app, s);
    }
  }

  setFaults(faults: FaultSettings): void {
    try {
      this.#state.settings.faults = checkFaults({ ...faults });
    } catch (err) {
      throw controlError(400, 'INVALID_FAULTS', err instanceof Error ? err.message : String(err));
    }
  }

  setLatency(latency: Latency | undefined): void {
    this.#state.settings.latencyMs = checkLatency(latency);
  }

  setSearchLag(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw controlError(400, 'INVALID_SEARCH_LAG', 'searchLagMs must be ≥ 0.');
    this.#state.setSearchLag(ms);
  }

  /** Changes the tier of one private-app token, or of a portal (by id) and all its tokens. */
  setTier(tokenOrPortal: string | number, tier: Tier): void {
    const checked = checkTier(tier)!;
    const target = typeof tokenOrPortal === 'string' && /^\d+$/.test(tokenOrPortal) ? Number(tokenOrPortal) : tokenOrPortal;
    if (typeof target === 'string' && !this.#state.auth.privateTokens.has(target)) {
      throw controlError(404, 'UNKNOWN_TOKEN', 'No such private-app token.');
    }
    this.#state.setTier(target, checked);
  }

  /** Counts `count` requests against a portal's daily limit, as if they had been made today. */
  consumeDailyQuota(portalId: number, count: number): void {
    this.#state.portal(portalId);
    this.#state.limiter.consumeDaily(portalId, count, this.#state.clock.now());
  }

  updateSettings(update: SettingsUpdate): void {
    if (update.faults !== undefined) this.setFaults(update.faults);
    if (update.latencyMs !== undefined) this.setLatency(update.latencyMs ?? undefined);
    if (update.searchLagMs !== undefined) this.setSearchLag(update.searchLagMs);
    if (update.retryAfter !== undefined) this.#state.settings.retryAfter = update.retryAfter === true;
    if (update.accessTokenTtlSeconds !== undefined) {
      if (!(update.accessTokenTtlSeconds > 0)) throw controlError(400, 'INVALID_TTL', 'accessTokenTtlSeconds must be > 0.');
      this.#state.settings.accessTokenTtlSeconds = update.accessTokenTtlSeconds;
    }
    if (update.webhookRetryScale !== undefined) this.#state.webhooks.retryScale = update.webhookRetryScale;
    if (update.defaultLifecycleStage !== undefined) this.#state.settings.defaultLifecycleStage = update.defaultLifecycleStage;
  }

  settings(): Record<string, unknown> {
    const s = this.#state.settings;
    return { ...s, latencyMs: s.latencyMs ?? null, webhookRetryScale: this.#state.webhooks.retryScale };
  }

  /**
   * Bulk insert without HTTP, validation or webhooks: the fast path for benchmarks and test
   * fixtures. Values become strings; contact emails must still be unique.
   */
  seedObjects(portalId: number, type: ObjectType | string, records: Record<string, unknown>[]): string[] {
    const objectType = checkType(type);
    const portal = this.#state.portal(portalId);
    const store = portal.objects[objectType];
    const now = this.#state.clock.now();
    const source = { sourceType: 'IMPORT' };
    const ids: string[] = [];
    for (const record of records) {
      const props: Record<string, string> = {};
      for (const key in record) {
        const value = toPropertyString(record[key]);
        if (value !== '') props[key] = value;
      }
      const email = props['email'];
      if (objectType === 'contacts' && email !== undefined) {
        const existing = store.findByEmail(email);
        if (existing) throw controlError(409, 'DUPLICATE_EMAIL', `Contact already exists. Existing ID: ${existing.id}`);
      }
      ids.push(store.insert(portal.nextObjectId(), props, now, source).id);
    }
    return ids;
  }

  seedContacts(portalId: number, records: Record<string, unknown>[]): string[] {
    return this.seedObjects(portalId, 'contacts', records);
  }

  /** Every live (or archived) record of a type, with all stored and system properties. */
  listObjects(portalId: number, type: ObjectType | string, opts: { archived?: boolean } = {}): ObjectSnapshot[] {
    const objectType = checkType(type);
    const store = this.#state.portal(portalId).objects[objectType];
    const archived = opts.archived === true;
    const out: ObjectSnapshot[] = [];
    for (const r of store.order) {
      if (r.mergedInto !== undefined || r.archived !== archived) continue;
      const properties: Record<string, string> = { ...r.props };
      for (const name of ['hs_object_id', 'createdate', 'hs_createdate', 'lastmodifieddate', 'hs_lastmodifieddate']) {
        const v = propertyValue(objectType, r, name);
        if (v !== undefined) properties[name] = v;
      }
      out.push({
        id: r.id,
        properties,
        createdAt: new Date(r.createdAt).toISOString(),
        updatedAt: new Date(r.updatedAt).toISOString(),
        archived: r.archived,
      });
    }
    return out;
  }

  /** Webhook delivery attempts so far (oldest first). */
  webhookDeliveries(): { appId: number; url: string; attemptNumber: number; events: number; status: number | string; at: number }[] {
    return this.#state.webhooks.deliveries.map((d) => ({ ...d }));
  }

  /** Waits until queued webhook batches have had their first delivery attempt. */
  flushWebhooks(): Promise<void> {
    return this.#state.webhooks.drain();
  }

  counts(): Counts {
    return structuredClone(this.#state.counts);
  }

  resetCounts(): void {
    this.#state.resetCounts();
  }

  /** Removes all portals, tokens, apps and records; settings are kept. */
  reset(): void {
    this.#state.reset();
  }
}

function body(req: RequestInfo): Record<string, unknown> {
  return typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
}

function ok(value: unknown, status = 200): Reply {
  return { status, body: value };
}

/** The HTTP form of `SandboxControl`, mounted under /_sandbox/. */
export function controlRoutes(state: SandboxState, control: SandboxControl): Route[] {
  const r = (method: string, path: string, handler: (req: RequestInfo) => Reply): Route => ({ method, path: `/_sandbox${path}`, auth: 'control', handler });
  const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
  return [
    r('GET', '', () =>
      ok({
        portals: [...state.portals.values()].map((p) => ({ portalId: p.portalId, tier: p.tier })),
        settings: control.settings(),
      }),
    ),
    r('GET', '/portals', () => ok({ results: [...state.portals.values()].map((p) => ({ portalId: p.portalId, tier: p.tier })) })),
    r('POST', '/portals', (req) => {
      const b = body(req);
      const portalId = num(b['portalId']);
      return ok(control.createPortal({ ...(portalId === undefined ? {} : { portalId }), ...(b['tier'] === undefined ? {} : { tier: b['tier'] as Tier }) }), 201);
    }),
    r('POST', '/tokens', (req) => {
      const b = body(req);
      const portalId = num(b['portalId']);
      return ok(
        control.createPrivateAppToken({
          ...(typeof b['token'] === 'string' ? { token: b['token'] } : {}),
          ...(portalId === undefined ? {} : { portalId }),
          ...(Array.isArray(b['scopes']) ? { scopes: b['scopes'].map(String) } : {}),
          ...(b['tier'] === undefined ? {} : { tier: b['tier'] as Tier }),
        }),
        201,
      );
    }),
    r('POST', '/oauth-apps', (req) => {
      const b = body(req);
      return ok(
        control.createOAuthApp({
          redirectUris: Array.isArray(b['redirectUris']) ? b['redirectUris'].map(String) : [],
          ...(Array.isArray(b['scopes']) ? { scopes: b['scopes'].map(String) } : {}),
          ...(typeof b['webhookUrl'] === 'string' ? { webhookUrl: b['webhookUrl'] } : {}),
          ...(Array.isArray(b['subscriptions']) ? { subscriptions: b['subscriptions'] as { subscriptionType: string }[] } : {}),
        }),
        201,
      );
    }),
    r('PUT', '/oauth-apps/{clientId}/webhooks', (req) => {
      const b = body(req);
      control.setWebhooks(req.params['clientId']!, {
        ...(typeof b['webhookUrl'] === 'string' ? { webhookUrl: b['webhookUrl'] } : {}),
        ...(Array.isArray(b['subscriptions']) ? { subscriptions: b['subscriptions'] as { subscriptionType: string }[] } : {}),
      });
      return ok({ ok: true });
    }),
    r('POST', '/oauth-apps/{clientId}/authorize', (req) => {
      const b = body(req);
      return ok(
        control.authorize({
          clientId: req.params['clientId']!,
          portalId: Number(b['portalId']),
          ...(typeof b['redirectUri'] === 'string' ? { redirectUri: b['redirectUri'] } : {}),
          ...(Array.isArray(b['scopes']) ? { scopes: b['scopes'].map(String) } : {}),
        }),
      );
    }),
    r('POST', '/portals/{portalId}/objects/{type}', (req) => {
      const records = body(req)['records'];
      if (!Array.isArray(records)) throw controlError(400, 'INVALID_SEED', 'records must be an array of property objects.');
      return ok({ ids: control.seedObjects(Number(req.params['portalId']), req.params['type']!, records as Record<string, unknown>[]) }, 201);
    }),
    r('GET', '/portals/{portalId}/objects/{type}', (req) =>
      ok({ results: control.listObjects(Number(req.params['portalId']), req.params['type']!, { archived: req.query.get('archived') === 'true' }) }),
    ),
    r('GET', '/settings', () => ok(control.settings())),
    r('PUT', '/settings', (req) => {
      control.updateSettings(body(req) as SettingsUpdate);
      return ok(control.settings());
    }),
    r('PUT', '/faults', (req) => {
      control.setFaults(body(req) as FaultSettings);
      return ok(control.settings());
    }),
    r('PUT', '/latency', (req) => {
      control.setLatency(checkLatency(body(req)['latencyMs']));
      return ok(control.settings());
    }),
    r('PUT', '/search-lag', (req) => {
      control.setSearchLag(Number(body(req)['searchLagMs']));
      return ok(control.settings());
    }),
    r('PUT', '/tier', (req) => {
      const b = body(req);
      const target = b['token'] ?? b['portalId'];
      if (target === undefined) throw controlError(400, 'INVALID_TARGET', 'Give a token or a portalId.');
      control.setTier(typeof target === 'number' ? target : String(target), b['tier'] as Tier);
      return ok({ ok: true });
    }),
    r('POST', '/portals/{portalId}/daily-usage', (req) => {
      control.consumeDailyQuota(Number(req.params['portalId']), Number(body(req)['count'] ?? 0));
      return { status: 204 };
    }),
    r('GET', '/counts', () => ok(control.counts())),
    r('DELETE', '/counts', () => {
      control.resetCounts();
      return { status: 204 };
    }),
    r('GET', '/webhooks/deliveries', () => ok({ results: control.webhookDeliveries() })),
    r('POST', '/reset', () => {
      control.reset();
      return { status: 204 };
    }),
  ];
}
