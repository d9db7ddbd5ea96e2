// The `hubsync` command: serve, worker, migrate, import, sandbox, sync, reconcile (./sync-commands.ts),
// rotate-secret, backup (./operations-commands.ts).
// Each subcommand reads the environment through loadConfig() once and hands the result to the
// composition root.
import { createReadStream } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { importCustomersCsv } from '../customers/index.js';
import { systemClock } from '../lib/index.js';
import { createService, startService, wantsSandbox } from '../main.js';
import { startMetricsServer, type MetricsServer } from '../metrics/index.js';
import { findWorkspaceBySlug, migrateToLatest, openDatabase } from '../store/index.js';
import { DEFAULT_WORKSPACE_SLUG } from '../workspaces/index.js';
import { registerSandboxCommand } from '../sandbox/cli.js';
import { ProgressBar } from './progress.js';
import { registerOperationsCommands } from './operations-commands.js';
import { registerSyncCommands } from './sync-commands.js';

export function buildProgram(): Command {
  const program = new Command('hubsync')
    .description('Keeps your customers in sync with HubSpot CRM.')
    .showHelpAfterError()
    .exitOverride((error) => process.exit(error.exitCode));

  program
    .command('serve')
    .description('Start the web UI and REST API, and work the sync jobs (migrates the database first)')
    .option('--port <port>', 'port to listen on (default $HUBSYNC_PORT or 3000)')
    .option('--host <host>', 'address to bind (default $HUBSYNC_HOST or 127.0.0.1)')
    .option('--web-only', 'serve the web UI and API only; sync jobs are sent for `hubsync worker` processes to run')
    .addHelpText('after', '\nWith SQLite (the embedded mode) run one `serve` process; split web and workers with PostgreSQL.\n')
    .action(async (options: { port?: string; host?: string; webOnly?: boolean }) => {
      const config = loadConfig({
        ...process.env,
        ...(options.port ? { HUBSYNC_PORT: options.port } : {}),
        ...(options.host ? { HUBSYNC_HOST: options.host } : {}),
      });
      const service = await startService(config, { jobs: { work: options.webOnly !== true } });
      // Before announcing anything: a signal sent on reading the announcement must find the handler.
      stopOnSignal(() => service.close());
      const out = process.stdout;
      if (service.bootstrap.created) {
        out.write(`\nCreated workspace "${DEFAULT_WORKSPACE_SLUG}" and its admin ${service.bootstrap.adminEmail}.\n`);
        if (service.bootstrap.generatedPassword) {
          out.write(`Admin password (shown once, save it now): ${service.bootstrap.generatedPassword}\n`);
        }
      }
      if (service.sandbox) {
        out.write(`\nNo HubSpot is configured, so the built-in HubSpot sandbox runs at ${service.sandbox.baseUrl} (portal ${service.sandbox.portalId}).\n`);
        out.write(`Paste this access token on Config → Integrations → HubSpot → Connection: ${service.sandbox.token}\n`);
      }
      out.write(`\nhubsync is running at ${service.url}  (API docs: ${service.url}/api/docs)\n`);
    });

  program
    .command('worker')
    .description('Work the sync jobs (Sync now runs, on-change pushes) without serving HTTP')
    .option('--concurrency <n>', 'jobs of each sync queue this process runs at once (default 4)')
    .option('--metrics-port <port>', "serve this worker's Prometheus metrics at http://$HUBSYNC_HOST:<port>/metrics (same HUBSYNC_METRICS_TOKEN)")
    .addHelpText(
      'after',
      '\nRun any number of workers beside `serve --web-only` on PostgreSQL. With SQLite the embedded\n' +
        'mode is one `serve` process (a worker works, but shares one database file).\n' +
        'SIGTERM or SIGINT: stop taking jobs, finish the batch in hand, hand the job back, exit 0.\n\nExample:\n  hubsync worker --concurrency 8 --metrics-port 9464\n',
    )
    .action(async (options: { concurrency?: string; metricsPort?: string }) => {
      const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error('--concurrency must be a whole number ≥ 1.');
      const metricsPort = options.metricsPort === undefined ? undefined : Number(options.metricsPort);
      if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) throw new Error('--metrics-port must be a port number (0–65535).');
      const config = loadConfig();
      const service = await createService(config, {
        logger: config.logLevel !== 'silent',
        metrics: metricsPort !== undefined,
        jobs: { work: true, ...(concurrency ? { concurrency } : {}) },
        // In the embedded mode the sandbox lives in the `serve` process; reach it on its port.
        ...(wantsSandbox(config) ? { fallbackHubSpotBaseUrl: `http://127.0.0.1:${config.sandbox.port}` } : {}),
      });
      let scrape: MetricsServer | undefined;
      try {
        if (metricsPort !== undefined) scrape = await startMetricsServer({ metrics: service.context.metrics!, host: config.host, port: metricsPort, token: config.metrics.token });
      } catch (error) {
        await service.close();
        throw error;
      }
      // Before announcing readiness: a signal sent on reading the announcement must find the handler.
      stopOnSignal(async () => {
        await scrape?.close();
        await service.close();
      });
      process.stdout.write(`hubsync worker ${process.pid} is taking jobs (${service.jobs.backend} queue).${scrape ? ` Metrics: ${scrape.url}` : ''}\n`);
    });

  program
    .command('migrate')
    .description('Bring the database schema up to date and exit')
    .action(async () => {
      const config = loadConfig();
      const database = openDatabase(config.database);
      try {
        const { applied } = await migrateToLatest(database.db);
        process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Database is up to date.\n');
      } finally {
        await database.close();
      }
    });

  program
    .command('import')
    .description('Import customers from a CSV file (header row names the fields)')
    .argument('<file>', 'CSV file, e.g. customers.csv')
    .option('-w, --workspace <slug>', 'workspace to import into', DEFAULT_WORKSPACE_SLUG)
    .option('--errors <n>', 'print at most this many bad rows', '100')
    .addHelpText('after', '\nExample:\n  hubsync import customers.csv --workspace default\n')
    .action(async (file: string, options: { workspace: string; errors: string }) => {
      const config = loadConfig();
      const service = await createService(config, { logger: false, jobs: { work: false } });
      try {
        const workspace = await findWorkspaceBySlug(service.database.db, options.workspace);
        if (!workspace) throw new Error(`Workspace "${options.workspace}" does not exist.`);
        const bar = new ProgressBar('Importing');
        const maxErrors = Number(options.errors);
        let printed = 0;
        const result = await importCustomersCsv(
          { db: service.database.db, clock: systemClock, listeners: service.context.customerListeners },
          workspace.id,
          createReadStream(file),
          {
            onProgress: (p) => bar.update(p.rowsRead, undefined, `rows · ${p.created} created · ${p.updated} updated · ${p.failed} failed`),
            onRowError: (e) => {
              if (printed++ < maxErrors) process.stderr.write(`\nline ${e.line}: ${e.message}`);
            },
          },
        );
        bar.finish(
          `Imported ${result.rowsRead} rows: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.failed} failed.`,
        );
        if (result.failed > printed) process.stderr.write(`(${result.failed - printed} more bad rows not printed)\n`);
        process.exitCode = result.failed > 0 ? 2 : 0;
      } finally {
        await service.close();
      }
    });

  registerSandboxCommand(program);

  registerSyncCommands(program);

  registerOperationsCommands(program);

  return program;
}

/** On SIGTERM or SIGINT: close (HTTP, then jobs hand back within JOB_STOP_TIMEOUT_MS) and exit 0. */
function stopOnSignal(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`hubsync: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`hubsync: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
