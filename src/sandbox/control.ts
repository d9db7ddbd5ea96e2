// The sandbox's own control surface (not part of HubSpot): create portals, tokens and OAuth
// apps, seed records without HTTP, change faults and limits at run time, read request counts,
// reset. `SandboxControl` is the in-process form; `controlRoutes` serves the same operations
// under /_sandbox/ for tools that run out of process.

import { toPropertyString } from './property-values.js';
import { ApiError } from './hubspot-errors.js';
import { propertyHistory, propertyValue, type CrmRecord } from './object-store.js';
import type { Reply, RequestInfo, Route } from './router.js';
import { checkFaults } from './faults.js';
import type { Owner, OwnerInput } from './owners.js';
import type { Pipeline } from './default-properties.js';
import type { Portal, PipelineInput } from './portal.js';
import type { Counts, SandboxState, WriteRecord } from './state.js';
import { z } from 'zod';
import { FAULT_KEYS, TIERS, parseObjectType, type FaultSettings, type Latency, type ObjectType, type Tier } from './types.js';

export interface ObjectSnapshot {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** One version of a property as `getObject` reports it (newest first), like HubSpot's `propertiesWithHistory`. */
export interface PropertyVersionSnapshot {
  value: string;
  /** When the sandbox applied the write (ISO 8601, millisecond precision, the sandbox's clock). */
  timestamp: string;
  sourceType: string;
}

export interface ObjectWithHistory extends ObjectSnapshot {
  /** Only the properties asked for; each keeps at most 50 versions. */
  propertiesWithHistory: Record<string, PropertyVersionSnapshot[]>;
}

const SYSTEM_PROPERTIES = ['hs_object_id', 'createdate', 'hs_createdate', 'lastmodifieddate', 'hs_lastmodifieddate'];

function snapshot(type: ObjectType, r: CrmRecord): ObjectSnapshot {
  const properties: Record<string, string> = { ...r.props };
  for (const name of SYSTEM_PROPERTIES) {
    const v = propertyValue(type, r, name);
    if (v !== undefined) properties[name] = v;
  }
  return { id: r.id, properties, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString(), archived: r.archived };
}

type Subscription = { subscriptionType: string; propertyName?: string; active?: boolean };

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

/** Portal ids are positive whole numbers, as HubSpot's are (docs/sandbox.md). */
function checkPortalId(portalId: number | undefined): number | undefined {
  if (portalId === undefined) return undefined;
  if (!Number.isSafeInteger(portalId) || portalId < 1) {
    throw controlError(400, 'INVALID_PORTAL_ID', `portalId must be a positive whole number, got ${String(portalId)}.`);
  }
  return portalId;
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

  /** The portal, or the control API's 404 (not HubSpot's: this is not a HubSpot call). */
  #portal(portalId: number): Portal {
    const portal = this.#state.portals.get(checkPortalId(portalId)!);
    if (!portal) throw controlError(404, 'UNKNOWN_PORTAL', `Portal ${portalId} does not exist in this sandbox.`);
    return portal;
  }

  /** A portal; `customEvents` (default: on for the `enterprise` tier) says whether it has custom behavioral events. */
  createPortal(opts: { portalId?: number; tier?: Tier; customEvents?: boolean } = {}): { portalId: number; tier: Tier; customEvents: boolean } {
    const portal = this.#state.createPortal({ portalId: checkPortalId(opts.portalId), tier: checkTier(opts.tier), customEvents: opts.customEvents });
    return { portalId: portal.portalId, tier: portal.tier, customEvents: portal.customEvents };
  }

  /** Gives a portal custom behavioral events (an Enterprise hub) or takes them away (its events API then answers 403). */
  setCustomEvents(portalId: number, on: boolean): void {
    this.#portal(portalId).customEvents = on;
  }

  /** The custom event definitions and occurrences a portal holds (not an API call: neither counted nor rate limited). */
  customEvents(portalId: number): { definitions: { name: string; fullyQualifiedName: string; label: string }[]; occurrences: { eventName: string; objectId: string; occurredAt: string; uuid: string; properties: Record<string, string> }[] } {
    const portal = this.#portal(portalId);
    return {
      definitions: [...portal.eventDefinitions.values()].map((d) => ({ name: d.name, fullyQualifiedName: d.fullyQualifiedName, label: d.label })),
      occurrences: [...portal.eventOccurrences.values()].map(({ receivedAt: _, ...o }) => structuredClone(o)),
    };
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
    const t = this.#state.createPrivateAppToken({ token: opts.token, portalId: checkPortalId(opts.portalId), scopes: opts.scopes, tier: checkTier(opts.tier) });
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
    this.#portal(opts.portalId);
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
    if (typeof target === 'number') this.#portal(target);
    this.#state.setTier(target, checked);
  }

