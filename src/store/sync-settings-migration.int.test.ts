// Migration 008 on a database that already holds a workspace and runs: the workspace keeps
// on-change push off and gets the nightly reconcile at 03:00 UTC; `api` and `cli` triggers
// become `manual`.
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { useDatabaseMigratedTo } from '../../test/support/migration-database.js';
import { migrateToLatest } from './migrate.js';

const migrated = useDatabaseMigratedTo('004-partial-status-index');

it('gives existing workspaces on-change push off and the nightly schedule, and narrows old triggers to manual', async () => {
  const db = migrated();
  await db.insertInto('workspaces').values({ id: 'ws_old', slug: 'old', name: 'Old', created_at: 1_700_000_000_000 }).execute();
  const run = { workspace_id: 'ws_old', status: 'succeeded', started_by: 'x', owner: 'o', started_at: 1, heartbeat_at: 1, finished_at: 2, phase: 'done', total: 0, processed: 0, created: 0, updated: 0, failed: 0, skipped: 0, api_calls: 0, cancel_requested: 0, error: null };
  // The rows as they were at migration 004 (the columns of later migrations do not exist yet).
  await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
    .insertInto('sync_runs')
    .values([
      { ...run, id: 'run_1', trigger: 'api' },
      { ...run, id: 'run_2', trigger: 'cli' },
      { ...run, id: 'run_3', trigger: 'manual' },
      { ...run, id: 'run_4', trigger: 'schedule' },
    ])
    .execute();

  expect((await migrateToLatest(db)).applied).toContain('008-sync-settings');

  expect(await db.selectFrom('sync_settings').selectAll().execute()).toEqual([
    // Migration 012 then leaves them syncing contacts only; 015 leaves two-way off; 016 leaves write-through and both deletion settings off; 028 gives the 60 s de-duplication window; 036 leaves the schedule's change time unknown.
    { workspace_id: 'ws_old', push_contacts_on_change: 0, push_companies_on_change: 0, reconcile_schedule: '0 3 * * *', timezone: 'UTC', updated_at: expect.anything(), sync_companies: 0, sync_deals: 0, sync_activities: 0, two_way: 0, inbound_lifecycle_stages: '["customer","subscriber"]', poll_interval_minutes: 5, write_through: 0, propagate_deletes: 0, archive_on_hubspot_delete: 0, dedup_window_seconds: 60, schedule_changed_at: null },
  ]);
  const triggers = await db.selectFrom('sync_runs').select(['id', 'trigger']).orderBy('id').execute();
  expect(triggers.map((r) => r.trigger)).toEqual(['manual', 'manual', 'manual', 'schedule']);
});
