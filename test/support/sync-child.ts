// What the kill tests share: the sandbox (with latency, so a run lasts long enough to be killed
// in the middle), the real service on a test database, connected and signed in as the admin,
// and `hubsync sync` as a real child process on that database, to be killed with SIGKILL.
import { expect } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { runCli, type Cli } from './cli-process.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from './service.js';

export interface SyncChildRig {
  sandbox: RunningSandbox;
  ts: TestService;
  admin: ApiClient;
  portalId: number;
  /** `hubsync sync --workspace default` against the service's database and the sandbox. */
  runSync(): Cli;
  close(): Promise<void>;
}

/** Starts the rig; `settings` are PATCHed into the workspace's sync settings once connected. */
export async function startSyncChildRig(options: { latencyMs?: [number, number]; settings?: Record<string, unknown> } = {}): Promise<SyncChildRig> {
  const sandbox = await startSandbox({ latencyMs: options.latencyMs ?? [150, 250] });
  const { portalId } = sandbox.control.createPortal({ tier: 'unlimited' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  const ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl } });
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const W = '/api/workspaces/default';
  expect((await admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
  if (options.settings) expect((await admin.patch(`${W}/hubspot/settings`, options.settings)).status).toBe(200);
  const config = ts.config;
  const env = { DATABASE_URL: config.database.kind === 'sqlite' ? config.database.file : config.database.url, HUBSYNC_DATA_DIR: config.dataDir, HUBSPOT_BASE_URL: sandbox.baseUrl };
  return {
    sandbox,
    ts,
    admin,
    portalId,
    runSync: () => runCli(['sync', '--workspace', 'default'], env),
    async close() {
      await ts.close().catch(() => undefined);
      await sandbox.close();
    },
  };
}
