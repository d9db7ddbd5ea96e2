// Composition root: reads nothing itself but the Config it is given; opens the database, runs
// migrations, bootstraps the first admin, builds the services and the HTTP app, and starts
// whatever else the configuration asks for (the built-in HubSpot sandbox in the embedded mode).
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { SYSTEM_ACTOR } from './audit/index.js';
import { LoginThrottle, verifyPassword, type PasswordVerifier } from './auth/index.js';
import type { Config } from './config/index.js';
import { buildApp, type AppContext, type RouteGroup } from './http/index.js';
import { DEFAULT_WEB_DIST_DIR, webUiRoutes } from './http/web-ui.js';
import { startSandbox, type RunningSandbox } from './sandbox/index.js';
import { DEFAULT_BASE_URL } from './hubspot/index.js';
import { createDatabaseRateLedger, HubSpotGateway } from './integration/index.js';
import { loadSecretBox, systemClock, type Clock } from './lib/index.js';
import { deleteOldSyncLog, findWorkspaceBySlug, migrateToLatest, openDatabase, type OpenedDatabase } from './store/index.js';
import { createJobQueue, type JobQueue } from './jobs/index.js';
import { ServiceMetrics } from './metrics/index.js';
import { activityEventsListener, archiveDeletionsListener, FlushScheduler, MappingService, TagListScheduler, workTagJobs, onCustomersChanged, onOrganizationsChanged, pendingChangesListener, PullEngine, PushEngine, recordWriteThrough, runPull, SYNC_JOBS, syncPushJob, WebhookInbox, workSyncJobs } from './sync/index.js';
import { activityTagRulesListener, customerTagsListener } from './tags/index.js';
import type { CustomerChangeListener } from './customers/index.js';
import { bootstrap, DEFAULT_WORKSPACE_SLUG, type BootstrapOutcome } from './workspaces/index.js';
import { WebhookEmitter, WebhookWaker, WEBHOOKS_OUT_JOBS, workWebhooksOut } from './webhooks/index.js';

export interface Service {
  app: FastifyInstance;
  database: OpenedDatabase;
  context: AppContext;
  /** The job queue (sync runs, on-change pushes); worked here unless `jobs.work` was false. */
  jobs: JobQueue;
  bootstrap: BootstrapOutcome;
  /** Where the API listens, once started. */
  url: string | undefined;
  close(): Promise<void>;
}

export interface CreateServiceOptions {
  clock?: Clock;
  logger?: boolean;
  extraRoutes?: RouteGroup[];
  /** Where log lines go (tests capture them to prove no secret is logged). */
  logStream?: NodeJS.WritableStream;
  /** HubSpot's base URL when the configuration names none (the built-in sandbox's URL). */
  fallbackHubSpotBaseUrl?: string;
  /** Password verification (tests wrap the real one to see which hash sign-in checked). */
  verifyPassword?: PasswordVerifier;
  /**
   * What this process does with jobs. `work` (default true): take sync jobs here (`serve`,
   * `worker`); false: only send them (`serve --web-only`, `import`). `inlineRuns`: Sync now runs
   * in this process instead of as a job (`hubsync sync`, which shows its progress). `flushDelayMs`:
   * how long after a change its on-change flush is sent (default FLUSH_DELAY_MS).
   */
  jobs?: { work?: boolean; concurrency?: number; inlineRuns?: boolean; flushDelayMs?: number };
  /** Count metrics even with HUBSYNC_METRICS off (`hubsync worker --metrics-port` serves them itself). */
  metrics?: boolean;
}

/** How long a stopping process waits for the jobs it runs to finish their batch and hand back. */
export const JOB_STOP_TIMEOUT_MS = 25_000;

