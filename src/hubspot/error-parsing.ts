// Pure readers for HubSpot's error bodies. HubSpot packs useful structure into strings
// (validation details as JSON inside `message`, the existing id inside a 409 message); these
// helpers pull it out so the sync engine can act on it without string matching of its own.

/** The JSON error body HubSpot returns on 4xx/5xx; every field is optional in practice. */
export interface HubSpotErrorBody {
  status?: string;
  message?: string;
  correlationId?: string;
  category?: string;
  subCategory?: string;
  errorType?: string;
  policyName?: string;
  errors?: HubSpotErrorDetail[];
  context?: Record<string, unknown>;
  links?: Record<string, string>;
}

export interface HubSpotErrorDetail {
  message: string;
  code?: string;
  in?: string;
  subCategory?: string;
  context?: Record<string, unknown>;
}

/** One property that HubSpot rejected, from a 400 `VALIDATION_ERROR`. */
export interface PropertyValidationError {
  /** Property name, e.g. `email`. */
  name: string;
  /** HubSpot's error kind, e.g. `INVALID_EMAIL`, `INVALID_OPTION`, `PROPERTY_DOESNT_EXIST`. */
  error: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads an unknown decoded body into the error shape, keeping only fields of the right type.
 * Returns an empty object for anything that is not a JSON object (HTML error pages, empty bodies).
 */
export function readErrorBody(body: unknown): HubSpotErrorBody {
  if (!isRecord(body)) return {};
  const out: HubSpotErrorBody = {};
  for (const key of ['status', 'message', 'correlationId', 'category', 'subCategory', 'errorType', 'policyName'] as const) {
    const value = optionalString(body[key]);
    if (value !== undefined) out[key] = value;
  }
  if (Array.isArray(body.errors)) {
    out.errors = body.errors.filter(isRecord).map((raw) => {
      const detail: HubSpotErrorDetail = { message: optionalString(raw.message) ?? '' };
      const code = optionalString(raw.code);
      if (code !== undefined) detail.code = code;
      const where = optionalString(raw.in);
      if (where !== undefined) detail.in = where;
      const sub = optionalString(raw.subCategory);
      if (sub !== undefined) detail.subCategory = sub;
      if (isRecord(raw.context)) detail.context = raw.context;
      return detail;
    });
  }
  if (isRecord(body.context)) out.context = body.context;
  if (isRecord(body.links)) {
    out.links = Object.fromEntries(
      Object.entries(body.links).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  }
  return out;
}

const VALIDATION_PREFIX = 'Property values were not valid:';

/**
 * Parses the per-property list HubSpot embeds in a validation message.
 *
 * @example
 * parseValidationErrors('Property values were not valid: [{"isValid":false,"message":"Email address x is invalid","error":"INVALID_EMAIL","name":"email"}]')
 * // → [{ name: 'email', error: 'INVALID_EMAIL', message: 'Email address x is invalid' }]
 *
 * Returns `[]` when the message is not of that form or the embedded JSON is cut off
 * (HubSpot and proxies sometimes truncate long messages).
 */
export function parseValidationErrors(message: string | undefined): PropertyValidationError[] {
  if (message === undefined) return [];
  const at = message.indexOf(VALIDATION_PREFIX);
  if (at < 0) return [];
  const json = message.slice(at + VALIDATION_PREFIX.length).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: PropertyValidationError[] = [];
  for (const item of parsed) {
    if (!isRecord(item)) continue;
    const name = optionalString(item.name);
    const error = optionalString(item.error);
    if (name === undefined || error === undefined) continue;
    out.push({ name, error, message: optionalString(item.message) ?? optionalString(item.localizedErrorMessage) ?? '' });
  }
  return out;
}

/**
 * Pulls the existing record id out of a 409 conflict message.
 *
 * @example parseExistingContactId('Contact already exists. Existing ID: 37765128953') // → '37765128953'
 */
export function parseExistingContactId(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const match = /Existing ID:\s*(\d+)/i.exec(message);
  return match?.[1];
}

/**
 * The scopes a 403 `MISSING_SCOPES` asks for. Newer bodies list granular scopes under
 * `errors[].context.requiredGranularScopes`, older ones under `requiredScopes`.
 */
export function parseRequiredScopes(body: HubSpotErrorBody): string[] {
  const scopes = new Set<string>();
  for (const detail of body.errors ?? []) {
    for (const key of ['requiredGranularScopes', 'requiredScopes']) {
      const list = detail.context?.[key];
      if (Array.isArray(list)) for (const scope of list) if (typeof scope === 'string') scopes.add(scope);
    }
  }
  return [...scopes];
}
