// Each workspace's way to HubSpot: connecting (private-app token or OAuth 2), keeping the
// credentials encrypted, handing out a rate-governed client, refreshing OAuth access tokens
// (one refresh in flight per connection), and reporting connection health.
import type { WebhookEmitter } from '../webhooks/index.js';
import { randomBytes } from 'node:crypto';
import { audit, type Actor } from '../audit/index.js';
import { sha256 } from '../auth/index.js';
import {
  createDailyCallCounter,
  createHubSpotClient,
  createMemoryRateLedger,
  createHubSpotOAuthClient,
  createRateGovernorRegistry,
  isHubSpotApiError,
  staticToken,
  type AccessTokenProvider,
  type CallRecord,
  type DailyCallCounter,
  type HubSpotClient,
  type RateGovernorRegistry,
  type RateLedger,
} from '../hubspot/index.js';
import { AppError, type Clock, type SecretBox } from '../lib/index.js';
import type { Db, Workspace } from '../store/index.js';
import {
  consumeOAuthState,
  deleteConnection,
  findAuthorizationLink,
  findConnection,
  findOAuthStateLink,
  findWorkspaceById,
  insertOAuthState,
  markAuthorizationLinkUsed,
  requestRunCancel,
  saveConnection,
  updateConnection,
} from '../store/index.js';
import { authorizationLinkProblem } from './authorization-link-problem.js';
import { OPTIONAL_SCOPES, OWNERS_SCOPE, REQUIRED_SCOPES, scopesFor, type SyncedObjectType } from './object-scopes.js';

/** What the OAuth install asks for at least: contacts, plus `oauth` which HubSpot requires. */
const OAUTH_SCOPES = ['oauth', ...REQUIRED_SCOPES];

export type ConnectionStatus = 'not_connected' | 'connected' | 'token_invalid' | 'missing_scopes' | 'rate_limited' | 'reconnect_needed';

export interface ConnectionView {
  status: ConnectionStatus;
  method: 'private_app' | 'oauth' | null;
  source: 'api' | 'environment' | null;
  portalId: number | null;
  scopes: string[];
  missingOptionalScopes: string[];
  tokenPreview: string | null;
  connectedBy: string | null;
  connectedAt: string | null;
  lastError: string | null;
  oauthAvailable: boolean;
  usage: { callsToday: number; errorsToday: number; rateLimitedToday: number; dailyLimit: number | null };
}

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  authorizeUrl: string;
}

export interface HubSpotGatewayOptions {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  baseUrl: string;
  oauth: OAuthSettings | undefined;
  /** From HUBSPOT_PORTAL_ID: a token for any other portal is refused. */
  expectedPortalId?: string | undefined;
  timeoutMs?: number;
  /**
   * Where each portal's rate budget and daily usage are counted. The composition root passes
   * the database ledger so all processes share one budget per portal; default: this process.
   */
  rateLedger?: RateLedger;
  /** Also told of every HTTP attempt any workspace's client makes (GET /metrics counts them). */
  onCall?: (call: CallRecord) => void;
  /** Webhooks out: `connection.failed` when HubSpot refuses a working connection's credentials. */
  events?: Pick<WebhookEmitter, 'emit'>;
}

const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** How often a client checks that its connection is still the stored one (other processes). */
const CONNECTION_RECHECK_MS = 1_000;
/** Why a run stopped when its workspace was disconnected (stored on the run). */
export const DISCONNECTED_RUN_MESSAGE = 'HubSpot was disconnected while this sync was running: it stopped at once and made no further HubSpot calls with the forgotten credentials. Customers not yet pushed keep their status; connect HubSpot again and run Sync now.';
/**
 * When to refresh: a minute before expiry, or at 80 % of the lifetime for short-lived tokens.
 * The stored `access_expires_at` is this refresh time, not HubSpot's expiry.
 */
function refreshAt(now: number, expiresInSeconds: number): number {
  const lifetime = expiresInSeconds * 1000;
  return now + lifetime - Math.min(60_000, lifetime * 0.2);
}

