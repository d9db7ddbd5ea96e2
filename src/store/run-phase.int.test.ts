// A run's phase moves only while the run is still running: a worker's take-over or pause that
// comes after the run ended (a queued run cancelled meanwhile) changes nothing and says so.
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../test/support/migration-database.js';
import { findRun, insertRun, NO_INBOUND_COUNTS, setRunPhase, updateRun } from './sync.repository.js';

const migrated = useDatabaseMigratedTo();

const queuedRun = {
  id: 'run_1',
  workspace_id: 'ws_1',
  status: 'running',
  trigger: 'manual',
  started_by: 'Admin',
  owner: 'starter',
  started_at: 1,
  heartbeat_at: 1,
  finished_at: null,
  phase: 'queued',
  total: 0,
  processed: 0,
  created: 0,
  updated: 0,
  failed: 0,
  skipped: 0,
  api_calls: 0,
  cancel_requested: 0,
  error: null,
  ...NO_INBOUND_COUNTS,
};

it('moves a running run to the phase with the change, and leaves an ended run as it ended', async () => {
  const db = migrated();
  await db.insertInto('workspaces').values({ id: 'ws_1', slug: 'one', name: 'One', created_at: 1 }).execute();
  await insertRun(db, queuedRun);

  expect(await setRunPhase(db, 'run_1', 'planning', { owner: 'worker', heartbeat_at: 2 })).toBe(true);
  expect(await findRun(db, 'ws_1', 'run_1')).toMatchObject({ status: 'running', phase: 'planning', owner: 'worker', heartbeat_at: 2 });
  expect(await setRunPhase(db, 'run_1', 'queued')).toBe(true);
  expect(await findRun(db, 'ws_1', 'run_1')).toMatchObject({ status: 'running', phase: 'queued', owner: 'worker' });

  await updateRun(db, 'run_1', { status: 'cancelled', phase: 'done', finished_at: 3 });
  expect(await setRunPhase(db, 'run_1', 'planning', { owner: 'late-worker', heartbeat_at: 4 })).toBe(false);
  expect(await findRun(db, 'ws_1', 'run_1')).toMatchObject({ status: 'cancelled', phase: 'done', owner: 'worker', heartbeat_at: 2, finished_at: 3 });
});
