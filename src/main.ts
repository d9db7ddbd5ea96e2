// Composition root: reads nothing itself but the Config it is given; opens the database, runs
// migrations, bootstraps the first admin, builds the services and the HTTP app, and starts
// whatever else the configuration asks for (the built-in HubSpot sandbox in the embedded mode).
import type { FastifyInstance } from 'fastify';
import { LoginThrottle } from './auth/index.js';
import type { Config } from './config/index.js';
import { buildApp, type AppContext, type RouteGroup } from './http/index.js';
import { systemClock, type Clock } from './lib/index.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from './store/index.js';
import { bootstrap, type BootstrapOutcome } from './workspaces/index.js';

export interface Service {
  app: FastifyInstance;
  database: OpenedDatabase;
  context: AppContext;
  bootstrap: BootstrapOutcome;
  /** Where the API listens, once started. */
  url: string | undefined;
  close(): Promise<void>;
}

export interface CreateServiceOptions {
  clock?: Clock;
  logger?: boolean;
  extraRoutes?: RouteGroup[];
}

/** Builds the whole service without listening (tests use `app.inject` or `listen` on port 0). */
export async function createService(config: Readonly<Config>, options: CreateServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? systemClock;
  const database = openDatabase(config.database);
  await migrateToLatest(database.db);
  const bootstrapped = await bootstrap(database.db, clock, config.admin);
  const context: AppContext = {
    config,
    db: database.db,
    clock,
    throttle: new LoginThrottle(clock),
    customerListeners: [],
  };
  const app = await buildApp(context, { routes: options.extraRoutes ?? [], logger: options.logger ?? true });
  const service: Service = {
    app,
    database,
    context,
    bootstrap: bootstrapped,
    url: undefined,
    async close() {
      await app.close();
      await database.close();
    },
  };
  return service;
}

export async function startService(config: Readonly<Config>, options: CreateServiceOptions = {}): Promise<Service> {
  const service = await createService(config, options);
  const address = await service.app.listen({ host: config.host, port: config.port });
  service.url = address.replace('127.0.0.1', 'localhost');
  return service;
}