function tokenHint(token: string): string {
  return token.length <= 12 ? '••••' : `${token.slice(0, 8)}…${token.slice(-4)}`;
}

/** A HubSpot failure as the API reports it: unreachable (502) or refused with HubSpot's own message (422). */
export function hubspotProblem(error: unknown, action: string): AppError {
  if (isHubSpotApiError(error)) {
    if (error.code === 'HUBSPOT_TIMEOUT' || error.code === 'HUBSPOT_NETWORK' || error.code === 'HUBSPOT_UNAVAILABLE') {
      return new AppError('HUBSPOT_UNAVAILABLE', `HubSpot could not be reached to ${action}. Try again in a moment.`, { hubspotCode: error.code }, { cause: error });
    }
    return new AppError('HUBSPOT_REJECTED', error.hubspotMessage ?? `HubSpot refused to ${action}.`, {
      hubspotStatus: error.status,
      hubspotCategory: error.category,
      correlationId: error.correlationId,
    }, { cause: error });
  }
  return new AppError('HUBSPOT_UNAVAILABLE', `HubSpot could not be reached to ${action}.`, undefined, { cause: error });
}

export class HubSpotGateway {
  readonly governors: RateGovernorRegistry;
  readonly calls: DailyCallCounter;
  readonly #ledger: RateLedger;
  readonly #options: HubSpotGatewayOptions;
  /**
   * One client per connected workspace. `stop` aborts every call the client makes, in flight or
   * later: when the credentials are forgotten (disconnect, reconnect), a run still holding the
   * client cannot use them again.
   */
  readonly #clients = new Map<string, { client: HubSpotClient; key: string; stop: AbortController }>();
  readonly #refreshes = new Map<string, Promise<string>>();
  readonly #tagListeners = new Map<string, (call: CallRecord) => void>();
  readonly #connectedListeners: ((workspaceId: string) => void)[] = [];

  constructor(options: HubSpotGatewayOptions) {
    this.#options = options;
    this.#ledger = options.rateLedger ?? createMemoryRateLedger();
    this.governors = createRateGovernorRegistry({ clock: options.clock, ledger: this.#ledger });
    this.calls = createDailyCallCounter({ clock: options.clock });
  }

  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** Whether OAuth 2 is configured (HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET). */
  get oauthAvailable(): boolean {
    return this.#options.oauth !== undefined;
  }

  /** Called after a workspace is (re)connected (the on-change push resumes its parked changes). */
  onConnected(listener: (workspaceId: string) => void): void {
    this.#connectedListeners.push(listener);
  }

  /** Receives every call made with `tag` (a sync run counts its API calls this way). */
  onTaggedCall(tag: string, listener: (call: CallRecord) => void): () => void {
    this.#tagListeners.set(tag, listener);
    return () => this.#tagListeners.delete(tag);
  }

  #onCall = (call: CallRecord) => {
    this.calls.record(call);
    this.#options.onCall?.(call);
    if (call.tag) this.#tagListeners.get(call.tag)?.(call);
  };

  #newClient(auth: AccessTokenProvider, portalId?: number, signal?: AbortSignal): HubSpotClient {
    return createHubSpotClient({
      baseUrl: this.#options.baseUrl,
      auth,
      ...(signal ? { signal } : {}),
      clock: this.#options.clock,
      onCall: this.#onCall,
      ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
      ...(portalId === undefined ? {} : { portalId, governor: this.governors.forPortal(portalId, 'free') }),
    });
  }

