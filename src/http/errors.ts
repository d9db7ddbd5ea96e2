// Turns anything thrown in a request into the API's error envelope with the right status.
// Internals (stack traces, SQL, library messages) of unexpected errors never reach the client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, isAppError, type AppErrorCode } from '../lib/index.js';
import { STATUS_BY_CODE } from './error-codes.js';
import { API_CSP, COMMON_SECURITY_HEADERS } from './security-headers.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

function fieldPath(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.');
}

/** Maps framework errors (schema, parser, size) to AppErrors; returns undefined for bugs. */
function classify(error: FastifyError | Error, request: FastifyRequest): AppError | undefined {
  if (isAppError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => {
      const issue = v.params.issue as { path?: PropertyKey[]; code?: string; keys?: string[] } | undefined;
      const base = fieldPath(v.instancePath);
      const field = issue?.code === 'unrecognized_keys' && issue.keys ? [base, issue.keys[0]].filter(Boolean).join('.') : base;
      const where = error.validationContext === 'body' ? '' : `${error.validationContext}.`;
      return { field: `${where}${field}` || error.validationContext || 'body', message: v.message ?? 'is invalid' };
    });
    const first = issues[0]!;
    return new AppError('VALIDATION_FAILED', `${first.field}: ${first.message}`, { field: first.field, problems: issues });
  }
  const fastifyError = error as FastifyError;
  const byFrameworkCode: Record<string, [AppErrorCode, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'The request body is larger than this endpoint accepts.'],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here.`],
    FST_ERR_CTP_EMPTY_JSON_BODY: ['INVALID_JSON', 'The request body is empty but Content-Type says JSON.'],
    FST_ERR_CTP_INVALID_JSON_BODY: ['INVALID_JSON', 'The request body is not valid JSON.'],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['BAD_REQUEST', 'The request body is not as long as its Content-Length says.'],
    FST_ERR_BAD_URL: ['BAD_REQUEST', 'The URL is not validly percent-encoded.'],
    FST_ERR_MAX_PARAM_LENGTH: ['URI_TOO_LONG', 'A part of the URL is longer than any this API accepts.'],
  };
  const mapped = fastifyError.code ? byFrameworkCode[fastifyError.code] : undefined;
  if (mapped) return new AppError(mapped[0], mapped[1]);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return new AppError('INVALID_JSON', 'The request body is not valid JSON.');
  if (fastifyError.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (fastifyError.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'This Content-Type is not accepted here.');
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError('VALIDATION_FAILED', 'The request could not be understood.');
  }
  return undefined;
}

/**
 * The envelope of an error and its status, without answering: also for an error that happens
 * once a streamed answer is under way (a CSV import's NDJSON progress), where the status line
 * has already gone out and the envelope becomes the stream's last line.
 */
export function errorEnvelope(error: FastifyError | Error, request: FastifyRequest): { status: number; body: ErrorBody } {
  const appError = classify(error, request);
  if (!appError) {
    request.log.error({ err: error }, 'unexpected error');
    return { status: 500, body: { error: { code: 'INTERNAL', message: `Something went wrong on our side. Reference: ${request.id}.` } } };
  }
  return {
    status: STATUS_BY_CODE[appError.code],
    body: {
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details ? { details: appError.details } : {}),
      },
    },
  };
}

export function renderError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): ErrorBody {
  const { status, body } = errorEnvelope(error, request);
  reply.status(status);
  if (body.error.code === 'LOGIN_THROTTLED' || body.error.code === 'RATE_LIMITED') {
    const seconds = Number(body.error.details?.['retryAfterSeconds'] ?? 0);
    if (seconds > 0) reply.header('retry-after', String(seconds));
  }
  return body;
}

/**
 * Fastify's `frameworkErrors`: a URL it cannot decode, or a path parameter too long to route,
 * answered in the envelope like every other error.
 */
export function renderFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const body = renderError(error, request, reply);
  reply.headers(COMMON_SECURITY_HEADERS).header('content-security-policy', API_CSP).send(body);
}

const CLIENT_ERRORS: Record<string, [AppErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'The request did not arrive in time; it was cut off.'],
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'The request headers are larger than this server accepts.'],
};

/**
 * Node's `clientError`: a request the HTTP parser refused (malformed, headers too large) or
 * one whose headers did not arrive within the request timeout. No request object exists, so
 * the envelope is written to the socket by hand, and the connection closed.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already on its way cannot be followed by another one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const [code, message] = CLIENT_ERRORS[error.code ?? ''] ?? ['BAD_REQUEST', 'The request is not valid HTTP.'];
    const status = STATUS_BY_CODE[code];
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
      'content-security-policy': API_CSP,
      ...COMMON_SECURITY_HEADERS,
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`);
  }
  socket.destroySoon();
}
