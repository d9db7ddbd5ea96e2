// The one way the UI talks to hubsync: same-origin fetch with the session cookie, the CSRF
// header on every unsafe request, and the API's error envelope turned into an ApiError that
// views show where the failure happened (message, plus field errors next to their fields).
import type { ApiErrorBody, ErrorDetails } from './types.js';

let csrfToken = '';

/** Set from /api/auth/login and /api/auth/me; sent as X-CSRF-Token on every non-GET request. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(status: number, code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The message for one form field (from details.problems[] or details.field), if any. */
  fieldError(field: string): string | undefined {
    const problem = this.details.problems?.find((p) => p.field === field);
    if (problem) return problem.message;
    if (this.details.field === field) return this.message.startsWith(field) ? this.message.slice(field.length).replace(/^:?\s*/, '') : this.message;
    return undefined;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (cause) {
    throw new ApiError(0, 'NETWORK', 'hubsync could not be reached. Check your connection and try again.', { cause: String(cause) });
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    if (isErrorBody(parsed)) throw new ApiError(response.status, parsed.error.code, parsed.error.message, parsed.error.details ?? {});
    throw new ApiError(response.status, 'HTTP_' + response.status, `The server answered ${response.status} ${response.statusText}.`);
  }
  return parsed as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** Encodes a query string, leaving out empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const ws = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}`;

/** The query key of GET …/hubspot/connection, shared by every page that reads it. */
export const connectionKey = (workspace: string) => ['hubspot-connection', workspace];

/**
 * POSTs a file with upload progress (fetch reports none, XMLHttpRequest does) and asks for an
 * NDJSON answer, handing over each line as it arrives: the CSV import's progress stream. Resolves
 * once the answer is complete; an error answer (the envelope, before the stream started) or no
 * answer rejects with an ApiError as `api` would; aborting `signal` rejects with code ABORTED.
 *
 * @example await postWithProgress(`${ws(w)}/customers/import`, file, 'text/csv', { onUpload: (sent, total) => …, onLine: (line) => … });
 */
export function postWithProgress(
  path: string,
  body: Blob,
  contentType: string,
  handlers: { onUpload: (sent: number, total: number) => void; onLine: (line: unknown) => void; signal?: AbortSignal },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    // Aborting closes the request: the server stops the import (see the CSV import route).
    const { signal } = handlers;
    if (signal?.aborted) return reject(new ApiError(0, 'ABORTED', 'The request was cancelled.'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.onabort = () => reject(new ApiError(0, 'ABORTED', 'The request was cancelled.'));
    xhr.open('POST', path);
    xhr.setRequestHeader('content-type', contentType);
    xhr.setRequestHeader('accept', 'application/x-ndjson');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.withCredentials = true;
    let read = 0;
    /** Hands over the complete lines not handed over yet (`end`: the rest too). */
    const drain = (end: boolean) => {
      if (xhr.status < 200 || xhr.status >= 300) return;
      const text = xhr.responseText;
      let next: number;
      while ((next = text.indexOf('\n', read)) !== -1) {
        const line = text.slice(read, next);
        read = next + 1;
        if (line.trim()) handlers.onLine(JSON.parse(line));
      }
      if (end && text.slice(read).trim()) {
        handlers.onLine(JSON.parse(text.slice(read)));
        read = text.length;
      }
    };
    xhr.upload.onprogress = (event) => handlers.onUpload(event.loaded, event.lengthComputable ? event.total : body.size);
    xhr.onprogress = () => drain(false);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'hubsync could not be reached. Check your connection and try again.'));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          drain(true);
          resolve();
        } catch (cause) {
          reject(new ApiError(xhr.status, 'BAD_ANSWER', `The answer could not be read: ${String(cause)}`));
        }
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (isErrorBody(parsed)) reject(new ApiError(xhr.status, parsed.error.code, parsed.error.message, parsed.error.details ?? {}));
      else reject(new ApiError(xhr.status, 'HTTP_' + xhr.status, `The server answered ${xhr.status} ${xhr.statusText}.`));
    };
    xhr.send(body);
  });
}
