// Composes the transport and the endpoint groups into the client the rest of hubsync uses.

import type { Dispatcher } from 'undici';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import type { AccessTokenProvider } from './access-token.js';
import { createAccountApi, createOAuthApi, type AccountApi, type OAuthApi } from './account-api.js';
import { createAssociationsApi, type AssociationsApi } from './associations-api.js';
import type { CallHook } from './call-recorder.js';
import { createPipelinesApi, createPropertiesApi, type PipelinesApi, type PropertiesApi } from './crm-settings-api.js';
import { createKeepAliveAgent, HttpTransport } from './http-transport.js';
import type { ObjectType } from './hubspot-types.js';
import { createEventsApi, type EventsApi } from './events-api.js';
import { createListsApi, type ListsApi } from './lists-api.js';
import { createOwnersApi, type OwnersApi } from './owners-api.js';
import { createCompaniesApi, createContactsApi, createObjectsApi, type CompaniesApi, type ContactsApi, type ObjectsApi } from './objects-api.js';
import { createRateGovernor, RATE_LIMIT_TIERS, type CallPriority, type RateGovernor } from './rate-governor.js';
import type { RetrySettings } from './retry-policy.js';

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface HubSpotClientOptions {
  auth: AccessTokenProvider;
  /** Default `https://api.hubapi.com`; the sandbox's URL in tests. */
  baseUrl?: string;
  /** Reported in call records. */
  portalId?: number;
  /**
   * The portal's shared governor (from a registry). Without one the client builds its own
   * with free-tier limits, which it then adjusts from the response headers.
   */
  governor?: RateGovernor;
  clock?: Clock;
  /** Uniform [0, 1) source for backoff jitter. */
  random?: () => number;
  /** Per-attempt timeout. Default 30 s. */
  timeoutMs?: number;
  /** Total attempts per call including the first. Default 6. */
  maxAttempts?: number;
  /** Backoff tuning; `maxAttempts` above wins over `retry.maxAttempts`. */
  retry?: Partial<RetrySettings>;
  /** Called once per HTTP attempt. */
  onCall?: CallHook;
  /** Priority for calls that do not pass one. Default `background`. */
  defaultPriority?: CallPriority;
  /** An undici dispatcher; by default the client owns a keep-alive Agent (closed by `close()`). */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Once aborted, every call (in flight, waiting or new) fails with HUBSPOT_ABORTED. */
  signal?: AbortSignal;
}

export interface HubSpotClient {
  readonly portalId: number | undefined;
  readonly governor: RateGovernor;
  objects(objectType: ObjectType): ObjectsApi;
  readonly contacts: ContactsApi;
  readonly companies: CompaniesApi;
  readonly deals: ObjectsApi;
  /** Create notes with `associations` to attach them (see ASSOCIATION_TYPE_IDS). */
  readonly notes: ObjectsApi;
  readonly properties: PropertiesApi;
  readonly pipelines: PipelinesApi;
  /** Owners v3 (scope crm.objects.owners.read). */
  readonly owners: OwnersApi;
  readonly associations: AssociationsApi;
  readonly lists: ListsApi;
  /** Custom behavioral events (Enterprise hubs only). */
  readonly events: EventsApi;
  readonly account: AccountApi;
  readonly oauth: OAuthApi;
  /** Closes the keep-alive connections the client opened (not a dispatcher passed in). */
  close(): Promise<void>;
}

function buildTransport(options: Omit<HubSpotClientOptions, 'auth'> & { auth?: AccessTokenProvider }): {
  transport: HttpTransport;
  governor: RateGovernor;
  close: () => Promise<void>;
} {
  const clock = options.clock ?? systemClock;
  const governor =
    options.governor ??
    createRateGovernor({ clock, limits: RATE_LIMIT_TIERS.free, ...(options.portalId === undefined ? {} : { portalId: options.portalId }) });
  const ownedAgent = options.dispatcher === undefined ? createKeepAliveAgent() : undefined;
  const dispatcher = options.dispatcher ?? ownedAgent;
  if (dispatcher === undefined) throw new Error('unreachable: no dispatcher');
  const retry: Partial<RetrySettings> = { ...options.retry };
  if (options.maxAttempts !== undefined) retry.maxAttempts = options.maxAttempts;
  const transport = new HttpTransport({
    baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
    auth: options.auth,
    portalId: options.portalId,
    governor,
    clock,
    random: options.random ?? Math.random,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry,
    onCall: options.onCall,
    defaultPriority: options.defaultPriority ?? 'background',
    dispatcher,
    userAgent: options.userAgent ?? 'hubsync',
    signal: options.signal,
  });
  return { transport, governor, close: async () => ownedAgent?.close() };
}

/**
 * The HubSpot API client.
 *
 * @example
 * const client = createHubSpotClient({ auth: staticToken(process.env.HUBSPOT_TOKEN), portalId,
 *   governor: registry.forPortal(portalId, 'pro') });
 * const { results, errors } = await client.contacts.batchUpsert(
 *   [{ idProperty: 'email', id: 'ada@example.com', properties: { firstname: 'Ada' } }], { tag: runId });
 */
export function createHubSpotClient(options: HubSpotClientOptions): HubSpotClient {
  const { transport, governor, close } = buildTransport(options);
  const objectApis = new Map<ObjectType, ObjectsApi>();
  const contacts = createContactsApi(transport);
  objectApis.set('contacts', contacts);
  const companies = createCompaniesApi(transport);
  objectApis.set('companies', companies);
  const objects = (objectType: ObjectType): ObjectsApi => {
    let api = objectApis.get(objectType);
    if (api === undefined) {
      api = createObjectsApi(transport, objectType);
      objectApis.set(objectType, api);
    }
    return api;
  };
  return {
    portalId: options.portalId,
    governor,
    objects,
    contacts,
    companies,
    deals: objects('deals'),
    notes: objects('notes'),
    properties: createPropertiesApi(transport),
    pipelines: createPipelinesApi(transport),
    owners: createOwnersApi(transport),
    associations: createAssociationsApi(transport),
    lists: createListsApi(transport),
    events: createEventsApi(transport),
    account: createAccountApi(transport),
    oauth: createOAuthApi(transport),
    close,
  };
}

export type HubSpotOAuthClientOptions = Omit<HubSpotClientOptions, 'auth' | 'governor' | 'portalId' | 'defaultPriority'>;

/**
 * Only the OAuth token endpoints, for code that has no access token yet (the install flow,
 * an OAuth AccessTokenProvider refreshing its token).
 */
export function createHubSpotOAuthClient(options: HubSpotOAuthClientOptions = {}): OAuthApi & { close(): Promise<void> } {
  const { transport, close } = buildTransport(options);
  return { ...createOAuthApi(transport), close };
}