  /** The workspace's client; throws HUBSPOT_NOT_CONNECTED when there is no usable connection. */
  async clientFor(workspaceId: string): Promise<HubSpotClient> {
    const row = await findConnection(this.#options.db, workspaceId);
    if (!row) throw new AppError('HUBSPOT_NOT_CONNECTED', 'Connect HubSpot first (Config → Integrations → HubSpot → Connection).');
    if (row.status === 'reconnect_needed') {
      throw new AppError('HUBSPOT_NOT_CONNECTED', 'HubSpot needs to be reconnected: the authorization was revoked or expired.');
    }
    const key = `${row.method}:${row.connected_at}`;
    const cached = this.#clients.get(workspaceId);
    if (cached && cached.key === key) return cached.client;
    if (cached) await cached.client.close();
    const auth = row.method === 'oauth' ? this.#oauthProvider(workspaceId) : staticToken(this.#options.secrets.decrypt(row.secret_enc));
    const stop = new AbortController();
    const client = this.#newClient(this.#whileConnected(workspaceId, key, auth), Number(row.portal_id), stop.signal);
    this.#clients.set(workspaceId, { client, key, stop });
    return client;
  }

  /**
   * Hands out tokens only while the connection they belong to is still stored: a client held by
   * a run in another process stops within a second of this workspace being disconnected or
   * reconnected (this process aborts its own client at once, see #forgetClient). The stored
   * row is read at most once a second per client, so a busy run does not pay a query per call;
   * the calls that find the second over while a read is under way wait for that one read.
   */
  #whileConnected(workspaceId: string, key: string, auth: AccessTokenProvider): AccessTokenProvider {
    let checkedAt = Number.NEGATIVE_INFINITY;
    let reading: Promise<void> | undefined;
    const read = async (): Promise<void> => {
      const now = performance.now();
      const row = await findConnection(this.#options.db, workspaceId);
      if (!row || `${row.method}:${row.connected_at}` !== key) {
        throw new AppError('HUBSPOT_NOT_CONNECTED', 'HubSpot was disconnected or reconnected: these credentials are no longer used.');
      }
      checkedAt = now;
    };
    const check = (): Promise<void> => {
      if (performance.now() - checkedAt < CONNECTION_RECHECK_MS) return Promise.resolve();
      reading ??= read().finally(() => (reading = undefined));
      return reading;
    };
    return {
      getAccessToken: async () => {
        await check();
        return auth.getAccessToken();
      },
      ...(auth.refreshAfterUnauthorized
        ? {
            refreshAfterUnauthorized: async (rejected: string) => {
              await check();
              return auth.refreshAfterUnauthorized!(rejected);
            },
          }
        : {}),
    };
  }

  /** Drops the workspace's client and aborts whatever it is doing (its credentials are gone). */
  async #forgetClient(workspaceId: string): Promise<void> {
    const cached = this.#clients.get(workspaceId);
    this.#clients.delete(workspaceId);
    cached?.stop.abort();
    await cached?.client.close();
  }

