// A hubsync service wired to a fresh in-process HubSpot sandbox, signed in as the admin and
// connected with a private-app token: the starting point of every sync test.
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { SandboxOptions } from '../../src/sandbox/index.js';
import type { CreateServiceOptions } from '../../src/main.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from './service.js';

export interface SandboxedService {
  sandbox: RunningSandbox;
  ts: TestService;
  admin: ApiClient;
  portalId: number;
  token: string;
  close(): Promise<void>;
}

export async function startSandboxedService(
  options: { sandbox?: SandboxOptions; connect?: boolean; jobs?: CreateServiceOptions['jobs']; onChangePush?: boolean; /** HubSpot as the service sees it (a proxy in front of the sandbox). */ hubspotBaseUrl?: string } = {},
): Promise<SandboxedService> {
  const sandbox = await startSandbox({ ...options.sandbox });
  const { portalId } = sandbox.control.createPortal({ tier: 'enterprise' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  const ts = await startTestService({ env: { HUBSPOT_BASE_URL: options.hubspotBaseUrl ?? sandbox.baseUrl }, ...(options.jobs ? { jobs: options.jobs } : {}), ...(options.onChangePush ? { onChangePush: true } : {}) });
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  if (options.connect !== false) {
    const connected = await admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: token });
    if (connected.status !== 200) throw new Error(`connect failed: ${JSON.stringify(connected.body)}`);
  }
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

/** The environment of a `hubsync worker` process sharing the service's database, data directory (secret key) and HubSpot. */
export function workerEnvOf(env: SandboxedService): Record<string, string> {
  const { database, dataDir } = env.ts.config;
  return {
    DATABASE_URL: database.kind === 'sqlite' ? database.file : database.url,
    HUBSYNC_DATA_DIR: dataDir,
    HUBSPOT_BASE_URL: env.sandbox.baseUrl,
  };
}

/** Polls a sync run until `until` holds for it; returns the run as it was then. */
export async function waitForRun(admin: ApiClient, runId: string, until: (run: Record<string, unknown>) => boolean, workspace = 'default'): Promise<Record<string, unknown>> {
  for (;;) {
    const run = await admin.get(`/api/workspaces/${workspace}/sync/runs/${runId}`);
    if (until(run.body)) return run.body;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True once a run has left `running`. */
export const runEnded = (run: Record<string, unknown>): boolean => run['status'] !== 'running';

/** Starts Sync now and polls the run until it ends; returns the finished run. */
export async function syncNow(admin: ApiClient, workspace = 'default'): Promise<Record<string, unknown>> {
  const started = await admin.post<{ id: string }>(`/api/workspaces/${workspace}/sync/runs`);
  if (started.status !== 202) throw new Error(`sync start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return waitForRun(admin, started.body.id, runEnded, workspace);
}
