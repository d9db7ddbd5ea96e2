// The rig every push scenario runs on: the HubSpot sandbox (in this process, with the chosen
// latency and tier) and the real hubsync service on a temp SQLite file, signed in as the admin
// and connected with a private-app token — exactly what an operator gets, driven over the
// service's own HTTP API.
import { startSandbox, type RunningSandbox, type Tier } from '../../src/sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';
import type { Clock } from '../../src/lib/index.js';

export interface RigOptions {
  tier: Tier;
  /** Per-request latency range in ms; [0, 0] for none. */
  latencyMs: [number, number];
  /** One clock for the sandbox and the service (the pull scenarios move it forward); real time by default. */
  clock?: Clock;
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
  const clock = options.clock ? { clock: options.clock } : {};
  const sandbox = await startSandbox({ tier: options.tier, latencyMs: options.latencyMs, logger: false, ...clock });
  const { portalId } = sandbox.control.createPortal({ tier: options.tier });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  const ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl }, ...clock });
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