/** Builds the whole service without listening (tests use `app.inject` or `listen` on port 0). */
export async function createService(config: Readonly<Config>, options: CreateServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? systemClock;
  const database = openDatabase(config.database);
  // Whatever fails after the database opens must not leave its connections behind.
  let hubspotToClose: HubSpotGateway | undefined;
  let jobsToStop: JobQueue | undefined;
  // Background job errors go to the app's log once it exists.
  let reportJobError = (error: unknown): void => void process.stderr.write(`hubsync jobs: ${error instanceof Error ? error.message : String(error)}\n`);
  try {
    await migrateToLatest(database.db);
    const bootstrapped = await bootstrap(database.db, clock, config.admin);
    const secrets = loadSecretBox({ secretKey: config.secretKey, keyFile: join(config.dataDir, 'secret.key') });
    // Webhooks out: events go to the outbox in the transaction that made them; the delivery job
    // (woken once the queue exists) sends them.
    let wakeWebhooks = (): void => undefined;
    const webhookEvents = new WebhookEmitter({ clock, wake: () => wakeWebhooks() });
    // Built once the job queue exists (its gauges read it); the gateway's hook reaches it then.
    let metrics: ServiceMetrics | undefined;
    const hubspot = new HubSpotGateway({
      db: database.db,
      clock,
      secrets,
      baseUrl: config.hubspot.baseUrl ?? options.fallbackHubSpotBaseUrl ?? DEFAULT_BASE_URL,
      oauth: config.hubspot.oauth,
      expectedPortalId: config.hubspot.portalId,
      // One rate budget per portal for every process sharing this database.
      rateLedger: createDatabaseRateLedger(database.db, database.kind),
      onCall: (call) => metrics?.hubspotCall(call),
      events: webhookEvents,
    });
    hubspotToClose = hubspot;
    const jobs = createJobQueue(database, {
      catalog: [...SYNC_JOBS, ...WEBHOOKS_OUT_JOBS],
      ...(config.database.kind === 'postgres' ? { postgres: { url: config.database.url } } : {}),
      onError: (error) => reportJobError(error),
    });
    await jobs.start();
    jobsToStop = jobs;
    if (config.metrics.enabled || options.metrics === true) metrics = new ServiceMetrics({ db: database.db, clock, jobs });
    const syncMetrics = metrics ? { metrics } : {};
    const inlineRuns = options.jobs?.inlineRuns === true;
    const webhookWaker = new WebhookWaker(jobs, (error) => reportJobError(error));
    wakeWebhooks = webhookWaker.wake;
    const pull = new PullEngine({ db: database.db, clock, gateway: hubspot, events: webhookEvents, ...syncMetrics });
    const push = new PushEngine({
      db: database.db,
      clock,
      gateway: hubspot,
      pull: runPull(pull),
      events: webhookEvents,
      ...syncMetrics,
      ...(inlineRuns ? {} : { dispatch: async (run) => void (await jobs.send(syncPushJob, { workspaceId: run.workspace_id, runId: run.id })) }),
    });
    // Runs with a stale heartbeat died with their process. A run whose job another process may
    // still take up (it resumes it) is left alone: other processes may share this database.
    await push.recoverInterruptedRuns(false);
    const flushes = new FlushScheduler(jobs, (error) => reportJobError(error), options.jobs?.flushDelayMs);
    // Changes parked while the workspace was disconnected go out once it is connected again.
    hubspot.onConnected((workspaceId) => flushes.wake(workspaceId));
    // Propagated deletes are queued with the delete and archived by the flush (archive-deletions.ts).
    const archives = { clock, wake: (workspaceId: string) => flushes.wake(workspaceId) };
    const writeThrough = { db: database.db, clock, gateway: hubspot, timeoutMs: config.writeThroughTimeoutMs };
    // Tags: the catalog and list queue follow every customer change; activities apply the rules
    // (src/tags). The list flush is a job (sync/tag-jobs.ts).
    const tagLists = new TagListScheduler(jobs, (error) => reportJobError(error));
    // The tags listener goes first: a new tag joins the catalog before the status refresh computes what the customer pushes.
    const customerListeners: CustomerChangeListener[] = [
      customerTagsListener({ clock, wake: (workspaceId) => tagLists.wake(workspaceId) }),
      onCustomersChanged,
      pendingChangesListener({ clock, flushes }),
      archiveDeletionsListener(archives, 'contacts'),
    ];
    const context: AppContext = {
      config,
      db: database.db,
      clock,
      throttle: new LoginThrottle(clock),
      verifyPassword: options.verifyPassword ?? verifyPassword,
      customerListeners,
      organizationListeners: [onOrganizationsChanged, pendingChangesListener({ clock, flushes }, 'companies'), archiveDeletionsListener(archives, 'companies')],
      // A contact's push carries its associations to companies: members changing is a customer change.
      organizationLinkListeners: [onCustomersChanged, pendingChangesListener({ clock, flushes })],
      dealListeners: [pendingChangesListener({ clock, flushes }, 'deals'), archiveDeletionsListener(archives, 'deals')],
      activityListeners: [pendingChangesListener({ clock, flushes }, 'notes'), activityTagRulesListener({ clock, customerListeners }), activityEventsListener({ clock, wake: (workspaceId) => tagLists.wake(workspaceId) })],
      writeThrough: {
        customers: recordWriteThrough(writeThrough, 'contacts'),
        organizations: recordWriteThrough(writeThrough, 'companies'),
        deals: recordWriteThrough(writeThrough, 'deals'),
      },
      hubspot,
      mappings: new MappingService(database.db, clock, hubspot),
      tagLists,
      push,
      pull,
      webhooks: new WebhookInbox({ db: database.db, clock, jobs }),
      secrets,
      webhooksOut: { emitter: webhookEvents, wake: webhookWaker.wake },
      jobs,
      metrics,
    };
    if (config.hubspot.apiKey) await connectFromEnvironment(context, config.hubspot.apiKey);
    const app = await buildApp(context, { routes: [...(options.extraRoutes ?? []), webUiRoutes({ distDir: DEFAULT_WEB_DIST_DIR })], logger: options.logger ?? true, ...(options.logStream ? { logStream: options.logStream } : {}) });
    const retentionMs = config.syncLogRetentionDays * 24 * 3600_000;
    reportJobError = (error) => app.log.error({ err: error }, 'job queue error');
    if (options.jobs?.work !== false) await workTagJobs({ db: database.db, clock, jobs, gateway: hubspot }, options.jobs?.concurrency ? { concurrency: options.jobs.concurrency } : {});
    if (options.jobs?.work !== false) await workSyncJobs({ db: database.db, clock, push, jobs, pull: context.pull }, options.jobs?.concurrency ? { concurrency: options.jobs.concurrency } : {});
    if (options.jobs?.work !== false) await workWebhooksOut({ db: database.db, clock, secrets, allowPrivate: config.webhooks.allowPrivate, jobs });
    const pruneLog = () => deleteOldSyncLog(database.db, clock.now() - retentionMs).catch((error: unknown) => app.log.warn({ err: error }, 'sync log pruning failed'));
    await pruneLog();
    const pruneTimer = setInterval(pruneLog, 3600_000);
    pruneTimer.unref();
    const service: Service = {
      app,
      database,
      context,
      jobs,
      bootstrap: bootstrapped,
      url: undefined,
      async close() {
        clearInterval(pruneTimer);
        webhookWaker.stop();
        await app.close();
        await flushes.flushNow();
        // Running jobs finish the batch they hold and are handed back to be resumed elsewhere.
        await jobs.stop({ graceful: true, timeoutMs: JOB_STOP_TIMEOUT_MS });
        await hubspot.close();
        await database.close();
      },
    };
    return service;
  } catch (error) {
    await jobsToStop?.stop({ graceful: false });
    await hubspotToClose?.close();
    await database.close();
    throw error;
  }
}