  /**
   * Checks a private-app token live and stores it encrypted. A missing required scope is named;
   * any other refusal carries HubSpot's own message. With `enteredPortalId` (the Portal ID an
   * admin typed beside the token) a token of another portal is refused.
   */
  async connectPrivateApp(workspace: Workspace, actor: Actor, rawToken: string, source: 'api' | 'environment' = 'api', enteredPortalId?: string): Promise<ConnectionView> {
    const token = rawToken.trim();
    if (token === '') throw new AppError('VALIDATION_FAILED', 'accessToken: paste the private app access token (pat-…).', { field: 'accessToken' });
    const probe = this.#newClient(staticToken(token));
    let scopes: string[];
    let portalId: number;
    try {
      const info = await probe.account.privateAppTokenInfo(token, { priority: 'interactive' });
      scopes = info.scopes;
      portalId = info.hubId;
    } catch (error) {
      throw hubspotProblem(error, 'check the access token');
    } finally {
      await probe.close();
    }
    const missing = REQUIRED_SCOPES.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      const list = missing.join(', ');
      throw new AppError(
        'HUBSPOT_MISSING_SCOPES',
        `The access token is missing the scope${missing.length > 1 ? 's' : ''} ${list}. Add ${missing.length > 1 ? 'them' : 'it'} to the private app in HubSpot (Development → Private apps → Scopes), then paste the token again.`,
        { missingScopes: missing, grantedScopes: scopes },
      );
    }
    // The Portal ID typed beside the key (seed 001's Platform Settings) must be the token's account.
    if (enteredPortalId !== undefined && String(portalId) !== enteredPortalId) {
      throw new AppError(
        'HUBSPOT_PORTAL_MISMATCH',
        `This token belongs to HubSpot portal ${portalId}, but the Portal ID entered is ${enteredPortalId}. Use a token from portal ${enteredPortalId}, or correct the Portal ID.`,
        { field: 'portalId', tokenPortalId: portalId, expectedPortalId: enteredPortalId },
      );
    }
    if (this.#options.expectedPortalId && String(portalId) !== this.#options.expectedPortalId) {
      throw new AppError(
        'HUBSPOT_PORTAL_MISMATCH',
        `This token belongs to HubSpot portal ${portalId}, but HUBSPOT_PORTAL_ID is ${this.#options.expectedPortalId}. Use a token from portal ${this.#options.expectedPortalId} or correct HUBSPOT_PORTAL_ID.`,
        { tokenPortalId: portalId, expectedPortalId: this.#options.expectedPortalId },
      );
    }
    const now = this.#options.clock.now();
    await this.#options.db.transaction().execute(async (trx) => {
      await saveConnection(trx, {
        workspace_id: workspace.id,
        method: 'private_app',
        source,
        portal_id: portalId,
        scopes: JSON.stringify(scopes),
        secret_enc: this.#options.secrets.encrypt(token),
        access_token_enc: null,
        access_expires_at: null,
        token_hint: tokenHint(token),
        status: 'connected',
        last_error: null,
        connected_by: actor.label,
        connected_at: now,
        updated_at: now,
      });
      await audit(trx, this.#options.clock, { workspaceId: workspace.id, actor, action: 'hubspot.connected', details: { method: 'private_app', portalId, source } });
    });
    await this.#forgetClient(workspace.id);
    for (const listener of this.#connectedListeners) listener(workspace.id);
    return this.view(workspace.id);
  }