  /** Counts `count` requests against a portal's daily limit, as if they had been made today. */
  consumeDailyQuota(portalId: number, count: number): void {
    this.#portal(portalId);
    if (!Number.isSafeInteger(count) || count < 0) throw controlError(400, 'INVALID_COUNT', 'count must be a whole number ≥ 0.');
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
   * fixtures. Values become strings; contact emails and values of unique properties must still
   * be unique (409, records before the offending one stay inserted).
   */
  seedObjects(portalId: number, type: ObjectType | string, records: Record<string, unknown>[]): string[] {
    const objectType = checkType(type);
    const portal = this.#portal(portalId);
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
      for (const name of store.unique.keys()) {
        const value = props[name];
        const holder = value === undefined ? undefined : store.findByUnique(name, value);
        if (holder) throw controlError(409, 'DUPLICATE_UNIQUE_VALUE', `${name} ${value} is already held by record ${holder.id}.`);
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
    const store = this.#portal(portalId).objects[objectType];
    const archived = opts.archived === true;
    const out: ObjectSnapshot[] = [];
    for (const r of store.order) {
      if (r.mergedInto !== undefined || r.archived !== archived) continue;
      out.push(snapshot(objectType, r));
    }
    return out;
  }

  /**
   * One record by id (a merged-away id finds the record it became; archived records too), with
   * the versions of the properties named in `propertiesWithHistory` and when each was written.
   * Reading it is not an API call: it is neither counted nor rate limited, so a benchmark can
   * learn when a write landed without disturbing what it measures.
   */
  getObject(portalId: number, type: ObjectType | string, id: string, opts: { propertiesWithHistory?: readonly string[] } = {}): ObjectWithHistory {
    const objectType = checkType(type);
    const store = this.#portal(portalId).objects[objectType];
    if (!/^[1-9]\d{0,17}$/.test(id)) throw controlError(400, 'INVALID_REQUEST', `id: must be a record id (decimal digits), got ${JSON.stringify(id).slice(0, 40)}.`);
    const record = store.resolve(id);
    if (!record) throw controlError(404, 'UNKNOWN_OBJECT', `No ${objectType} record with id ${id} in portal ${portalId}.`);
    const propertiesWithHistory: Record<string, PropertyVersionSnapshot[]> = {};
    for (const name of opts.propertiesWithHistory ?? []) {
      propertiesWithHistory[name] = propertyHistory(objectType, record, name).map((v) => ({ value: v.value, timestamp: new Date(v.timestamp).toISOString(), sourceType: v.sourceType }));
    }
    return { ...snapshot(objectType, record), propertiesWithHistory };
  }

  /**
   * The records of `toType` a record is associated with, each with its association type ids.
   * Like getObject, not an API call: neither counted nor rate limited.
   */
  associationsOf(portalId: number, fromType: ObjectType | string, fromId: string, toType: ObjectType | string): { id: string; typeIds: number[] }[] {
    const portal = this.#portal(portalId);
    return portal.associations.list(checkType(fromType), fromId, checkType(toType)).map(([id, typeIds]) => ({ id, typeIds }));
  }

  /** Adds an owner (a user records can be assigned to) to a portal. */
  addOwner(portalId: number, input: OwnerInput): Owner {
    const portal = this.#portal(portalId);
    if (typeof input.email !== 'string' || input.email === '') throw controlError(400, 'INVALID_REQUEST', 'email: an owner needs an email.');
    return structuredClone(portal.owners.add(input, this.#state.clock.now()));
  }

  /** Archives an owner: it stays listed with `archived=true`, `userId` null, and records can no longer be assigned to it. */
  archiveOwner(portalId: number, ownerId: string): Owner {
    const owner = this.#portal(portalId).owners.archive(ownerId, this.#state.clock.now());
    if (!owner) throw controlError(404, 'UNKNOWN_OWNER', `No owner ${ownerId} in portal ${portalId}.`);
    return structuredClone(owner);
  }

  /** A portal's owners, active ones first, then archived ones. */
  listOwners(portalId: number): Owner[] {
    const owners = this.#portal(portalId).owners;
    return structuredClone([...owners.list(false), ...owners.list(true)]);
  }

  /**
   * Adds a deal pipeline to a portal (ids are generated when not given); `pipeline` and
   * `dealstage` accept its ids from then on. A taken pipeline or stage id is a 409.
   */
  addDealPipeline(portalId: number, input: PipelineInput): Pipeline {
    const portal = this.#portal(portalId);
    if (!Array.isArray(input.stages) || input.stages.length === 0) throw controlError(400, 'INVALID_REQUEST', 'stages: a pipeline needs at least one stage.');
    try {
      return structuredClone(portal.addPipeline(input, this.#state.clock.now()));
    } catch (err) {
      throw controlError(409, 'PIPELINE_EXISTS', err instanceof Error ? err.message : String(err));
    }
  }

  /** Webhook delivery attempts so far (oldest first). */
  webhookDeliveries(): { appId: number; url: string; attemptNumber: number; events: number; status: number | string; at: number; durationMs: number }[] {
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

  /**
   * Starts (or stops) recording every accepted CRM write with its time window (`writes()`);
   * off by default, since the log grows with every write. `resetCounts()` empties it.
   */
  recordWrites(on = true): void {
    this.#state.writes = on ? (this.#state.writes ?? []) : undefined;
  }

  /** The writes recorded since recording started or the last `resetCounts()`, oldest answer first. */
  writes(): WriteRecord[] {
    return (this.#state.writes ?? []).map((w) => ({ ...w, ids: [...w.ids] }));
  }

  /** Removes all portals, tokens, apps and records; settings are kept. */
  reset(): void {
    this.#state.reset();
  }
}

// ---- HTTP form ---------------------------------------------------------------------------
// Every body and path parameter is checked with a schema: a wrong type is a 400 naming the
// field, never a NaN portal or a string where a number belongs. (The server already refused
// unsafe requests that are not `Content-Type: application/json`.)

/** Portal ids are positive whole numbers; JSON numbers or decimal digits. */
const portalIdSchema = z.union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[1-9]\d{0,14}$/).transform(Number)]);
const tierSchema = z.enum(TIERS);
const scopesSchema = z.array(z.string().min(1).max(200)).max(200);
/** A token goes into an Authorization header: visible ASCII only. */
const tokenSchema = z.string().regex(/^[\x21-\x7e]{1,500}$/, 'must be 1 to 500 visible ASCII characters');
const subscriptionsSchema = z.array(
  z
    .object({
      subscriptionType: z.string().regex(/^(contact|company|deal)\.(creation|deletion|propertyChange|merge|associationChange)$/, 'must be {contact,company,deal}.{creation,deletion,propertyChange,merge,associationChange}'),
      propertyName: z.string().min(1).optional(),
      active: z.boolean().optional(),
    })
    .strict(),
);
const probability = z.number().min(0).max(1);
const faultsSchema = z.object(Object.fromEntries(FAULT_KEYS.map((k) => [k, probability.optional()]))).strict();
const latencySchema = z.union([z.number().nonnegative(), z.tuple([z.number().nonnegative(), z.number().nonnegative()])]);
const seedValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const schemas = {
  portal: z.object({ portalId: portalIdSchema.optional(), tier: tierSchema.optional(), customEvents: z.boolean().optional() }).strict(),
  customEvents: z.object({ enabled: z.boolean() }).strict(),
  token: z.object({ token: tokenSchema.optional(), portalId: portalIdSchema.optional(), scopes: scopesSchema.optional(), tier: tierSchema.optional() }).strict(),
  app: z
    .object({ redirectUris: z.array(z.url()).min(1), scopes: scopesSchema.optional(), webhookUrl: z.url().optional(), subscriptions: subscriptionsSchema.optional() })
    .strict(),
  webhooks: z.object({ webhookUrl: z.url().optional(), subscriptions: subscriptionsSchema.optional() }).strict(),
  authorize: z.object({ portalId: portalIdSchema, redirectUri: z.string().min(1).optional(), scopes: scopesSchema.optional() }).strict(),
  seed: z.object({ records: z.array(z.record(z.string(), seedValue)) }).strict(),
  pipeline: z
    .object({
      id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional(),
      label: z.string().min(1).max(200),
      displayOrder: z.number().int().optional(),
      stages: z
        .array(
          z
            .object({
              id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional(),
              label: z.string().min(1).max(200),
              probability: z.number().min(0).max(1),
              isClosed: z.boolean().optional(),
            })
            .strict(),
        )
        .min(1)
        .max(100),
    })
    .strict(),
  owner: z
    .object({
      email: z.string().min(1).max(254),
      firstName: z.string().max(200).optional(),
      lastName: z.string().max(200).optional(),
      userId: z.number().int().positive().optional(),
      teams: z.array(z.object({ id: z.string().min(1), name: z.string(), primary: z.boolean() }).strict()).optional(),
    })
    .strict(),
  settings: z
    .object({
      faults: faultsSchema.optional(),
      latencyMs: latencySchema.nullable().optional(),
      searchLagMs: z.number().nonnegative().optional(),
      retryAfter: z.boolean().optional(),
      accessTokenTtlSeconds: z.number().positive().optional(),
      webhookRetryScale: z.number().positive().optional(),
      defaultLifecycleStage: z.boolean().optional(),
    })
    .strict(),
  faults: faultsSchema,
  latency: z.object({ latencyMs: latencySchema.nullable() }).strict(),
  searchLag: z.object({ searchLagMs: z.number().nonnegative() }).strict(),
  tier: z
    .object({ token: tokenSchema.optional(), portalId: portalIdSchema.optional(), tier: tierSchema })
    .strict()
    .refine((b) => (b.token === undefined) !== (b.portalId === undefined), { error: 'give either a token or a portalId' }),
  dailyUsage: z.object({ count: z.number().int().nonnegative() }).strict(),
  /** `?propertiesWithHistory=city,email`: up to 50 property names. */
  objectQuery: z
    .object({
      propertiesWithHistory: z
        .string()
        .transform((s) => s.split(',').filter(Boolean))
        .pipe(z.array(z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be property names separated by commas')).max(50))
        .optional(),
    })
    .strict(),
  empty: z.object({}).strict(),
};

/** Parses a control request's body (absent = `{}`), or a 400 `INVALID_REQUEST` naming the field. */
function parse<T>(schema: z.ZodType<T>, req: RequestInfo): T {
  const result = schema.safeParse(req.body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw controlError(400, 'INVALID_REQUEST', `${field === '' ? 'body' : field}: ${issue.message}`);
}

function portalParam(req: RequestInfo): number {
  const result = portalIdSchema.safeParse(req.params['portalId']);
  if (!result.success) throw controlError(400, 'INVALID_REQUEST', 'portalId: the portal id in the path must be a positive whole number.');
  return result.data;
}

/** Drops keys whose value is undefined (the options objects use exactOptionalPropertyTypes). */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function subscriptions(list: { subscriptionType: string; propertyName?: string | undefined; active?: boolean | undefined }[] | undefined): { subscriptions?: Subscription[] } {
  if (list === undefined) return {};
  return { subscriptions: list.map((s) => ({ subscriptionType: s.subscriptionType, ...defined({ propertyName: s.propertyName, active: s.active }) })) };
}

function ok(value: unknown, status = 200): Reply {
  return { status, body: value };
}

/** The HTTP form of `SandboxControl`, mounted under /_sandbox/. */
export function controlRoutes(state: SandboxState, control: SandboxControl): Route[] {
  const r = (method: string, path: string, handler: (req: RequestInfo) => Reply): Route => ({ method, path: `/_sandbox${path}`, auth: 'control', handler });
  const portals = () => [...state.portals.values()].map((p) => ({ portalId: p.portalId, tier: p.tier, customEvents: p.customEvents }));
  return [
    r('GET', '', () => ok({ portals: portals(), settings: control.settings() })),
    r('GET', '/portals', () => ok({ results: portals() })),
    r('POST', '/portals', (req) => ok(control.createPortal(defined(parse(schemas.portal, req))), 201)),
    r('POST', '/tokens', (req) => ok(control.createPrivateAppToken(defined(parse(schemas.token, req))), 201)),
    r('POST', '/oauth-apps', (req) => {
      const b = parse(schemas.app, req);
      return ok(control.createOAuthApp({ redirectUris: b.redirectUris, ...defined({ scopes: b.scopes, webhookUrl: b.webhookUrl }), ...subscriptions(b.subscriptions) }), 201);
    }),
    r('PUT', '/oauth-apps/{clientId}/webhooks', (req) => {
      const b = parse(schemas.webhooks, req);
      control.setWebhooks(req.params['clientId']!, { ...defined({ webhookUrl: b.webhookUrl }), ...subscriptions(b.subscriptions) });
      return ok({ ok: true });
    }),
    r('POST', '/oauth-apps/{clientId}/authorize', (req) => {
      const b = parse(schemas.authorize, req);
      return ok(control.authorize({ clientId: req.params['clientId']!, ...defined(b), portalId: b.portalId }));
    }),
    r('POST', '/portals/{portalId}/objects/{type}', (req) => {
      const portalId = portalParam(req);
      return ok({ ids: control.seedObjects(portalId, req.params['type']!, parse(schemas.seed, req).records) }, 201);
    }),
    r('GET', '/portals/{portalId}/objects/{type}', (req) =>
      ok({ results: control.listObjects(portalParam(req), req.params['type']!, { archived: req.query.get('archived') === 'true' }) }),
    ),
    r('GET', '/portals/{portalId}/objects/{type}/{objectId}', (req) => {
      const portalId = portalParam(req);
      const query = schemas.objectQuery.safeParse(Object.fromEntries(req.query));
      if (!query.success) {
        const issue = query.error.issues[0]!;
        throw controlError(400, 'INVALID_REQUEST', `${issue.path.map(String).join('.') || 'query'}: ${issue.message}`);
      }
      return ok(control.getObject(portalId, req.params['type']!, req.params['objectId']!, defined(query.data)));
    }),
    r('POST', '/portals/{portalId}/owners', (req) => {
      const portalId = portalParam(req);
      const b = parse(schemas.owner, req);
      return ok(control.addOwner(portalId, { email: b.email, ...defined({ firstName: b.firstName, lastName: b.lastName, userId: b.userId, teams: b.teams }) }), 201);
    }),
    r('GET', '/portals/{portalId}/owners', (req) => ok({ results: control.listOwners(portalParam(req)) })),
    r('PUT', '/portals/{portalId}/custom-events', (req) => {
      const portalId = portalParam(req);
      control.setCustomEvents(portalId, parse(schemas.customEvents, req).enabled);
      return ok({ portalId, customEvents: state.portal(portalId).customEvents });
    }),
    r('GET', '/portals/{portalId}/custom-events', (req) => ok(control.customEvents(portalParam(req)))),
    r('DELETE', '/portals/{portalId}/owners/{ownerId}', (req) => {
      const portalId = portalParam(req);
      parse(schemas.empty, req);
      return ok(control.archiveOwner(portalId, req.params['ownerId']!));
    }),
    r('POST', '/portals/{portalId}/pipelines/deals', (req) => {
      const portalId = portalParam(req);
      const b = parse(schemas.pipeline, req);
      const stages = b.stages.map((st) => ({ label: st.label, probability: st.probability, ...defined({ id: st.id, isClosed: st.isClosed }) }));
      return ok(control.addDealPipeline(portalId, { label: b.label, stages, ...defined({ id: b.id, displayOrder: b.displayOrder }) }), 201);
    }),
    r('GET', '/settings', () => ok(control.settings())),
    r('PUT', '/settings', (req) => {
      const b = parse(schemas.settings, req);
      control.updateSettings({ ...defined(b), ...(b.faults ? { faults: defined(b.faults) as FaultSettings } : {}) });
      return ok(control.settings());
    }),
    r('PUT', '/faults', (req) => {
      control.setFaults(defined(parse(schemas.faults, req)) as FaultSettings);
      return ok(control.settings());
    }),
    r('PUT', '/latency', (req) => {
      control.setLatency(parse(schemas.latency, req).latencyMs ?? undefined);
      return ok(control.settings());
    }),
    r('PUT', '/search-lag', (req) => {
      control.setSearchLag(parse(schemas.searchLag, req).searchLagMs);
      return ok(control.settings());
    }),
    r('PUT', '/tier', (req) => {
      const b = parse(schemas.tier, req);
      control.setTier(b.token ?? b.portalId!, b.tier);
      return ok({ ok: true });
    }),
    r('POST', '/portals/{portalId}/daily-usage', (req) => {
      const portalId = portalParam(req);
      control.consumeDailyQuota(portalId, parse(schemas.dailyUsage, req).count);
      return { status: 204 };
    }),
    r('GET', '/counts', () => ok(control.counts())),
    r('DELETE', '/counts', (req) => {
      parse(schemas.empty, req);
      control.resetCounts();
      return { status: 204 };
    }),
    r('GET', '/webhooks/deliveries', () => ok({ results: control.webhookDeliveries() })),
    r('POST', '/reset', (req) => {
      parse(schemas.empty, req);
      control.reset();
      return { status: 204 };
    }),
  ];
}
