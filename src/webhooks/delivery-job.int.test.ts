// The `webhooks.deliver` job worked through the job queue of TEST_DB_KIND (the embedded queue on
// SQLite, pg-boss with HUBSYNC_TEST_DB=postgres) against a real receiver on 127.0.0.1: events
// recorded by the emitter wake the job through the waker, the job signs and posts each delivery
// once, and a delivery the receiver answered with 500 is sent again when its backoff is due
// (the delivery clock is a manual one, moved past the backoff; the queue runs in real time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { createJobQueue, type JobQueue } from '../jobs/index.js';
import { eventually, sleep, testQueueOptions } from '../jobs/test-queue.fixture.js';
import { generateSecretKey, ManualClock, parseSecretKey, SecretBox } from '../lib/index.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../store/index.js';
import { verifyWebhookSignature, WebhookEmitter, WEBHOOKS_OUT_JOBS, WebhookWaker, workWebhooksOut } from './index.js';

const WS = 'ws_hooks';
const SECRET = 'whsec_delivery_job_test';
let testDb: TestDatabase;
let database: OpenedDatabase;
let jobs: JobQueue;
let waker: WebhookWaker;
let emitter: WebhookEmitter;
let receiver: WebhookReceiver;
const clock = new ManualClock(Date.now());
const errors: unknown[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = openDatabase(testDb.config);
  await migrateToLatest(database.db);
  receiver = new WebhookReceiver();
  const url = await receiver.start();
  const secrets = new SecretBox(parseSecretKey(generateSecretKey()));
  await database.db.insertInto('workspaces').values({ id: WS, slug: 'hooks', name: 'Hooks', created_at: 1 }).execute();
  await database.db
    .insertInto('webhook_endpoints')
    .values({ id: 'whe_job', workspace_id: WS, url, description: null, events: JSON.stringify(['run.finished']), secret_enc: secrets.encrypt(SECRET), enabled: 1, created_at: 1, updated_at: 1 })
    .execute();
  jobs = createJobQueue(database, testQueueOptions(testDb.config, WEBHOOKS_OUT_JOBS));
  await jobs.start();
  await workWebhooksOut({ db: database.db, clock, secrets, allowPrivate: true, random: () => 0.5, jobs });
  // As in the service: the emitter's wake-up sends the job shortly after the events were recorded.
  waker = new WebhookWaker(jobs, (error) => errors.push(error), 20);
  emitter = new WebhookEmitter({ clock, wake: waker.wake });
}, 60_000);
afterAll(async () => {
  waker?.stop();
  await jobs?.stop({ graceful: false });
  await receiver?.close();
  await database?.close();
  await testDb?.drop();
});

const deliveries = () => database.db.selectFrom('webhook_deliveries').selectAll().orderBy('created_at').orderBy('id').execute();
const completedJobs = async () => (await jobs.counts()).find((c) => c.queue === 'webhooks.deliver')?.completed ?? 0;

describe('webhooks.deliver through the job queue', () => {
  it('delivers a recorded event once, signed with the endpoint’s secret', async () => {
    await database.db.transaction().execute((trx) => emitter.emit(trx, WS, [{ type: 'run.finished', data: { runId: 'run_1', status: 'succeeded' } }]));
    await eventually('the delivery to be recorded as delivered', async () => (await deliveries())[0]?.status === 'delivered');
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    const event = JSON.parse(request!.body) as { id: string; type: string; workspaceId: string; data: unknown };
    expect(event).toMatchObject({ type: 'run.finished', workspaceId: WS, data: { runId: 'run_1', status: 'succeeded' } });
    expect(request!.headers['hubsync-event-id']).toBe(event.id);
    const header = String(request!.headers['hubsync-signature']);
    expect(verifyWebhookSignature(header, SECRET, request!.body, Math.floor(clock.now() / 1000))).toBe(true);
    expect(verifyWebhookSignature(header, 'whsec_other', request!.body, Math.floor(clock.now() / 1000))).toBe(false);

    // The job worked again (a later wake-up, the sweep) finds nothing due: still one request.
    const completed = await completedJobs();
    waker.wake();
    await eventually('the next job to complete', async () => (await completedJobs()) > completed);
    await sleep(100);
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveries()).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, last_status_code: 200 })]);
  });

  it('sends a delivery the receiver answered with 500 again once its backoff is due, and then only', async () => {
    receiver.requests = [];
    receiver.answers = [500];
    await database.db.transaction().execute((trx) => emitter.emit(trx, WS, [{ type: 'run.finished', data: { runId: 'run_2', status: 'failed' } }]));
    const latest = async () => (await deliveries()).find((d) => (JSON.parse(d.body) as { data: { runId: string } }).data.runId === 'run_2');
    await eventually('the first attempt to be recorded', async () => (await latest())?.attempts === 1);
    expect(await latest()).toMatchObject({ status: 'pending', last_status_code: 500, next_attempt_at: clock.now() + 60_000 });
    expect(receiver.requests.map((r) => r.status)).toEqual([500]);

    // Not due yet: the job finds nothing to send.
    const completed = await completedJobs();
    waker.wake();
    await eventually('a job to complete', async () => (await completedJobs()) > completed);
    expect(receiver.requests).toHaveLength(1);

    clock.advance(60_000);
    waker.wake();
    await eventually('the retry to be recorded as delivered', async () => (await latest())?.status === 'delivered');
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
    // The same event, signed afresh.
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect(verifyWebhookSignature(String(receiver.requests[1]!.headers['hubsync-signature']), SECRET, receiver.requests[1]!.body, Math.floor(clock.now() / 1000))).toBe(true);
    expect(await latest()).toMatchObject({ attempts: 2, last_status_code: 200, next_attempt_at: null });
    expect(errors).toEqual([]);
  });
});
