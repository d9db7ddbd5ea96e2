// The rigs the scenarios run on: the HubSpot sandbox (in this process, with the chosen latency
// and tier) and the real hubsync service, signed in as the admin and connected with a
// private-app token — exactly what an operator gets, driven over the service's own HTTP API.
// `startRig` runs the service in this process on a temp SQLite file; `startServeRig` runs
// `hubsync serve` as a child process on its embedded SQLite default, so the service's work
// never holds up the sandbox's answers (or its simulated latency), as a remote HubSpot's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox, type Tier } from '../../src/sandbox/index.js';
import { runCli, servingAt, type Cli } from '../../test/support/cli-process.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';
import type { Clock } from '../../src/lib/index.js';

export interface RigOptions {
  tier: Tier;
  /** Per-request latency range in ms; [0, 0] for none. */
  latencyMs: [number, number];
}

export interface Rig {
  sandbox: RunningSandbox;
  ts: TestService;
  admin: ApiClient;
  portalId: number;
  token: string;
  close(): Promise<void>;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const sandbox = await startSandbox({ tier: options.tier, latencyMs: options.latencyMs, logger: false });
  const { portalId } = sandbox.control.createPortal({ tier: options.tier });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  const ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl } });
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const connected = await admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: token });
  if (connected.status !== 200) throw new Error(`connecting HubSpot failed: ${connected.status} ${JSON.stringify(connected.body)}`);
  return {
    sandbox,
    ts,
    admin,
    portalId,
    token,
    async close() {
      await ts.close();
      await sandbox.close();
    },
  };
}

export interface ServeRig {
  sandbox: RunningSandbox;
  cli: Cli;
  admin: ApiClient;
  portalId: number;
  token: string;
  /** The service's data directory: its SQLite file is `hubsync.sqlite` there. */
  dir: string;
  /** Stops the service (see `stopServe`), removes its data and closes the sandbox. */
  close(): Promise<void>;
}

/**
 * `hubsync serve` as a child process (web and jobs in one, on a fresh data directory) connected
 * to a sandbox in this process. `sandboxClock` is the sandbox's own clock (the service's is real time).
 */
export async function startServeRig(options: RigOptions & { prefix: string; sandboxClock?: Clock }): Promise<ServeRig> {
  const sandbox = await startSandbox({ tier: options.tier, latencyMs: options.latencyMs, logger: false, ...(options.sandboxClock ? { clock: options.sandboxClock } : {}) });
  const dir = mkdtempSync(join(tmpdir(), `hubsync-${options.prefix}-`));
  let cli: Cli | undefined;
  const close = async () => {
    if (cli) await stopServe(cli);
    rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  };
  try {
    const { portalId } = sandbox.control.createPortal({ tier: options.tier });
    const { token } = sandbox.control.createPrivateAppToken({ portalId });
    cli = runCli(['serve', '--port', '0'], { HUBSYNC_DATA_DIR: dir, HUBSYNC_ADMIN_EMAIL: ADMIN_EMAIL, HUBSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, HUBSPOT_BASE_URL: sandbox.baseUrl });
    // The announcement says localhost; the service listens on 127.0.0.1 only.
    const url = (await servingAt(cli)).replace('//localhost:', '//127.0.0.1:');
    const admin = await ApiClient.signIn(url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const connected = await admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: token });
    if (connected.status !== 200) throw new Error(`connecting HubSpot failed: ${connected.status} ${JSON.stringify(connected.body)}`);
    return { sandbox, cli, admin, portalId, token, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Stops a serve process: SIGTERM (it finishes its batch and exits), SIGKILL if it hangs. */
export async function stopServe(cli: Cli): Promise<void> {
  if (cli.child.exitCode !== null) return;
  cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 40_000);
  await cli.exited;
  clearTimeout(timer);
}

export interface BenchCustomer {
  externalId: string;
  email: string;
  firstName: string;
  lastName: string;
  city?: string;
}

export function customerAt(i: number, prefix = 'c'): BenchCustomer {
  return { externalId: `${prefix}-${i}`, email: `${prefix}${i}@example.com`, firstName: `First${i % 997}`, lastName: `Last${i % 1009}`, city: `City ${i % 500}` };
}

/**
 * Creates or updates customers through `POST …/customers/bulk-upsert`, 1,000 per call; returns
 * how many items were refused (each item succeeds or fails alone).
 */
export async function bulkUpsert(admin: ApiClient, customers: readonly BenchCustomer[], workspace = 'default'): Promise<number> {
  let refused = 0;
  for (let i = 0; i < customers.length; i += 1000) {
    const response = await admin.post<{ failed: number }>(`/api/workspaces/${workspace}/customers/bulk-upsert`, { customers: customers.slice(i, i + 1000) });
    if (response.status !== 200) throw new Error(`bulk upsert failed: ${response.status} ${JSON.stringify(response.body).slice(0, 500)}`);
    refused += response.body.failed;
  }
  return refused;
}

export interface RunResult {
  status: string;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  skipped: number;
  apiCalls: number;
  error: string | null;
  wallMs: number;
}

/**
 * Sync now (or, with `reconcile`, Reconcile now: with two-way sync on, the run pulls first) over
 * the API, polled until the run ends; wall time from the start request.
 */
export async function syncNow(admin: ApiClient, pollMs = 100, start: 'runs' | 'reconcile' = 'runs'): Promise<RunResult> {
  const started = performance.now();
  const response = await admin.post<{ id: string }>(`/api/workspaces/default/sync/${start}`);
  if (response.status !== 202) throw new Error(`${start === 'runs' ? 'Sync now' : 'Reconcile now'} failed to start: ${response.status} ${JSON.stringify(response.body)}`);
  for (;;) {
    const run = await admin.get(`/api/workspaces/default/sync/runs/${response.body.id}`);
    if (run.body['status'] !== 'running') {
      const n = (key: string) => Number(run.body[key] ?? 0);
      return {
        status: String(run.body['status']),
        processed: n('processed'),
        created: n('created'),
        updated: n('updated'),
        failed: n('failed'),
        skipped: n('skipped'),
        apiCalls: n('apiCalls'),
        error: (run.body['error'] as string | null | undefined) ?? null,
        wallMs: performance.now() - started,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Requests the sandbox answered, in total and with 429, since the last `resetCounts()`. */
export function sandboxTotals(sandbox: RunningSandbox): { requests: number; rateLimited: number; byRoute: Record<string, Record<string, number>> } {
  const counts = sandbox.control.counts();
  let requests = 0;
  let rateLimited = 0;
  for (const statuses of Object.values(counts.byRoute)) {
    for (const [status, n] of Object.entries(statuses)) {
      requests += n;
      if (status === '429') rateLimited += n;
    }
  }
  return { requests, rateLimited, byRoute: counts.byRoute };
}
