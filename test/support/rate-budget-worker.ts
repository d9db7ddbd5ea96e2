// One hubsync-like process for the shared rate budget test (src/integration/
// shared-rate-budget.int.test.ts): its own database connection, rate governor and HubSpot
// client, calling one sandbox portal. It prints `ready`, waits for a line on stdin so that all
// processes start together, makes CALLS calls with CONCURRENCY in flight, prints a JSON summary
// and exits.
//
// Environment: DB_CONFIG (JSON DatabaseConfig), BASE_URL, TOKEN, PORTAL_ID, CALLS, CONCURRENCY,
// LEDGER (`database`, the default, or `memory` to show what happens without a shared budget).
import { createInterface } from 'node:readline';
import type { DatabaseConfig } from '../../src/config/index.js';
import { createHubSpotClient, createMemoryRateLedger, createRateGovernorRegistry, staticToken } from '../../src/hubspot/index.js';
import { createDatabaseRateLedger } from '../../src/integration/index.js';
import { openDatabase } from '../../src/store/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const opened = openDatabase(JSON.parse(env('DB_CONFIG')) as DatabaseConfig);
const ledger = process.env['LEDGER'] === 'memory' ? createMemoryRateLedger() : createDatabaseRateLedger(opened.db, opened.kind);
const portalId = Number(env('PORTAL_ID'));
const registry = createRateGovernorRegistry({ ledger });
const client = createHubSpotClient({
  baseUrl: env('BASE_URL'),
  auth: staticToken(env('TOKEN')),
  portalId,
  governor: registry.forPortal(portalId, 'free'),
});
const calls = Number(env('CALLS'));
const concurrency = Number(env('CONCURRENCY'));

const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.once('line', () => resolve()));
process.stdout.write('ready\n');
await go;
lines.close();

let started = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (started < calls) {
      started += 1;
      await client.contacts.list({ limit: 1 }).catch(() => {
        failed += 1;
      });
    }
  }),
);
process.stdout.write(`${JSON.stringify({ calls: started, failed })}\n`);
await client.close();
await registry.close();
await ledger.flush?.();
await opened.close();
process.exit(0);