export interface StartedService extends Service {
  /** The built-in HubSpot sandbox, when this process started one. */
  sandbox: { baseUrl: string; token: string; portalId: number } | undefined;
}

/** Whether `serve` should start the built-in sandbox: on request, or when no HubSpot is configured. */
export function wantsSandbox(config: Readonly<Config>): boolean {
  if (config.sandbox.mode !== 'auto') return config.sandbox.mode === 'on';
  return !config.hubspot.baseUrl && !config.hubspot.apiKey && !config.hubspot.oauth;
}

const SANDBOX_PORTAL_ID = 1_000_001;

export async function startService(config: Readonly<Config>, options: CreateServiceOptions = {}): Promise<StartedService> {
  let sandbox: RunningSandbox | undefined;
  let sandboxInfo: StartedService['sandbox'];
  if (wantsSandbox(config)) {
    // The sandbox keeps its data in memory; its token is derived from this install's secret key
    // so a restart keeps the stored connection valid.
    const secrets = loadSecretBox({ secretKey: config.secretKey, keyFile: join(config.dataDir, 'secret.key') });
    const token = `pat-na1-${secrets.sign('built-in-sandbox-token').slice(0, 32)}`;
    sandbox = await startSandbox({ host: config.host, port: config.sandbox.port, privateAppTokens: [{ token, portalId: SANDBOX_PORTAL_ID }] });
    sandboxInfo = { baseUrl: sandbox.baseUrl, token, portalId: SANDBOX_PORTAL_ID };
  }
  let service: Service;
  try {
    service = await createService(config, { ...options, ...(sandbox ? { fallbackHubSpotBaseUrl: sandbox.baseUrl } : {}) });
  } catch (error) {
    await sandbox?.close();
    throw error;
  }
  let address: string;
  try {
    address = await service.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await service.close();
    await sandbox?.close();
    throw error;
  }
  service.url = address.replace('127.0.0.1', 'localhost');
  const close = service.close.bind(service);
  return Object.assign(service, {
    sandbox: sandboxInfo,
    async close() {
      await close();
      await sandbox?.close();
    },
  });
}

/**
 * Single-workspace deployments configure the token in the environment (HUBSPOT_API_KEY, with
 * HUBSPOT_PORTAL_ID checked against it); it connects the default workspace at start-up.
 */
async function connectFromEnvironment(context: AppContext, token: string): Promise<void> {
  const workspace = await findWorkspaceBySlug(context.db, DEFAULT_WORKSPACE_SLUG);
  if (!workspace) return;
  try {
    if (await context.hubspot.holdsToken(workspace.id, token)) return;
    await context.hubspot.connectPrivateApp(workspace, { ...SYSTEM_ACTOR, label: 'HUBSPOT_API_KEY (environment)' }, token, 'environment');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`HUBSPOT_API_KEY could not connect the default workspace: ${message}`, { cause: error });
  }
}
