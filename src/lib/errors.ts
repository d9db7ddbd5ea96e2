// Expected failures carry a stable string code; the HTTP layer turns codes into statuses with
// one table (src/http/error-codes.ts). Bugs stay plain Errors and become a 500 without details.

export type AppErrorCode =
  | 'VALIDATION_FAILED'
  | 'BULK_LIMIT_EXCEEDED'
  | 'INVALID_JSON'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'WEBHOOK_SIGNATURE_INVALID'
  | 'FORBIDDEN'
  | 'CSRF_FAILED'
  | 'NOT_FOUND'
  | 'ROUTE_NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'SYNC_ALREADY_RUNNING'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'UNPROCESSABLE'
  | 'EMAIL_MAPPING_LOCKED'
  | 'MAPPING_INVALID'
  | 'PROPERTY_TYPE_UNSUPPORTED'
  | 'HUBSPOT_NOT_CONNECTED'
  | 'HUBSPOT_MISSING_SCOPES'
  | 'HUBSPOT_REJECTED'
  | 'HUBSPOT_PORTAL_MISMATCH'
  | 'HUBSPOT_UNAVAILABLE'
  | 'WRITE_THROUGH_UNAVAILABLE'
  | 'NOT_READY'
  | 'OAUTH_NOT_CONFIGURED'
  | 'OAUTH_STATE_INVALID'
  | 'RATE_LIMITED'
  | 'LOGIN_THROTTLED'
  | 'INVITATION_INVALID'
  | 'AUTHORIZATION_LINK_NOT_FOUND'
  | 'AUTHORIZATION_LINK_EXPIRED'
  | 'AUTHORIZATION_LINK_USED'
  | 'AUTHORIZATION_LINK_REVOKED'
  | 'PASSWORD_RESET_INVALID'
  | 'LAST_ADMIN'
  | 'MERGE_SAME_RECORD'
  | 'MERGE_TYPE_MISMATCH'
  | 'MERGE_RECORD_DELETED'
  | 'HUBSPOT_MERGE_REFUSED'
  | 'WEBHOOK_URL_REFUSED'
  | 'INTERNAL';

export interface ErrorDetails {
  [key: string]: unknown;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: AppErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} was not found.`);
}

export function validationFailed(field: string, message: string, extra?: ErrorDetails): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field, ...extra });
}
