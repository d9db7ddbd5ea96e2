// The child process of the SIGKILL test (run as `node --import tsx <this file>`): takes one
// crashJob, says so on stdout, and hangs until it is killed. HUBSYNC_JOBS_TEST_DB holds the
// database config as JSON.
import type { DatabaseConfig } from '../config/index.js';
import { openDatabase } from '../store/index.js';
import { createJobQueue } from './index.js';
import { crashJob, testQueueOptions } from './test-queue.fixture.js';

const config = JSON.parse(process.env['HUBSYNC_JOBS_TEST_DB'] ?? '') as DatabaseConfig;
const database = openDatabase(config);
const queue = createJobQueue(database, { ...testQueueOptions(config, [crashJob]), onError: () => undefined });
await queue.start();
await queue.work(crashJob, async (_payload, { id }) => {
  process.stdout.write(`started ${id}\n`);
  // Never settles: the process is killed while it holds the job.
  await new Promise(() => undefined);
});
