// SIGKILL loses nothing: a real child process takes a job and is killed holding it; another
// queue instance takes the job up again (embedded: the lease runs out; pg-boss: the supervisor
// expires it) and completes it exactly once. Runs against the backend of TEST_DB_KIND.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../store/index.js';
import { createJobQueue, type JobQueue } from './index.js';
import { crashJob, eventually, sleep, testQueueOptions } from './test-queue.fixture.js';

let testDb: TestDatabase;
let database: OpenedDatabase;
let queue: JobQueue | undefined;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = openDatabase(testDb.config);
  await migrateToLatest(database.db);
});

afterAll(async () => {
  await queue?.stop({ graceful: false });
  await database.close();
  await testDb.drop();
});

it(`takes up the job of a SIGKILLed worker process and completes it exactly once (${TEST_DB_KIND})`, async () => {
  queue = createJobQueue(database, testQueueOptions(testDb.config, [crashJob]));
  await queue.start();
  const id = await queue.send(crashJob, { workspaceId: 'ws_1' });

  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./sigkill-child.fixture.ts', import.meta.url))], {
    env: { ...process.env, HUBSYNC_JOBS_TEST_DB: JSON.stringify(testDb.config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually('the child to take the job', () => output.includes('started'), 30_000);
  expect(output.trim()).toBe(`started ${id}`);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const runs: { id: string; attempt: number }[] = [];
  await queue.work(crashJob, async (_payload, context) => {
    runs.push({ id: context.id, attempt: context.attempt });
  });
  await eventually('the job to be completed here', async () => (await queue!.counts())[0]?.completed === 1, 30_000);
  await sleep(2_000);
  // The same job, on its second attempt (the child's was the first), run here once.
  expect(runs).toEqual([{ id, attempt: 2 }]);
  expect((await queue.counts())[0]).toMatchObject({ queued: 0, retry: 0, active: 0, completed: 1, failed: 0 });
});
