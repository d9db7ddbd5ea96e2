// HubSpot API client: the only way hubsync talks to HubSpot. Rate-governed per portal,
// retries transient failures, classifies every response once, never leaks a token.
// See docs/hubspot-client.md.

export { createHubSpotClient, createHubSpotOAuthClient, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from './hubspot-client.js';
export type { HubSpotClient, HubSpotClientOptions, HubSpotOAuthClientOptions } from './hubspot-client.js';
export type { CallOptions } from './http-transport.js';

export { staticToken, type AccessTokenProvider } from './access-token.js';

export { HubSpotApiError, HUBSPOT_ERROR_CODES, isHubSpotApiError } from './errors.js';
export type { HubSpotApiErrorInit, HubSpotErrorCode } from './errors.js';
export { parseExistingContactId, parseRequiredScopes, parseValidationErrors, readErrorBody } from './error-parsing.js';
export type { HubSpotErrorBody, HubSpotErrorDetail, PropertyValidationError } from './error-parsing.js';

export { classifyOutcome, decideRetry, DEFAULT_RETRY_SETTINGS, rateLimitWaitMs } from './retry-policy.js';
export type {
  AttemptOutcome,
  OutcomeClassification,
  RateLimitPolicy,
  RetryDecision,
  RetryInput,
  RetrySettings,
} from './retry-policy.js';
export { parseRateLimitHeaders, parseRetryAfterMs, type HeaderMap, type RateLimitHeaders } from './rate-limit-headers.js';

export { createRateGovernor, createRateGovernorRegistry, RATE_LIMIT_TIERS } from './rate-governor.js';
export type {
  AcquireOptions,
  CallPriority,
  LaneSnapshot,
  RateGovernor,
  RateGovernorOptions,
  RateGovernorRegistry,
  RateGovernorRegistryOptions,
  RateGovernorSnapshot,
  RateLane,
  RateLimits,
  RateLimitTier,
  RateObservation,
  RatePermit,
} from './rate-governor.js';

export { createMemoryRateLedger } from './rate-ledger.js';
export type { DailyUsage, PauseLane, RateLedger, SlotReleaseRequest, SlotReservation, SlotReserveRequest } from './rate-ledger.js';

export { emailRefusalReason, hubSpotAcceptsEmail, invalidEmailMessage } from './email-rule.js';

export { createDailyCallCounter } from './call-recorder.js';
export type { CallHook, CallRecord, DailyCallCounter, DailyCallCounts } from './call-recorder.js';

export { ASSOCIATION_TYPE_IDS } from './associations-api.js';
export type { AssociationsApi } from './associations-api.js';
export type { CompaniesApi, ContactsApi, ObjectsApi, GetObjectOptions, ListObjectsOptions, BatchReadOptions, ReadOptions } from './objects-api.js';
export type { PropertiesApi, PipelinesApi, UniquePropertyDefinition } from './crm-settings-api.js';
export type { ListsApi } from './lists-api.js';
export { EVENT_BATCH_LIMIT, EVENT_DEFINITIONS_SCOPE, EVENT_SEND_SCOPE } from './events-api.js';
export type { EventDefinition, EventDefinitionCreate, EventOccurrence, EventPropertyDefinition, EventsApi } from './events-api.js';
export type { OwnersApi, ListOwnersOptions } from './owners-api.js';
export type { AccountApi, OAuthApi, OAuthClientCredentials } from './account-api.js';
export type * from './hubspot-types.js';

export {
  checkWebhookSignature,
  recordChangeOf,
  signedUri,
  webhookSignatureV3,
  WEBHOOK_MAX_AGE_MS,
  WEBHOOK_MAX_EVENTS,
  type WebhookEvent,
  type WebhookRecordChange,
  type WebhookSignatureCheck,
  type WebhookSignatureInput,
} from './webhooks.js';
