// The scale-out set as an operator runs it from the README, for the acceptance test and the
// scale-out benchmark: a fresh PostgreSQL database, one `hubsync serve --web-only` and N
// `hubsync worker` real child processes on it, an in-process HubSpot sandbox over real HTTP,
// and M workspaces, each connected to its own sandbox portal through the API.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startSandbox, type Latency, type RunningSandbox, type Tier } from '../../src/sandbox/index.js';
import { runCli, takingJobs, until, type Cli } from './cli-process.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient } from './service.js';

export interface ProcessSetOptions {
  workspaces: number;
  workers: number;
  tier: Tier;
  latencyMs: Latency;
  /** The workspaces' `pushContactsOnChange` (on by default for new workspaces). */
  onChangePush: boolean;
  /** Have the sandbox log every accepted write (`sandbox.control.writes()`). */
  recordWrites?: boolean;
  workerConcurrency?: number;
}

export interface ScaleOutWorkspace {
  slug: string;
  portalId: number;
  token: string;
}

export interface ProcessSet {
  db: TestDatabase;
  /** A connection to the set's database, for looking at what the processes wrote. */
  sql: pg.Pool;
  sandbox: RunningSandbox;
  web: Cli;
  url: string;
  admin: ApiClient;
  workers: Cli[];
  workspaces: ScaleOutWorkspace[];
  /** Starts one more `hubsync worker` (appended to `workers`) and waits until it takes jobs. */
  startWorker(): Promise<Cli>;
  /** Stops every process (SIGTERM, then SIGKILL after 30 s), the sandbox, and drops the database. */
  close(): Promise<void>;
}

/** Starts the set; every process is stopped again if a step fails. */
export async function startProcessSet(options: ProcessSetOptions): Promise<ProcessSet> {
  const db = await createTestDatabase({ kind: 'postgres' });
  if (db.config.kind !== 'postgres') throw new Error('the scale-out set runs on PostgreSQL');
  const dataDir = mkdtempSync(join(tmpdir(), 'hubsync-scaleout-'));
  const sandbox = await startSandbox({ tier: options.tier, latencyMs: options.latencyMs, logger: false });
  if (options.recordWrites) sandbox.control.recordWrites();
  const sql = new pg.Pool({ connectionString: db.config.url, max: 2 });
  const env = { DATABASE_URL: db.config.url, HUBSYNC_DATA_DIR: dataDir, HUBSPOT_BASE_URL: sandbox.baseUrl };
  const processes: Cli[] = [];
  const workers: Cli[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(processes.map(stopProcess));
    await sql.end();
    await sandbox.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const web = runCli(['serve', '--web-only', '--port', '0'], {
      ...env,
      HUBSYNC_ADMIN_EMAIL: ADMIN_EMAIL,
      HUBSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // Bulk upserts of 1,000 customers (the production default).
      HUBSYNC_BODY_LIMIT_BYTES: '1048576',
    });
    processes.push(web);
    await until(() => /hubsync is running at (\S+)/.test(web.stdout()), 'the web process listens', web);
    const url = /hubsync is running at (\S+)/.exec(web.stdout())![1]!.replace('localhost', '127.0.0.1');
    const startWorker = async (): Promise<Cli> => {
      const worker = runCli(['worker', ...(options.workerConcurrency ? ['--concurrency', String(options.workerConcurrency)] : [])], env);
      processes.push(worker);
      workers.push(worker);
      await takingJobs(worker);
      return worker;
    };
    await Promise.all(Array.from({ length: options.workers }, startWorker));

    const admin = await ApiClient.signIn(url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const workspaces: ScaleOutWorkspace[] = [];
    for (let i = 1; i <= options.workspaces; i++) {
      const slug = `portal-${i}`;
      const created = await admin.post('/api/workspaces', { slug, name: `Portal ${i}` });
      if (created.status !== 201) throw new Error(`creating workspace ${slug} failed: ${created.status} ${JSON.stringify(created.body)}`);
      const settings = await admin.patch(`/api/workspaces/${slug}/hubspot/settings`, { pushContactsOnChange: options.onChangePush });
      if (settings.status !== 200) throw new Error(`settings of ${slug} failed: ${settings.status} ${JSON.stringify(settings.body)}`);
      const { portalId } = sandbox.control.createPortal({ tier: options.tier });
      const { token } = sandbox.control.createPrivateAppToken({ portalId });
      const connected = await admin.request('PUT', `/api/workspaces/${slug}/hubspot/connection`, { accessToken: token });
      if (connected.status !== 200) throw new Error(`connecting ${slug} failed: ${connected.status} ${JSON.stringify(connected.body)}`);
      workspaces.push({ slug, portalId, token });
    }
    return { db, sql, sandbox, web, url, admin, workers, workspaces, startWorker, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

async function stopProcess(cli: Cli): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 30_000);
  await cli.exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The kernel's clock ticks per second (USER_HZ), 100 on Linux everywhere that matters. */
const CLOCK_TICKS = 100;
