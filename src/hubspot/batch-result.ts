// Normalises batch responses: 200/201 and 207 multi-status become one value shape.

import type { BatchError, BatchResult } from './hubspot-types.js';

export interface RawBatch<T> {
  status?: string;
  results?: T[];
  errors?: BatchError[];
  numErrors?: number;
  startedAt?: string;
  completedAt?: string;
}

export function toBatchResult<T>(httpStatus: number, body: RawBatch<T> | undefined): BatchResult<T> {
  const errors = body?.errors ?? [];
  const result: BatchResult<T> = {
    status: body?.status ?? 'COMPLETE',
    results: body?.results ?? [],
    errors,
    numErrors: body?.numErrors ?? errors.length,
    httpStatus,
  };
  if (body?.startedAt !== undefined) result.startedAt = body.startedAt;
  if (body?.completedAt !== undefined) result.completedAt = body.completedAt;
  return result;
}
