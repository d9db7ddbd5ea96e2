// Behaviour of the embedded (SQLite) backend beyond the shared contract. Skipped when the
// test database is PostgreSQL, where pg-boss archives and deletes its own jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from '../store/index.js';
import { createJobQueue, defineJob } from './index.js';
import { eventually, testQueueOptions } from './test-queue.fixture.js';

let testDb: TestDatabase;
let database: OpenedDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = openDatabase(testDb.config);
  await migrateToLatest(database.db);
});

afterAll(async () => {
  await database.close();
  await testDb.drop();
});

describe.skipIf(TEST_DB_KIND !== 'sqlite')('embedded job queue', () => {
  it('deletes finished jobs older than the retention and keeps waiting ones', async () => {
    const job = defineJob({ name: 't.retention', payload: z.object({ n: z.number() }) });
    const first = createJobQueue(database, testQueueOptions(testDb.config, [job]));
    await first.start();
    await first.work(job, async () => undefined);
    await first.send(job, { n: 1 });
    await eventually('the job to complete', async () => (await first.counts())[0]?.completed === 1);
    await first.stop();
    await first.send(job, { n: 2 });

    // A later start prunes at once; a 1 ms retention makes the completed job old enough.
    const second = createJobQueue(database, { ...testQueueOptions(testDb.config, [job]), retentionMs: 1 });
    await second.start();
    expect((await second.counts())[0]).toMatchObject({ queued: 1, completed: 0 });
    await second.stop();
  });
});