  /** Whether `token` is the one already stored (used to skip re-checking an unchanged env token). */
  async holdsToken(workspaceId: string, token: string): Promise<boolean> {
    const row = await findConnection(this.#options.db, workspaceId);
    return row !== undefined && row.status === 'connected' && this.#options.secrets.decrypt(row.secret_enc) === token;
  }

  /** The stored token in clear, for an admin's explicit reveal; audited. */
  async reveal(workspace: Workspace, actor: Actor): Promise<string> {
    const row = await findConnection(this.#options.db, workspace.id);
    if (!row) throw new AppError('HUBSPOT_NOT_CONNECTED', 'No HubSpot token is stored for this workspace.');
    await audit(this.#options.db, this.#options.clock, { workspaceId: workspace.id, actor, action: 'hubspot.token_revealed', details: { method: row.method } });
    return this.#options.secrets.decrypt(row.secret_enc);
  }

  /** Forgets the credentials (revoking an OAuth refresh token at HubSpot first). Local records stay. */
  async disconnect(workspace: Workspace, actor: Actor): Promise<void> {
    const row = await findConnection(this.#options.db, workspace.id);
    if (!row) return;
    let revoked: boolean | undefined;
    if (row.method === 'oauth') {
      const oauth = createHubSpotOAuthClient({ baseUrl: this.#options.baseUrl, clock: this.#options.clock });
      try {
        await oauth.revokeRefreshToken(this.#options.secrets.decrypt(row.secret_enc));
        revoked = true;
      } catch (error) {
        // A token HubSpot already dropped cannot be revoked again; forgetting it is still right.
        revoked = false;
        void error;
      } finally {
        await oauth.close();
      }
    }
    await this.#options.db.transaction().execute(async (trx) => {
      await deleteConnection(trx, workspace.id);
      // A run pushing now stops: here at once (the client is aborted below), in another
      // process at its next request or batch.
      await requestRunCancel(trx, workspace.id, DISCONNECTED_RUN_MESSAGE);
      await audit(trx, this.#options.clock, { workspaceId: workspace.id, actor, action: 'hubspot.disconnected', details: { method: row.method, ...(revoked === undefined ? {} : { refreshTokenRevoked: revoked }) } });
    });
    await this.#forgetClient(workspace.id);
  }

  async view(workspaceId: string): Promise<ConnectionView> {
    const row = await findConnection(this.#options.db, workspaceId);
    const oauthAvailable = this.#options.oauth !== undefined;
    if (!row) {
      return {
        status: 'not_connected',
        method: null,
        source: null,
        portalId: null,
        scopes: [],
        missingOptionalScopes: [],
        tokenPreview: null,
        connectedBy: null,
        connectedAt: null,
        lastError: null,
        oauthAvailable,
        usage: { callsToday: 0, errorsToday: 0, rateLimitedToday: 0, dailyLimit: null },
      };
    }
    const portalId = Number(row.portal_id);
    const scopes = JSON.parse(row.scopes) as string[];
    // The ledger counts every process's calls for the portal; the governor may know more from
    // HubSpot's Daily-Remaining header (other apps on the same portal).
    const today = await this.#ledger.usage(portalId, new Date(this.#options.clock.now()).toISOString().slice(0, 10));
    const snapshot = this.governors.get(portalId)?.snapshot();
    let status = row.status as ConnectionStatus;
    if (status === 'connected' && snapshot?.daily.exhausted) status = 'rate_limited';
    return {
      status,
      method: row.method as 'private_app' | 'oauth',
      source: row.source as 'api' | 'environment',
      portalId,
      scopes,
      missingOptionalScopes: row.method === 'private_app' ? OPTIONAL_SCOPES.filter((s) => !scopes.includes(s)) : [],
      tokenPreview: row.token_hint,
      connectedBy: row.connected_by,
      connectedAt: new Date(row.connected_at).toISOString(),
      lastError: row.last_error,
      oauthAvailable,
      usage: {
        callsToday: Math.max(today.calls, snapshot?.daily.used ?? 0),
        errorsToday: today.errors,
        rateLimitedToday: today.rateLimited,
        dailyLimit: snapshot?.daily.limit ?? (row.method === 'oauth' ? null : 250_000),
      },
    };
  }

  /** Records that HubSpot refused the stored credentials, so health shows it and work pauses. */
  async markCredentialsRefused(workspaceId: string, message: string): Promise<void> {
    const row = await findConnection(this.#options.db, workspaceId);
    if (!row) return;
    const status = row.method === 'oauth' ? 'reconnect_needed' : 'token_invalid';
    const events = this.#options.events;
    await this.#options.db.transaction().execute(async (trx) => {
      await updateConnection(trx, workspaceId, { status, last_error: message, updated_at: this.#options.clock.now() });
      // Told once, when a connection that worked stops working (not on every refused call after).
      if (events && row.status === 'connected') await events.emit(trx, workspaceId, [{ type: 'connection.failed', data: { status, method: row.method, portalId: row.portal_id, message } }]);
    });
  }

  // OAuth 2 ------------------------------------------------------------------------------

  #stateSignature(nonce: string, workspaceId: string): string {
    return this.#options.secrets.sign(`oauth-state.${nonce}.${workspaceId}`).slice(0, 22);
  }

  /**
   * A single-use, expiring, signed authorization link for this workspace. With
   * `authorizationLinkId` the state is bound to that link (authorization-links.ts): completing
   * it marks the link used.
   */
  async startOAuth(workspace: Workspace, userId: string, objectTypes: readonly SyncedObjectType[] = [], authorizationLinkId?: string): Promise<string> {
    const oauth = this.#options.oauth;
    if (!oauth) throw new AppError('OAUTH_NOT_CONFIGURED', 'OAuth is not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.');
    const nonce = randomBytes(18).toString('base64url');
    const state = `${nonce}.${this.#stateSignature(nonce, workspace.id)}`;
    await insertOAuthState(this.#options.db, {
      stateHash: sha256(state),
      workspaceId: workspace.id,
      userId,
      expiresAt: this.#options.clock.now() + OAUTH_STATE_TTL_MS,
      authorizationLinkId: authorizationLinkId ?? null,
    });
    const url = new URL(oauth.authorizeUrl);
    url.searchParams.set('client_id', oauth.clientId);
    url.searchParams.set('redirect_uri', oauth.redirectUrl);
    // Only what the workspace syncs (seed 004): contacts, and the types an admin turned on.
    url.searchParams.set('scope', ['oauth', ...scopesFor(['contacts', ...objectTypes])].join(' '));
    url.searchParams.set('optional_scope', [...OPTIONAL_SCOPES, OWNERS_SCOPE].join(' '));
    url.searchParams.set('state', state);
    return url.toString();
  }

  /** Whether an OAuth state (used or not) was started from an authorization link: the callback then answers that person's page. */
  async startedFromAuthorizationLink(state: string): Promise<boolean> {
    return (await findOAuthStateLink(this.#options.db, sha256(state))) !== null;
  }

  /**
   * Handles HubSpot's redirect: checks the state, exchanges the code, stores the tokens. A state
   * started from an authorization link must find the link still active, and marks it used in the
   * transaction that stores the connection (so it connects once).
   */
  async completeOAuth(code: string, state: string): Promise<{ workspace: Workspace; authorizationLinkId: string | null }> {
    const oauth = this.#options.oauth;
    if (!oauth) throw new AppError('OAUTH_NOT_CONFIGURED', 'OAuth is not configured.');
    const consumed = await consumeOAuthState(this.#options.db, sha256(state), this.#options.clock.now());
    const [nonce, signature] = state.split('.');
    if (!consumed || !nonce || signature !== this.#stateSignature(nonce, consumed.workspaceId)) {
      throw new AppError('OAUTH_STATE_INVALID', 'This authorization link is invalid, expired or already used. Start again from the Connection tab.');
    }
    const workspace = await findWorkspaceById(this.#options.db, consumed.workspaceId);
    if (!workspace) throw new AppError('NOT_FOUND', 'Workspace was not found.');
    const linkId = consumed.authorizationLinkId;
    // Revoked or expired since the person pressed Approve: refused before the code is exchanged.
    if (linkId) {
      const problem = authorizationLinkProblem(await findAuthorizationLink(this.#options.db, linkId), this.#options.clock.now());
      if (problem) throw problem;
    }
    const client = createHubSpotOAuthClient({ baseUrl: this.#options.baseUrl, clock: this.#options.clock });
    try {
      const tokens = await client.exchangeAuthorizationCode({ clientId: oauth.clientId, clientSecret: oauth.clientSecret, code, redirectUri: oauth.redirectUrl });
      const info = await client.getAccessTokenInfo(tokens.access_token);
      const now = this.#options.clock.now();
      // Through a link, the approving person has no hubsync account: HubSpot's user names them.
      const actor: Actor = linkId ? { type: 'user', id: null, label: `${info.user ?? 'HubSpot user'} (authorization link)` } : { type: 'user', id: consumed.userId, label: info.user ?? consumed.userId };
      await this.#options.db.transaction().execute(async (trx) => {
        if (linkId) {
          if (!(await markAuthorizationLinkUsed(trx, linkId, now, { portalId: info.hub_id, connectedBy: info.user ?? null }))) {
            throw authorizationLinkProblem(await findAuthorizationLink(trx, linkId), now) ?? new AppError('AUTHORIZATION_LINK_USED', 'This authorization link was already used.');
          }
          await audit(trx, this.#options.clock, {
            workspaceId: workspace.id,
            actor,
            action: 'hubspot.authorization_link.used',
            target: { type: 'authorization_link', id: linkId },
            details: { portalId: info.hub_id, hubspotUser: info.user ?? null },
          });
        }
        await saveConnection(trx, {
          workspace_id: workspace.id,
          method: 'oauth',
          source: 'api',
          portal_id: info.hub_id,
          scopes: JSON.stringify((info as { scopes?: string[] }).scopes ?? OAUTH_SCOPES),
          secret_enc: this.#options.secrets.encrypt(tokens.refresh_token),
          access_token_enc: this.#options.secrets.encrypt(tokens.access_token),
          access_expires_at: refreshAt(now, tokens.expires_in),
          token_hint: tokenHint(tokens.refresh_token),
          status: 'connected',
          last_error: null,
          connected_by: info.user ?? actor.label,
          connected_at: now,
          updated_at: now,
        });
        await audit(trx, this.#options.clock, { workspaceId: workspace.id, actor, action: 'hubspot.connected', details: { method: 'oauth', portalId: info.hub_id, ...(linkId ? { authorizationLinkId: linkId } : {}) } });
      });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw hubspotProblem(error, 'finish the authorization');
    } finally {
      await client.close();
    }
    await this.#forgetClient(workspace.id);
    for (const listener of this.#connectedListeners) listener(workspace.id);
    return { workspace, authorizationLinkId: linkId };
  }

  #oauthProvider(workspaceId: string): AccessTokenProvider {
    const current = async (): Promise<{ token: string; expiresAt: number } | undefined> => {
      const row = await findConnection(this.#options.db, workspaceId);
      if (!row?.access_token_enc || row.access_expires_at === null) return undefined;
      return { token: this.#options.secrets.decrypt(row.access_token_enc), expiresAt: Number(row.access_expires_at) };
    };
    return {
      getAccessToken: async () => {
        const pending = this.#refreshes.get(workspaceId);
        if (pending) return pending;
        const stored = await current();
        if (stored && stored.expiresAt > this.#options.clock.now()) return stored.token;
        return this.#refresh(workspaceId);
      },
      refreshAfterUnauthorized: async (rejected) => {
        const pending = this.#refreshes.get(workspaceId);
        if (pending) return pending.catch(() => null);
        const stored = await current();
        // Someone else already refreshed: use their token instead of refreshing again.
        if (stored && stored.token !== rejected) return stored.token;
        return this.#refresh(workspaceId).catch(() => null);
      },
    };
  }

  /** One refresh in flight per connection; every waiting call gets its result. */
  #refresh(workspaceId: string): Promise<string> {
    const existing = this.#refreshes.get(workspaceId);
    if (existing) return existing;
    const run = (async () => {
      const oauth = this.#options.oauth;
      const row = await findConnection(this.#options.db, workspaceId);
      if (!oauth || !row) throw new AppError('HUBSPOT_NOT_CONNECTED', 'HubSpot is not connected.');
      const client = createHubSpotOAuthClient({ baseUrl: this.#options.baseUrl, clock: this.#options.clock });
      try {
        const tokens = await client.refreshAccessToken({ clientId: oauth.clientId, clientSecret: oauth.clientSecret, refreshToken: this.#options.secrets.decrypt(row.secret_enc), redirectUri: oauth.redirectUrl });
        const now = this.#options.clock.now();
        await updateConnection(this.#options.db, workspaceId, {
          access_token_enc: this.#options.secrets.encrypt(tokens.access_token),
          access_expires_at: refreshAt(now, tokens.expires_in),
          ...(tokens.refresh_token ? { secret_enc: this.#options.secrets.encrypt(tokens.refresh_token) } : {}),
          status: 'connected',
          last_error: null,
          updated_at: now,
        });
        return tokens.access_token;
      } catch (error) {
        if (isHubSpotApiError(error) && !error.retryable) {
          await this.markCredentialsRefused(workspaceId, `HubSpot refused the refresh token: ${error.hubspotMessage ?? error.message}. Reconnect HubSpot.`);
        }
        throw error;
      } finally {
        await client.close();
      }
    })();
    this.#refreshes.set(workspaceId, run);
    void run.then(
      () => this.#refreshes.delete(workspaceId),
      () => this.#refreshes.delete(workspaceId),
    );
    return run;
  }

  async close(): Promise<void> {
    for (const { client } of this.#clients.values()) await client.close();
    this.#clients.clear();
    await this.governors.close();
    await this.#ledger.flush?.();
  }
}
