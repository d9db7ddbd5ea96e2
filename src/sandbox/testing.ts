// Test support: a tiny fetch wrapper for calling the sandbox over real HTTP with a bearer
// token and reading status, headers and JSON body in one step, and the opening most sandbox
// test files share (useSandbox). Used by the sandbox's own integration tests; other suites may
// use it too. Only test files import this module (it registers vitest hooks).
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { SandboxControl } from './control.js';
import { startSandbox, type RunningSandbox } from './server.js';
import type { SandboxOptions } from './types.js';

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

/** One sandbox for a test file, seen from its tests: reset before each, with a fresh portal and token. */
export interface SandboxUnderTest {
  readonly control: SandboxControl;
  readonly baseUrl: string;
  readonly port: number;
  /** The portal made for the current test. */
  readonly portalId: number;
  /** The current test's private app token (unlimited tier, default scopes). */
  readonly token: string;
  /** Calls with the current test's token; one function for the whole file, so it may be kept in a const. */
  readonly call: SandboxCall;
  /** Calls without a token (the control API, OAuth). */
  readonly anon: SandboxCall;
}

/**
 * Starts a sandbox before the file's tests and closes it after them; before each test resets it,
 * runs `prepare` (settings the tests rely on), then makes a portal and an unlimited token.
 * Call it at the top of a test file; read what it returns inside hooks and tests.
 *
 * @example
 * const sb = useSandbox({ clock });
 * const { call } = sb;
 * it('creates', async () => expect((await call('POST', '/crm/v3/objects/contacts', { properties: {} })).status).toBe(201));
 */
export function useSandbox(options: SandboxOptions = {}, prepare: (control: SandboxControl) => void = () => undefined): SandboxUnderTest {
  let running: RunningSandbox | undefined;
  let current: { token: string; portalId: number } | undefined;
  const started = (): RunningSandbox => {
    if (!running) throw new Error('useSandbox: the sandbox starts in beforeAll; use it inside hooks and tests.');
    return running;
  };
  const made = (): { token: string; portalId: number } => {
    if (!current) throw new Error('useSandbox: the token is made before each test; use it inside tests.');
    return current;
  };
  beforeAll(async () => {
    running = await startSandbox(options);
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(() => {
    const { control } = started();
    control.reset();
    prepare(control);
    current = control.createPrivateAppToken({ tier: 'unlimited' });
  });
  return {
    get control() {
      return started().control;
    },
    get baseUrl() {
      return started().baseUrl;
    },
    get port() {
      return started().port;
    },
    get portalId() {
      return made().portalId;
    },
    get token() {
      return made().token;
    },
    call: <T,>(method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>) => sandboxCaller(started().baseUrl, made().token)<T>(method, path, body, extraHeaders),
    anon: <T,>(method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>) => sandboxCaller(started().baseUrl)<T>(method, path, body, extraHeaders),
  };
}
