// `hubsync reconcile` as a real process on a test database (SQLite or PostgreSQL) against the
// sandbox over HTTP: its help, the dry run's preview (nothing changed, HubSpot only read), the
// reconcile itself with its progress and summary on stderr and its exit codes, and refusals.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli-process.js';
import { startSandboxedService, workerEnvOf, type SandboxedService } from '../../test/support/sandboxed.js';
import type { Db } from '../store/index.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
let db: Db;

beforeEach(async () => {
  // The CLI runs the run; this process only serves the API and works no job.
  env = await startSandboxedService({ jobs: { work: false } });
  db = env.ts.service.database.db;
});
afterEach(async () => env?.close());

const reconcile = async (...args: string[]) => {
  const cli = runCli(['reconcile', ...args], workerEnvOf(env));
  const code = await cli.exited;
  return { code, out: cli.stdout() };
};
const tables = async () => Promise.all(['customers', 'sync_checkpoints', 'sync_conflicts', 'sync_runs', 'sync_attempts'].map((t) => db.selectFrom(t as 'customers').selectAll().execute()));

describe('hubsync reconcile', () => {
  it('explains itself, its dry run and its exit codes with --help', async () => {
    const { code, out } = await reconcile('--help');
    expect(code).toBe(0);
    expect(out).toContain('--dry-run');
    expect(out).toContain('--workspace <slug>');
    expect(out).toMatch(/Exit codes: 0 succeeded; 2 succeeded, but records failed.*1 failed, cancelled, or could not start/s);
  });

  it('previews the reconcile, then runs it: pull, then push, with progress on stderr and exit 2 for a value it could not store', async () => {
    env.sandbox.control.seedContacts(env.portalId, [
      { email: 'remote@example.com', firstname: 'Remote', lifecyclestage: 'customer' },
      { email: 'long@example.com', firstname: 'x'.repeat(300), lifecyclestage: 'customer' },
      { email: 'both@example.com', phone: '+41 1', lifecyclestage: 'lead' },
      { email: 'lead@example.com', lifecyclestage: 'lead' },
    ]);
    await env.admin.post(`${W}/customers`, { email: 'local@example.com', firstName: 'Local' });
    await env.admin.post(`${W}/customers`, { email: 'both@example.com', firstName: 'Both' });
    await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true });
    const before = await tables();
    env.sandbox.control.resetCounts();
    env.sandbox.control.recordWrites();

    const dry = await reconcile('--workspace', 'default', '--dry-run');
    expect(dry.code).toBe(0);
    // Pulled: four listed, read again by the incremental window's overlap. Created: remote@ and
    // long@ (whose first name is too long to store); both@ linked. Pushed after the pull:
    // local@ created; both@ and long@ (holding what HubSpot lacks) updated.
    expect(dry.out).toBe(
      [
        'Dry run of a reconcile of workspace "default": nothing was changed, HubSpot was only read.',
        'Pull (HubSpot → hubsync): 8 HubSpot records read; 2 to create, 1 to link, 0 to update, 0 to delete; 0 conflicts; 1 value that cannot be stored locally.',
        'Push (hubsync → HubSpot): 1 to create, 2 to update, 0 to archive.',
        '  contacts: 1 to create, 2 to update, 0 to archive',
        '',
      ].join('\n'),
    );
    expect(await tables()).toEqual(before);
    expect(env.sandbox.control.writes()).toEqual([]);

    // Slow enough calls that the progress line sees the pull under way.
    env.sandbox.control.setLatency(400);
    const run = await reconcile('--workspace', 'default');
    env.sandbox.control.setLatency(undefined);
    expect(run.code).toBe(2);
    expect(run.out).toMatch(/^Pulling \d+ HubSpot records read/m);
    expect(run.out).toContain('Pulled 8 HubSpot records: 2 created, 1 updated or linked, 0 conflicts resolved, 0 deleted.');
    expect(run.out).toContain('Reconcile succeeded: 1 created, 2 updated, 0 failed, 0 skipped (duplicate or no email);');
    expect(run.out).toContain('Some HubSpot values could not be stored locally (see the sync log).');
    const rows = await db.selectFrom('sync_runs').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ trigger: 'manual', started_by: 'hubsync CLI', status: 'succeeded', pulled: 8, pulled_created: 2, pulled_updated: 1, created: 1, updated: 2 });
    const statuses = await db.selectFrom('customers').select(['email_lower', 'sync_status']).orderBy('email_lower').execute();
    expect(statuses.map((c) => [c.email_lower, c.sync_status])).toEqual([
      ['both@example.com', 'synced'],
      ['local@example.com', 'synced'],
      ['long@example.com', 'synced'],
      ['remote@example.com', 'synced'],
    ]);

    // Again at once, nothing changed since: the run that just ended answers for it (Sync now's rule).
    const again = await reconcile();
    expect(again.code).toBe(2);
    expect(again.out).toMatch(/^Nothing changed since the last run ended at .*; it answers for this one\.$/m);
    expect(await db.selectFrom('sync_runs').select('id').execute()).toHaveLength(1);
  });

  it('exits 1 with the reason for an unknown workspace, and when HubSpot is not connected', async () => {
    const unknown = await reconcile('--workspace', 'nope', '--dry-run');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('hubsync: Workspace "nope" does not exist.');
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBeLessThan(300);
    for (const args of [[], ['--dry-run']]) {
      const refused = await reconcile(...args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.out).toContain('hubsync: Connect HubSpot first');
    }
    expect(await db.selectFrom('sync_runs').selectAll().execute()).toEqual([]);
  });
});
