// Turns anything thrown in a request into the API's error envelope with the right status.
// Internals (stack traces, SQL, library messages) of unexpected errors never reach the client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError, type AppErrorCode } from '../lib/index.js';
import { STATUS_BY_CODE } from './error-codes.js';

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

export function renderError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): ErrorBody {
  const appError = classify(error, request);
  if (!appError) {
    request.log.error({ err: error }, 'unexpected error');
    reply.status(500);
    return { error: { code: 'INTERNAL', message: `Something went wrong on our side. Reference: ${request.id}.` } };
  }
  reply.status(STATUS_BY_CODE[appError.code]);
  if (appError.code === 'LOGIN_THROTTLED' || appError.code === 'RATE_LIMITED') {
    const seconds = Number(appError.details?.['retryAfterSeconds'] ?? 0);
    if (seconds > 0) reply.header('retry-after', String(seconds));
  }
  return {
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details ? { details: appError.details } : {}),
    },
  };
}
