// A hubsync service wired to a fresh in-process HubSpot sandbox, signed in as the admin and
// connected with a private-app token — or through a HubSpot app (OAuth 2) whose webhooks call
// the service: the starting point of every sync test.
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { SandboxOptions } from '../../src/sandbox/index.js';
import type { CreateServiceOptions } from '../../src/main.js';
import type { Clock } from '../../src/lib/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from './service.js';

export interface SandboxedService {
  sandbox: RunningSandbox;
  ts: TestService;
  admin: ApiClient;
  portalId: number;
  /** A private-app token of the portal (for the tests' own HubSpot calls, like a HubSpot user's). */
  token: string;
  /** The HubSpot app the service is configured with, when started with `oauth`. */
  app?: { clientId: string; clientSecret: string; appId: number };
  close(): Promise<void>;
}

/** The webhook subscriptions of the `oauth` option's app, in the sandbox's terms. */
export type WebhookSubscriptions = { subscriptionType: string; propertyName?: string; active?: boolean }[];

export async function startSandboxedService(
  options: {
    sandbox?: SandboxOptions;
    /** The service's clock (the sandbox takes its own through `sandbox.clock`). */
    clock?: Clock;
    connect?: boolean;
    jobs?: CreateServiceOptions['jobs'];
    onChangePush?: boolean;
    /** HubSpot as the service sees it (a proxy in front of the sandbox). */
    hubspotBaseUrl?: string;
    /** Configure the service with a HubSpot app and connect through it (OAuth 2); its webhooks call the service's POST /api/hubspot/webhooks. */
    oauth?: { subscriptions: WebhookSubscriptions };
    /** More of the service's environment. */
    env?: Record<string, string>;
  } = {},
): Promise<SandboxedService> {
  const sandbox = await startSandbox({ ...options.sandbox });
  const { portalId } = sandbox.control.createPortal({ tier: 'enterprise' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  const redirectUrl = 'http://127.0.0.1/api/oauth/hubspot/callback';
  const app = options.oauth ? sandbox.control.createOAuthApp({ redirectUris: [redirectUrl], subscriptions: options.oauth.subscriptions }) : undefined;
  const oauthEnv = app ? { HUBSPOT_CLIENT_ID: app.clientId, HUBSPOT_CLIENT_SECRET: app.clientSecret, HUBSPOT_REDIRECT_URL: redirectUrl, HUBSPOT_AUTHORIZE_URL: `${sandbox.baseUrl}/oauth/authorize` } : {};
  const ts = await startTestService({ env: { ...options.env, HUBSPOT_BASE_URL: options.hubspotBaseUrl ?? sandbox.baseUrl, ...oauthEnv }, ...(options.clock ? { clock: options.clock } : {}), ...(options.jobs ? { jobs: options.jobs } : {}), ...(options.onChangePush ? { onChangePush: true } : {}) });
  const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  if (options.connect !== false && app) {
    await connectThroughOAuth(sandbox, ts.url, admin, portalId);
    sandbox.control.setWebhooks(app.clientId, { webhookUrl: `${ts.url}/api/hubspot/webhooks` });
  } else if (options.connect !== false) {
    const connected = await admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: token });
    if (connected.status !== 200) throw new Error(`connect failed: ${JSON.stringify(connected.body)}`);
  }
  return {
    sandbox,
    ts,
    admin,
    portalId,
    token,
    ...(app ? { app } : {}),
    async close() {
      await ts.close();
      await sandbox.close();
    },
  };
}

/** Connects the default workspace the way an admin does: the authorization link, the app approved on the portal, HubSpot's redirect back. */
export async function connectThroughOAuth(sandbox: RunningSandbox, serviceUrl: string, admin: ApiClient, portalId: number): Promise<void> {
  const started = await admin.post<{ url: string }>('/api/workspaces/default/hubspot/oauth/start');
  if (started.status !== 200) throw new Error(`OAuth start failed: ${JSON.stringify(started.body)}`);
  const link = new URL(started.body.url);
  const { code } = sandbox.control.authorize({
    clientId: link.searchParams.get('client_id')!,
    portalId,
    redirectUri: link.searchParams.get('redirect_uri')!,
    scopes: link.searchParams.get('scope')!.split(' '),
  });
  const callback = await fetch(`${serviceUrl}/api/oauth/hubspot/callback?code=${code}&state=${encodeURIComponent(link.searchParams.get('state')!)}`, { redirect: 'manual' });
  if (!callback.headers.get('location')?.includes('connected=oauth')) throw new Error(`OAuth callback failed: ${callback.headers.get('location') ?? callback.status}`);
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

/** Every job of one queue the service's job layer ever sent, whatever its state (until pruned). */
export async function jobsSent(env: SandboxedService, queue: string): Promise<number> {
  const counts = (await env.ts.service.jobs.counts()).find((c) => c.queue === queue)!;
  return counts.queued + counts.retry + counts.active + counts.completed + counts.failed;
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

/**
 * Polls the workspace's runs until none is running: a record is marked Synced a moment before
 * the run that pushed it ends, and a run started meanwhile is refused (409).
 */
export async function waitForNoRunningRun(admin: ApiClient, workspace = 'default'): Promise<void> {
  for (;;) {
    const { body } = await admin.get<{ runs: { status: string }[] }>(`/api/workspaces/${workspace}/sync/runs?limit=20`);
    if (!body.runs.some((run) => run.status === 'running')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts Sync now and polls the run until it ends; returns the finished run. A run already
 * going (an on-change push that woke first on a loaded machine) is waited for, and Sync now
 * asked again — then answered by that run when it did the work (200), or a new one (202).
 */
export async function syncNow(admin: ApiClient, workspace = 'default'): Promise<Record<string, unknown>> {
  for (let waited = false; ; waited = true) {
    const started = await admin.post<{ id: string; error?: { code: string } }>(`/api/workspaces/${workspace}/sync/runs`);
    if (started.status === 409 && started.body.error?.code === 'SYNC_ALREADY_RUNNING') {
      await waitForNoRunningRun(admin, workspace);
      continue;
    }
    if (started.status !== 202 && !(waited && started.status === 200)) throw new Error(`sync start failed: ${started.status} ${JSON.stringify(started.body)}`);
    return waitForRun(admin, started.body.id, runEnded, workspace);
  }
}

/** A HubSpot list's member ids, sorted, as the sandbox answers them over HTTP with the portal's token ([] when no list has that name). */
export async function hubspotListMembers(env: SandboxedService, name: string): Promise<string[]> {
  const headers = { authorization: `Bearer ${env.token}` };
  const found = await fetch(`${env.sandbox.baseUrl}/crm/v3/lists/object-type-id/0-1/name/${encodeURIComponent(name)}`, { headers });
  if (found.status === 404) return [];
  const { list } = (await found.json()) as { list: { listId: string } };
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = (await (await fetch(`${env.sandbox.baseUrl}/crm/v3/lists/${list.listId}/memberships?limit=250${after ? `&after=${after}` : ''}`, { headers })).json()) as { results: { recordId: string }[]; paging?: { next: { after: string } } };
    ids.push(...page.results.map((r) => r.recordId));
    after = page.paging?.next.after;
  } while (after);
  return ids.sort();
}
