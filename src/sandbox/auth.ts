// Who may call the sandbox: private-app tokens (bound to one portal, a scope set and a tier),
// OAuth apps with their authorization codes, access tokens that expire on the injected clock,
// and refresh tokens. `authenticate` turns a bearer token into a caller or HubSpot's 401.

import { randomBytes, randomUUID } from 'node:crypto';
import { expiredAuthentication, invalidAuthentication } from './hubspot-errors.js';
import type { Tier } from './types.js';

/** Every scope hubsync uses (HUBSPOT-API.md "Scopes used"): the default for new tokens. */
export const DEFAULT_SCOPES: readonly string[] = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'crm.lists.read',
  'crm.lists.write',
  'crm.objects.owners.read',
  // Custom behavioral events: only a portal with them (an Enterprise hub) honours these.
  'behavioral_events.event_definitions.read_write',
  'analytics.behavioral_events.send',
  'oauth',
];

export interface WebhookSubscription {
  id: number;
  /** e.g. `contact.creation`, `contact.propertyChange`, `company.deletion`. */
  subscriptionType: string;
  /** For propertyChange: only this property. */
  propertyName?: string;
  active: boolean;
}

export interface OAuthApp {
  appId: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  scopes: string[];
  webhookUrl: string | undefined;
  subscriptions: WebhookSubscription[];
  /** Portals that have authorized the app. */
  installs: Set<number>;
}

export interface PrivateAppToken {
  kind: 'private';
  token: string;
  portalId: number;
  scopes: Set<string>;
  tier: Tier;
  appId: number;
  userId: number;
}

export interface OAuthAccessToken {
  kind: 'oauth';
  token: string;
  portalId: number;
  scopes: Set<string>;
  appId: number;
  userId: number;
  expiresAt: number;
  refreshToken: string;
}

export interface RefreshToken {
  token: string;
  portalId: number;
  scopes: string[];
  appId: number;
  userId: number;
}

interface AuthCode {
  portalId: number;
  appId: number;
  scopes: string[];
  redirectUri: string;
  expiresAt: number;
}

export type Caller = PrivateAppToken | OAuthAccessToken;

const CODE_TTL_MS = 10 * 60_000;

export function userIdFor(portalId: number): number {
  return 7_000_000 + portalId;
}

export function userEmailFor(portalId: number): string {
  return `sandbox-user@portal-${portalId}.example.com`;
}

export class AuthRegistry {
  readonly privateTokens = new Map<string, PrivateAppToken>();
  readonly apps = new Map<string, OAuthApp>();
  readonly accessTokens = new Map<string, OAuthAccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly #codes = new Map<string, AuthCode>();
  #nextAppId = 3_000_001;
  #nextSubscriptionId = 1;

  addPrivateToken(opts: { token?: string; portalId: number; scopes: readonly string[]; tier: Tier }): PrivateAppToken {
    const token = opts.token ?? `pat-na1-${randomUUID()}`;
    const entry: PrivateAppToken = {
      kind: 'private',
      token,
      portalId: opts.portalId,
      scopes: new Set(opts.scopes),
      tier: opts.tier,
      appId: this.#nextAppId++,
      userId: userIdFor(opts.portalId),
    };
    this.privateTokens.set(token, entry);
    return entry;
  }

  addApp(opts: {
    redirectUris: string[];
    scopes?: string[] | undefined;
    webhookUrl?: string | undefined;
    subscriptions?: { subscriptionType: string; propertyName?: string; active?: boolean }[] | undefined;
    clientId?: string | undefined;
    clientSecret?: string | undefined;
  }): OAuthApp {
    const app: OAuthApp = {
      appId: this.#nextAppId++,
      clientId: opts.clientId ?? randomUUID(),
      clientSecret: opts.clientSecret ?? randomUUID(),
      redirectUris: [...opts.redirectUris],
      scopes: [...(opts.scopes ?? DEFAULT_SCOPES)],
      webhookUrl: opts.webhookUrl,
      subscriptions: [],
      installs: new Set(),
    };
    for (const s of opts.subscriptions ?? []) this.addSubscription(app, s);
    this.apps.set(app.clientId, app);
    return app;
  }

  addSubscription(app: OAuthApp, s: { subscriptionType: string; propertyName?: string; active?: boolean }): WebhookSubscription {
    const sub: WebhookSubscription = { id: this.#nextSubscriptionId++, subscriptionType: s.subscriptionType, active: s.active ?? true };
    if (s.propertyName !== undefined) sub.propertyName = s.propertyName;
    app.subscriptions.push(sub);
    return sub;
  }

  appById(appId: number): OAuthApp | undefined {
    for (const app of this.apps.values()) if (app.appId === appId) return app;
    return undefined;
  }

  /** Issues a single-use authorization code after a person approved the app for a portal. */
  issueCode(app: OAuthApp, portalId: number, scopes: string[], redirectUri: string, now: number): string {
    const code = randomUUID();
    this.#codes.set(code, { portalId, appId: app.appId, scopes, redirectUri, expiresAt: now + CODE_TTL_MS });
    app.installs.add(portalId);
    return code;
  }

  /** Redeems a code; undefined when it is unknown, used, expired, or for another app or redirect URI. */
  redeemCode(app: OAuthApp, code: string, redirectUri: string, now: number): AuthCode | undefined {
    const entry = this.#codes.get(code);
    if (!entry) return undefined;
    this.#codes.delete(code);
    if (entry.appId !== app.appId || entry.redirectUri !== redirectUri || entry.expiresAt <= now) return undefined;
    return entry;
  }

  issueTokens(app: OAuthApp, portalId: number, scopes: string[], ttlSeconds: number, now: number, refresh?: string): OAuthAccessToken {
    const refreshToken = refresh ?? `na1-${randomUUID().slice(0, 4)}-${randomUUID()}`;
    if (!this.refreshTokens.has(refreshToken)) {
      this.refreshTokens.set(refreshToken, { token: refreshToken, portalId, scopes, appId: app.appId, userId: userIdFor(portalId) });
    }
    const access: OAuthAccessToken = {
      kind: 'oauth',
      token: `CO${randomBytes(36).toString('base64url')}`,
      portalId,
      scopes: new Set(scopes),
      appId: app.appId,
      userId: userIdFor(portalId),
      expiresAt: now + ttlSeconds * 1000,
      refreshToken,
    };
    this.accessTokens.set(access.token, access);
    return access;
  }

  /** Resolves an `Authorization` header to a caller, or throws HubSpot's 401 body. */
  authenticate(header: string | undefined, now: number): Caller {
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    const token = match?.[1];
    if (!token) throw invalidAuthentication();
    const pat = this.privateTokens.get(token);
    if (pat) return pat;
    const access = this.accessTokens.get(token);
    if (!access) throw invalidAuthentication();
    if (access.expiresAt <= now) throw expiredAuthentication(Math.floor((now - access.expiresAt) / 1000));
    return access;
  }

  /** Drops everything issued for one portal (used when a portal is deleted by reset). */
  clear(): void {
    this.privateTokens.clear();
    this.apps.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.#codes.clear();
  }
}
