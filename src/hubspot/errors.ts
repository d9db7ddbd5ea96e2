// The one error type the HubSpot client throws for expected failures. Callers branch on the
// stable `code`; the HubSpot-side details (message, category, correlation id) ride along for
// logs and the sync log. Nothing here ever holds a request header or body, so an access token
// cannot leak through an error.

import type { HubSpotErrorDetail, PropertyValidationError } from './error-parsing.js';

/** Stable error codes. Add new ones at the end; callers and the docs table depend on them. */
export const HUBSPOT_ERROR_CODES = [
  'HUBSPOT_VALIDATION_ERROR',
  'HUBSPOT_BAD_REQUEST',
  'HUBSPOT_UNAUTHORIZED',
  'HUBSPOT_TOKEN_EXPIRED',
  'HUBSPOT_MISSING_SCOPES',
  'HUBSPOT_FORBIDDEN',
  'HUBSPOT_NOT_FOUND',
  'HUBSPOT_CONFLICT',
  'HUBSPOT_LOCKED',
  'HUBSPOT_RATE_LIMITED',
  'HUBSPOT_DAILY_LIMIT_REACHED',
  'HUBSPOT_DAILY_BUDGET_RESERVED',
  'HUBSPOT_OAUTH_INVALID_GRANT',
  'HUBSPOT_UNAVAILABLE',
  'HUBSPOT_TIMEOUT',
  'HUBSPOT_NETWORK',
  'HUBSPOT_ABORTED',
  'HUBSPOT_INVALID_RESPONSE',
] as const;

export type HubSpotErrorCode = (typeof HUBSPOT_ERROR_CODES)[number];

export interface HubSpotApiErrorInit {
  code: HubSpotErrorCode;
  /** Short human sentence; must not contain secrets. */
  message: string;
  method?: string;
  /** Route template, e.g. `/crm/v3/objects/{objectType}/{objectId}` — never the filled-in URL. */
  route?: string;
  status?: number;
  category?: string;
  subCategory?: string;
  hubspotMessage?: string;
  correlationId?: string;
  policyName?: string;
  errors?: HubSpotErrorDetail[];
  requiredScopes?: string[];
  validationErrors?: PropertyValidationError[];
  existingObjectId?: string;
  retryable: boolean;
  maybeApplied?: boolean;
  attempts?: number;
  cause?: unknown;
}

export class HubSpotApiError extends Error {
  override readonly name = 'HubSpotApiError';
  readonly code: HubSpotErrorCode;
  readonly method: string | undefined;
  readonly route: string | undefined;
  readonly status: number | undefined;
  readonly category: string | undefined;
  readonly subCategory: string | undefined;
  readonly hubspotMessage: string | undefined;
  readonly correlationId: string | undefined;
  readonly policyName: string | undefined;
  readonly errors: readonly HubSpotErrorDetail[];
  /** For `HUBSPOT_MISSING_SCOPES`: the scopes HubSpot says the call needs. */
  readonly requiredScopes: readonly string[];
  /** For `HUBSPOT_VALIDATION_ERROR`: the per-property errors parsed from the message. */
  readonly validationErrors: readonly PropertyValidationError[];
  /** For `HUBSPOT_CONFLICT` on contacts: the id of the contact that already has the email. */
  readonly existingObjectId: string | undefined;
  /** True when trying again later may succeed (the client already retried up to its bound). */
  readonly retryable: boolean;
  /**
   * True when a non-idempotent request (a plain create) may have been applied even though no
   * success came back — a timeout or dropped connection after sending. Reconcile before
   * creating again.
   */
  readonly maybeApplied: boolean;
  /** HTTP attempts made, 0 when the client refused before sending (e.g. daily budget). */
  readonly attempts: number;

  constructor(init: HubSpotApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.method = init.method;
    this.route = init.route;
    this.status = init.status;
    this.category = init.category;
    this.subCategory = init.subCategory;
    this.hubspotMessage = init.hubspotMessage;
    this.correlationId = init.correlationId;
    this.policyName = init.policyName;
    this.errors = init.errors ?? [];
    this.requiredScopes = init.requiredScopes ?? [];
    this.validationErrors = init.validationErrors ?? [];
    this.existingObjectId = init.existingObjectId;
    this.retryable = init.retryable;
    this.maybeApplied = init.maybeApplied ?? false;
    this.attempts = init.attempts ?? 0;
  }

  /** A plain object for structured logs and API responses. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      method: this.method,
      route: this.route,
      status: this.status,
      category: this.category,
      subCategory: this.subCategory,
      hubspotMessage: this.hubspotMessage,
      correlationId: this.correlationId,
      policyName: this.policyName,
      errors: this.errors,
      requiredScopes: this.requiredScopes,
      validationErrors: this.validationErrors,
      existingObjectId: this.existingObjectId,
      retryable: this.retryable,
      maybeApplied: this.maybeApplied,
      attempts: this.attempts,
    };
  }
}

export function isHubSpotApiError(value: unknown, code?: HubSpotErrorCode): value is HubSpotApiError {
  return value instanceof HubSpotApiError && (code === undefined || value.code === code);
}
