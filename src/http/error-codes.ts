// The one table from error code to HTTP status. Every error leaves the API through
// renderError() as { error: { code, message, details? } }.
import type { AppErrorCode } from '../lib/index.js';

export const STATUS_BY_CODE: Record<AppErrorCode, number> = {
  VALIDATION_FAILED: 400,
  /** More items in one call than the route takes (the limit is in details). */
  BULK_LIMIT_EXCEEDED: 400,
  INVALID_JSON: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  WEBHOOK_SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  SYNC_ALREADY_RUNNING: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  UNPROCESSABLE: 422,
  EMAIL_MAPPING_LOCKED: 422,
  MAPPING_INVALID: 422,
  /** A HubSpot property whose type no local custom field type can hold (a field cannot be made from it). */
  PROPERTY_TYPE_UNSUPPORTED: 422,
  HUBSPOT_NOT_CONNECTED: 409,
  HUBSPOT_MISSING_SCOPES: 422,
  HUBSPOT_REJECTED: 422,
  HUBSPOT_PORTAL_MISMATCH: 422,
  HUBSPOT_UNAVAILABLE: 502,
  /** A write-through edit HubSpot could not take now (unreachable, out of budget, not connected): nothing was saved. */
  WRITE_THROUGH_UNAVAILABLE: 503,
  /** GET /api/health/ready: the database or the job backend did not answer (details.checks says which). */
  NOT_READY: 503,
  OAUTH_NOT_CONFIGURED: 409,
  OAUTH_STATE_INVALID: 400,
  RATE_LIMITED: 429,
  LOGIN_THROTTLED: 429,
  INVITATION_INVALID: 404,
  /** An authorization link (issue 17) whose token matches none. */
  AUTHORIZATION_LINK_NOT_FOUND: 404,
  /** An authorization link past its validity: the admin makes a new one. */
  AUTHORIZATION_LINK_EXPIRED: 410,
  /** An authorization link already used to connect (single use). */
  AUTHORIZATION_LINK_USED: 410,
  /** An authorization link an admin revoked. */
  AUTHORIZATION_LINK_REVOKED: 410,
  /** A password reset link that was used, replaced, or has expired (or never existed). */
  PASSWORD_RESET_INVALID: 404,
  /** Demoting or removing the workspace's only admin. */
  LAST_ADMIN: 409,
  /** A merge of a record with itself. */
  MERGE_SAME_RECORD: 400,
  /** A merge of records of two types (a customer with an organization). */
  MERGE_TYPE_MISMATCH: 400,
  /** A merge of a deleted (or already merged-away) record. */
  MERGE_RECORD_DELETED: 409,
  /** HubSpot refused to merge the two linked records: nothing was merged locally either. */
  HUBSPOT_MERGE_REFUSED: 422,
  /** A webhook endpoint URL that is not http(s), does not resolve, or resolves to a private, loopback or link-local address (without HUBSYNC_WEBHOOKS_ALLOW_PRIVATE=on). */
  WEBHOOK_URL_REFUSED: 422,
  INTERNAL: 500,
};
