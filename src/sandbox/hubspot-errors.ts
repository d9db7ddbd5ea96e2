// HubSpot's error bodies, built in one place so every route answers with the same shapes and
// wording as the real API (see /work/shared/HUBSPOT-API.md "Error bodies"). A route throws an
// `ApiError`; the server adds the correlation id and writes it out.

export type ErrorBody = Record<string, unknown>;

/** HubSpot's `message`, or the control API's `error.message`. */
function messageOf(body: ErrorBody): string | undefined {
  if (typeof body['message'] === 'string') return body['message'];
  const inner = body['error'];
  return typeof inner === 'object' && inner !== null && typeof (inner as Record<string, unknown>)['message'] === 'string' ? String((inner as Record<string, unknown>)['message']) : undefined;
}

/** A failure a route wants rendered as a HubSpot error response. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: ErrorBody, headers: Record<string, string> = {}) {
    super(messageOf(body) ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** One entry of the JSON array HubSpot embeds in "Property values were not valid: [...]". */
export interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage?: string;
  portalId?: number;
}

function error(status: number, category: string, message: string, extra: ErrorBody = {}): ApiError {
  return new ApiError(status, { status: 'error', message, category, ...extra });
}

export function validationError(message: string, extra: ErrorBody = {}): ApiError {
  return error(400, 'VALIDATION_ERROR', message, extra);
}

/** The body for invalid property values; the message embeds the problems as JSON, like HubSpot. */
export function propertyValuesError(problems: PropertyProblem[]): ApiError {
  return validationError(propertyValuesMessage(problems), propertyErrorsExtra(problems));
}

export function propertyValuesMessage(problems: PropertyProblem[]): string {
  return `Property values were not valid: ${JSON.stringify(problems)}`;
}

export function propertyErrorsExtra(problems: PropertyProblem[]): ErrorBody {
  const missing = problems.filter((p) => p.error === 'PROPERTY_DOESNT_EXIST');
  if (missing.length === 0) return {};
  return {
    errors: missing.map((p) => ({
      message: p.message,
      code: 'PROPERTY_DOESNT_EXIST',
      context: { propertyName: [p.name] },
    })),
  };
}

export function conflictError(existingId: string): ApiError {
  return error(409, 'CONFLICT', `Contact already exists. Existing ID: ${existingId}`);
}

/**
 * A write that would give a second record a value a unique property already holds. HubSpot's
 * exact wording for custom unique properties is not on record; this follows its contact
 * conflict (409 CONFLICT, "… Existing ID: N", the newer form naming the property in errors[]).
 */
export function uniqueValueConflict(label: string, property: string, value: string, existingId: string): ApiError {
  return error(409, 'CONFLICT', `A ${label} with ${property} ${value} already exists. Existing ID: ${existingId}`, {
    errors: [{ message: `${property} must be unique; ${value} belongs to ${label} ${existingId}.`, in: property }],
  });
}

/** The 400 HubSpot answers when update/upsert names an idProperty whose values are not unique. */
export function nonUniqueIdPropertyError(objectTypeId: string, property: string, portalId: number): ApiError {
  return validationError(`Unable to perform update/upsert by non-unique ${objectTypeId} property ${property} in portal ID ${portalId}`);
}

export function notFoundError(message = 'resource not found'): ApiError {
  return error(404, 'OBJECT_NOT_FOUND', message);
}

export function invalidAuthentication(): ApiError {
  return new ApiError(
    401,
    {
      status: 'error',
      message:
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      category: 'INVALID_AUTHENTICATION',
    },
    { 'x-hubspot-auth-failure': '401 Unauthorized' },
  );
}

export function expiredAuthentication(secondsAgo: number): ApiError {
  return new ApiError(
    401,
    {
      status: 'error',
      message: `The OAuth token used to make this call expired ${secondsAgo} second(s) ago.`,
      category: 'EXPIRED_AUTHENTICATION',
    },
    { 'x-hubspot-auth-failure': '401 Unauthorized' },
  );
}

export function missingScopes(required: string[]): ApiError {
  return error(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [
        { message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: required } },
      ],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}

export function burstLimitError(groupName: string): ApiError {
  return new ApiError(429, {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    policyName: 'TEN_SECONDLY_ROLLING',
    groupName,
  });
}

export function dailyLimitError(): ApiError {
  return new ApiError(429, {
    status: 'error',
    message: 'You have reached your daily limit.',
    errorType: 'RATE_LIMIT',
    policyName: 'DAILY',
  });
}

export function searchLimitError(): ApiError {
  return error(429, 'RATE_LIMITS', 'You have reached your secondly limit.');
}

/** Answers for injected 5xx faults; HubSpot's own gateways send short bodies like these. */
export function serverFault(status: number): ApiError {
  const messages: Record<number, string> = {
    500: 'internal error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return error(status, 'INTERNAL_ERROR', messages[status] ?? 'internal error');
}

export function batchLimitError(max: number): ApiError {
  return validationError(`Batch input limit exceeded: a batch request can have at most ${max} inputs.`);
}

/**
 * Why the server refused a request before any handler ran: too large (413), a media type the
 * route does not take (415), a body that did not arrive in time (408) or that is not the JSON
 * the route needs (400). The wording is ours; HubSpot's API gateway has its own.
 */
export type RequestRefusal = 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'REQUEST_TIMEOUT' | 'INVALID_JSON';

const REFUSAL_STATUS: Record<RequestRefusal, number> = {
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TIMEOUT: 408,
  INVALID_JSON: 400,
};

/**
 * A refusal in HubSpot's error shape (`category` VALIDATION_ERROR, or TIMEOUT for 408), or in
 * the control API's `{ error: { code, message } }` shape.
 */
export function requestRefusal(kind: RequestRefusal, message: string, shape: 'hubspot' | 'control'): ApiError {
  const status = REFUSAL_STATUS[kind];
  if (shape === 'control') return new ApiError(status, { error: { code: kind, message } });
  return error(status, kind === 'REQUEST_TIMEOUT' ? 'TIMEOUT' : 'VALIDATION_ERROR', message);
}

/** OAuth endpoints use their own body shape: `{ status: CODE, message }`. */
export function oauthError(code: string, message: string, status = 400): ApiError {
  return new ApiError(status, { status: code, message });
}
