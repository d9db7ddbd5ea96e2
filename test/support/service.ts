// Starts the real hubsync service on a random port against a test database, and gives tests a
// small HTTP client that keeps a session cookie and sends the CSRF header like the web UI does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { PasswordVerifier } from '../../src/auth/index.js';
import type { Clock } from '../../src/lib/index.js';
import { startService, type CreateServiceOptions, type Service } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct-horse-battery';

export interface TestService {
  service: Service;
  url: string;
  config: Readonly<Config>;
  db: TestDatabase;
  close(): Promise<void>;
}

/**
 * New workspaces push on change; tests that start and count their own runs switch that off for
 * the service's workspaces so no on-change push races them.
 */
export async function switchOffOnChangePush(service: Service): Promise<void> {
  await service.database.db.updateTable('sync_settings').set({ push_contacts_on_change: 0, push_companies_on_change: 0 }).execute();
}

export async function startTestService(
  options: { env?: Record<string, string>; clock?: Clock; logStream?: NodeJS.WritableStream; verifyPassword?: PasswordVerifier; jobs?: CreateServiceOptions['jobs']; /** Keep the default workspace's on-change push (on for new workspaces); off unless asked, so tests count their own runs. */ onChangePush?: boolean } = {},
): Promise<TestService> {
  const db = await createTestDatabase();
  const base = loadConfig({
    HUBSYNC_PORT: '0',
    HUBSYNC_ADMIN_EMAIL: ADMIN_EMAIL,
    HUBSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HUBSYNC_LOG_LEVEL: options.logStream ? 'debug' : 'silent',
    HUBSYNC_SANDBOX: 'off',
    // The production default: bulk upserts of 1,000 customers must fit in it.
    HUBSYNC_BODY_LIMIT_BYTES: '1048576',
    ...options.env,
  });
  // Each test service keeps its secret key file in its own directory.
  const dataDir = db.config.kind === 'sqlite' ? dirname(db.config.file) : mkdtempSync(join(tmpdir(), 'hubsync-data-'));
  const config = Object.freeze({ ...base, dataDir, database: db.config });
  let service: Service;
  try {
    service = await startService(config, {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.verifyPassword ? { verifyPassword: options.verifyPassword } : {}),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.logStream ? { logStream: options.logStream, logger: true } : { logger: false }),
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  if (options.onChangePush !== true) await switchOffOnChangePush(service);
  const address = service.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    service,
    url: `http://127.0.0.1:${port}`,
    config,
    db,
    async close() {
      await service.close();
      await db.drop();
    },
  };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** A signed-in browser-like client, or an API-key client when `apiKey` is set. */
export class ApiClient {
  #cookie = '';
  #csrf = '';
  readonly #base: string;
  readonly #apiKey: string | undefined;

  constructor(base: string, apiKey?: string) {
    this.#base = base;
    this.#apiKey = apiKey;
  }

  static async signIn(base: string, email: string, password: string): Promise<ApiClient> {
    const client = new ApiClient(base);
    const response = await client.request('POST', '/api/auth/login', { email, password });
    if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
    return client;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience: bodies are asserted field by field
  async request<T = any>(method: string, path: string, body?: unknown, init: { rawBody?: string; contentType?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.#cookie) headers['cookie'] = this.#cookie;
    if (this.#csrf && method !== 'GET') headers['x-csrf-token'] = this.#csrf;
    if (this.#apiKey) headers['authorization'] = `Bearer ${this.#apiKey}`;
    let payload: string | undefined;
    if (init.rawBody !== undefined) {
      payload = init.rawBody;
      headers['content-type'] = init.contentType ?? 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.#base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.#cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (parsed && typeof parsed === 'object' && 'csrfToken' in parsed) this.#csrf = String((parsed as { csrfToken: string }).csrfToken);
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** The session cookie, for tests that craft requests by hand. */
  get cookie(): string {
    return this.#cookie;
  }

  get = <T = Record<string, unknown>>(path: string) => this.request<T>('GET', path);
  post = <T = Record<string, unknown>>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  patch = <T = Record<string, unknown>>(path: string, body?: unknown) => this.request<T>('PATCH', path, body);
  delete = <T = Record<string, unknown>>(path: string) => this.request<T>('DELETE', path);
}

/**
 * Adds a person to a workspace the way people join: the admin invites the email, the invitee
 * accepts the link with a new account (name + password). Returns the invitee, signed in.
 */
export async function inviteMember(admin: ApiClient, base: string, workspace: string, input: { email: string; role: 'admin' | 'member'; password: string; name?: string }): Promise<ApiClient> {
  const invited = await admin.post<{ token: string }>(`/api/workspaces/${workspace}/invitations`, { email: input.email, role: input.role });
  if (invited.status !== 201) throw new Error(`invitation failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const invitee = new ApiClient(base);
  const accepted = await invitee.post('/api/invitations/accept', { token: invited.body.token, name: input.name ?? input.email.split('@')[0], password: input.password });
  if (accepted.status !== 200) throw new Error(`accepting the invitation failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return invitee;
}
