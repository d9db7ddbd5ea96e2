// The emitter keeps each workspace's endpoints a few seconds instead of reading them with every
// batch's events, on a real database (SQLite, or PostgreSQL with HUBSYNC_TEST_DB=postgres): a
// pushed run's batches read them once; an endpoint created, changed or removed in this process
// is seen by the very next event; one created by another process within ENDPOINTS_KEPT_MS; and
// one another process removed or disabled meanwhile gets nothing, without failing the events'
// transaction.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { ManualClock } from '../lib/index.js';
import { enabledWebhookEndpoints, migrateToLatest, openDatabase, type Db, type OpenedDatabase } from '../store/index.js';
import { ENDPOINTS_KEPT_MS, WebhookEmitter, type WebhookEvent } from './index.js';

let testDb: TestDatabase;
let opened: OpenedDatabase;
let db: Db;
const WS = 'ws_cache';

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = openDatabase(testDb.config);
  db = opened.db;
  await migrateToLatest(db);
  await db.insertInto('workspaces').values({ id: WS, slug: 'cache', name: 'Cache', created_at: 1 }).execute();
});
afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

let clock: ManualClock;
let reads: number;
let wakes: number;
let emitter: WebhookEmitter;

beforeEach(async () => {
  await db.deleteFrom('webhook_deliveries').execute();
  await db.deleteFrom('webhook_endpoints').execute();
  clock = new ManualClock(Date.UTC(2026, 5, 1));
  reads = 0;
  wakes = 0;
  // The real read, counted.
  emitter = new WebhookEmitter({
    clock,
    wake: () => void wakes++,
    readEndpoints: async (on, workspaceId) => {
      reads++;
      return (await enabledWebhookEndpoints(on, workspaceId)).map((e) => ({ id: e.id, events: new Set(JSON.parse(e.events) as string[]) }));
    },
  });
});

async function addEndpoint(id: string, events: string[]): Promise<void> {
  await db.insertInto('webhook_endpoints').values({ id, workspace_id: WS, url: `http://127.0.0.1:9/${id}`, description: null, events: JSON.stringify(events), secret_enc: 'sealed', enabled: 1, created_at: 1, updated_at: 1 }).execute();
}

/** One batch's events, recorded in its own transaction as a pushed batch's are. */
async function emitBatch(n: number): Promise<void> {
  const events: WebhookEvent[] = [{ type: 'customer.synced', data: { n } }];
  await db.transaction().execute((trx) => emitter.emit(trx, WS, events));
}

const deliveriesTo = async (endpointId: string) => (await db.selectFrom('webhook_deliveries').select('body').where('endpoint_id', '=', endpointId).execute()).map((d) => (JSON.parse(d.body) as { data: { n: number } }).data.n);

describe('the emitter’s endpoints', () => {
  it('are read once for a run’s batches, not once per batch', async () => {
    await addEndpoint('whe_a', ['customer.synced']);
    for (let n = 1; n <= 10; n++) await emitBatch(n);
    expect(await deliveriesTo('whe_a')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(reads).toBe(1);
    expect(wakes).toBe(10);
  });

  it('are read again at once after a change in this process: a new endpoint gets the very next event', async () => {
    await addEndpoint('whe_a', ['customer.synced']);
    await emitBatch(1);
    await addEndpoint('whe_b', ['customer.synced']);
    emitter.endpointsChanged(WS);
    await emitBatch(2);
    expect(await deliveriesTo('whe_b')).toEqual([2]);
    expect(await deliveriesTo('whe_a')).toEqual([1, 2]);
    expect(reads).toBe(2);
  });

  it('are read again after ENDPOINTS_KEPT_MS, so another process’s new endpoint is seen that much later at most', async () => {
    await emitBatch(1);
    // Another process registers an endpoint: this one does not know yet.
    await addEndpoint('whe_c', ['customer.synced']);
    clock.advance(ENDPOINTS_KEPT_MS - 1);
    await emitBatch(2);
    expect(await deliveriesTo('whe_c')).toEqual([]);
    clock.advance(1);
    await emitBatch(3);
    expect(await deliveriesTo('whe_c')).toEqual([3]);
    expect(reads).toBe(2);
  });

  it('never write to an endpoint another process removed or disabled meanwhile, nor fail the transaction', async () => {
    await addEndpoint('whe_gone', ['customer.synced']);
    await addEndpoint('whe_off', ['customer.synced']);
    await addEndpoint('whe_kept', ['customer.synced']);
    await emitBatch(1);
    await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', 'whe_gone').execute();
    await db.deleteFrom('webhook_endpoints').where('id', '=', 'whe_gone').execute();
    await db.updateTable('webhook_endpoints').set({ enabled: 0 }).where('id', '=', 'whe_off').execute();
    await emitBatch(2);
    expect(reads).toBe(1);
    expect(await deliveriesTo('whe_gone')).toEqual([]);
    expect(await deliveriesTo('whe_off')).toEqual([1]);
    expect(await deliveriesTo('whe_kept')).toEqual([1, 2]);
  });

  it('cost nothing more than the read when the workspace has none, and wake nothing', async () => {
    await emitBatch(1);
    await emitBatch(2);
    expect(reads).toBe(1);
    expect(wakes).toBe(0);
  });
});
