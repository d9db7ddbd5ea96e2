// Test support: a tiny fetch wrapper for calling the sandbox over real HTTP with a bearer
// token and reading status, headers and JSON body in one step. Used by the sandbox's own
// integration tests; other suites may use it too.

export interface SandboxResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export type SandboxCall = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>) => Promise<SandboxResponse<T>>;

/** `call('POST', '/crm/v3/objects/contacts', { properties })` → `{ status, headers, body }`. */
export function sandboxCaller(baseUrl: string, token?: string): SandboxCall {
  return async <T,>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}) => {
    const headers: Record<string, string> = { ...extraHeaders };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown = text;
    if (text !== '' && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text) as unknown;
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
}
