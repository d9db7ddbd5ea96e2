// The sync log of two-way sync and the reconcile's dry run, through the running service and the
// sandbox over real HTTP, on the test database (SQLite or PostgreSQL): a reconcile's run records
// what its pull did (inbound counts, one `pull` attempt per local record, the values that could
// not be stored) beside its push attempts, and a contact HubSpot archived in its deletions;
// attempts are found by record; a poll that changes something is a `pull` run and an idle one
// leaves none; a cancel stops a run's pull; the dry run changes nothing, writes nothing to
// HubSpot, and foretells what the reconcile then does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, syncNow, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../store/index.js';
import { sendDuePulls } from './sync-jobs.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  env = await startSandboxedService();
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterEach(async () => env?.close());

interface Attempt {
  recordId: string;
  customerId: string | null;
  direction: 'push' | 'pull';
  operation: string;
  outcome: 'success' | 'error';
  message: string | null;
  hubspotId: string | null;
}

const customerId = async (email: string) => (await db.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).where('email_lower', '=', email).executeTakeFirstOrThrow()).id;
const hubspotIdOf = async (email: string) => (await db.selectFrom('customers').select('hubspot_id').where('email_lower', '=', email).executeTakeFirstOrThrow()).hubspot_id!;
const patchContact = async (id: string, properties: Record<string, string>) => {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties }) });
  expect(res.status).toBe(200);
};
const attempts = async (runId: string, query = '') => (await env.admin.get<{ attempts: Attempt[] }>(`${W}/sync/runs/${runId}/attempts${query}`)).body.attempts;
const reconcile = async () => {
  const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
  expect(started.status).toBe(202);
  return waitForRun(env.admin, started.body.id, runEnded);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every row of the tables a pull or a run writes, to prove a dry run left them alone. */
async function localState(): Promise<unknown[]> {
  const tables = ['customers', 'sync_checkpoints', 'sync_conflicts', 'sync_runs', 'sync_attempts', 'sync_run_objects', 'pending_changes'] as const;
  return Promise.all(tables.map((t) => db.selectFrom(t).selectAll().execute().then((rows) => rows.map((r) => JSON.stringify(r)).sort())));
}

/** The sandbox's routes that only read: the lists, searches and batch reads a pull makes. */
const READ_ROUTE = /^(GET |POST \/crm\/v3\/objects\/\w+\/(search|batch\/read)$)/;

/**
 * Two-way on after a push-only start: `conflict@` and `long@` were pushed (linked, with a base);
 * then `conflict@` is edited on both sides (HubSpot last), HubSpot gets a first name too long to
 * store for `long@`, and holds `both@` (unlinked locally), `remote@` (a customer) and `lead@`
 * (outside the import filter); `local@` exists only locally.
 */
async function twoSidedWorkspace(): Promise<void> {
  await env.admin.post(`${W}/customers`, { email: 'conflict@example.com', firstName: 'Before' });
  await env.admin.post(`${W}/customers`, { email: 'long@example.com', firstName: 'Short' });
  expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 2 });
  await env.admin.post(`${W}/customers`, { email: 'local@example.com', firstName: 'Local only' });
  await env.admin.post(`${W}/customers`, { email: 'both@example.com', firstName: 'Both' });
  await env.admin.patch(`${W}/customers/${await customerId('conflict@example.com')}`, { firstName: 'Local edit' });
  await sleep(20);
  await patchContact(await hubspotIdOf('conflict@example.com'), { firstname: 'HubSpot edit' });
  await patchContact(await hubspotIdOf('long@example.com'), { firstname: 'x'.repeat(300) });
  env.sandbox.control.seedContacts(env.portalId, [
    { email: 'both@example.com', phone: '+41 1', lifecyclestage: 'lead' },
    { email: 'remote@example.com', firstname: 'Remote', lifecyclestage: 'customer' },
    { email: 'lead@example.com', lifecyclestage: 'lead' },
  ]);
  expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
}

describe('a reconcile in the sync log', () => {
  it('the dry run changes nothing, writes nothing to HubSpot, and foretells the reconcile; the run records its pull and push attempts, found by record', async () => {
    await twoSidedWorkspace();
    const before = await localState();
    env.sandbox.control.resetCounts();
    env.sandbox.control.recordWrites();

    const dry = await env.admin.post(`${W}/sync/reconcile`, { dryRun: true });
    expect(dry.status).toBe(200);
    // Pulled: the five contacts listed, and the same five read again by the incremental window,
    // which reaches back `overlapMs` before the listing began. Updated: conflict@ (HubSpot's first
    // name wins) and long@ (HubSpot gave it a lifecycle stage; its first name cannot be stored).
    // Pushed after the pull: local@ created; both@ (now linked), conflict@ and long@ updated.
    expect(dry.body).toMatchObject({
      dryRun: true,
      inbound: { complete: true, pulled: 10, creates: 1, links: 1, updates: 2, deletions: 0, conflicts: 1, problems: 1 },
      outbound: { creates: 1, updates: 3, deletions: 0, objects: [{ objectType: 'contacts', creates: 1, updates: 3, deletions: 0, note: null }] },
    });
    const conflictId = await customerId('conflict@example.com');
    expect(dry.body['conflicts']).toEqual([
      expect.objectContaining({ objectType: 'contacts', recordId: conflictId, field: 'firstName', localValue: 'Local edit', hubspotValue: 'HubSpot edit', winner: 'hubspot', winningValue: 'HubSpot edit' }),
    ]);
    // Nothing local changed: no record, checkpoint, conflict, run or attempt.
    expect(await localState()).toEqual(before);
    // HubSpot was only read.
    const routes = Object.keys(env.sandbox.control.counts().byRoute);
    expect(routes).toContain('GET /crm/v3/objects/contacts');
    expect(routes.filter((r) => !READ_ROUTE.test(r))).toEqual([]);
    expect(env.sandbox.control.writes()).toEqual([]);

    // The real reconcile does what the dry run said.
    const run = await reconcile();
    const inbound = dry.body['inbound'] as Record<string, number>;
    const outbound = dry.body['outbound'] as Record<string, number>;
    expect(run).toMatchObject({
      status: 'succeeded',
      created: outbound['creates'],
      updated: outbound['updates'],
      failed: 0,
      inbound: { pulled: inbound['pulled'], created: inbound['creates'], updated: inbound['updates']! + inbound['links']!, conflicts: inbound['conflicts'], deletions: 0 },
    });
    const decided = await db.selectFrom('sync_conflicts').selectAll().execute();
    expect(decided.map((c) => [c.record_id, c.field, c.winner])).toEqual([[conflictId, 'firstName', 'hubspot']]);

    const runId = run['id'] as string;
    const ids = { both: await customerId('both@example.com'), long: await customerId('long@example.com'), remote: await customerId('remote@example.com'), local: await customerId('local@example.com') };
    const logged = await attempts(runId);
    const rows = logged.map((a) => [a.direction, a.operation, a.outcome, a.recordId]).sort();
    expect(rows).toEqual(
      [
        ['pull', 'create', 'success', ids.remote],
        ['pull', 'link', 'success', ids.both],
        ['pull', 'update', 'success', conflictId],
        // Read twice, its problem logged once.
        ['pull', 'update', 'error', ids.long],
        ['push', 'create', 'success', ids.local],
        ['push', 'update', 'success', ids.both],
        ['push', 'update', 'success', conflictId],
        ['push', 'update', 'success', ids.long],
      ].sort(),
    );
    const longAttempt = logged.find((a) => a.recordId === ids.long)!;
    expect(longAttempt).toMatchObject({ customerId: ids.long, hubspotId: await hubspotIdOf('long@example.com') });
    expect(longAttempt.message).toMatch(/^HubSpot.s firstname "x+…" must be at most 200 characters$/);
    // Each attempt carries its record's name and email as the run left the record: what the sync log shows and searches.
    const labelled = (await env.admin.get<{ attempts: { direction: string; recordId: string; recordName: string | null; email: string | null }[] }>(`${W}/sync/attempts?runId=${runId}`)).body.attempts;
    const labelOf = (direction: string, id: string) => labelled.filter((a) => a.direction === direction && a.recordId === id).map((a) => [a.recordName, a.email]);
    expect(labelOf('pull', ids.remote)).toEqual([['Remote', 'remote@example.com']]);
    expect(labelOf('pull', ids.both)).toEqual([['Both', 'both@example.com']]);
    expect(labelOf('pull', conflictId)).toEqual([['HubSpot edit', 'conflict@example.com']]);
    expect(labelOf('push', conflictId)).toEqual([['HubSpot edit', 'conflict@example.com']]);
    expect(labelOf('push', ids.local)).toEqual([['Local only', 'local@example.com']]);

    // One record's attempts, both directions; one side's.
    expect((await attempts(runId, `?recordId=${conflictId}`)).map((a) => [a.direction, a.operation])).toEqual([
      ['pull', 'update'],
      ['push', 'update'],
    ]);
    expect((await attempts(runId, `?recordId=${ids.long}&direction=pull&outcome=error`)).map((a) => a.recordId)).toEqual([ids.long]);
    expect(await attempts(runId, `?recordId=${ids.local}&direction=pull`)).toEqual([]);
    expect((await attempts(runId, '?direction=push')).every((a) => a.direction === 'push')).toBe(true);
    for (const bad of ['recordId=nope', 'recordId=cus_', `recordId=${'a'.repeat(101)}`, 'direction=sideways']) {
      const refused = await env.admin.get(`${W}/sync/runs/${runId}/attempts?${bad}`);
      expect(refused.status, bad).toBe(400);
      expect(refused.body['error']).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    // The run list carries the inbound counts too.
    const list = await env.admin.get<{ runs: Record<string, unknown>[] }>(`${W}/sync/runs`);
    expect(list.body.runs[0]).toMatchObject({ id: runId, inbound: run['inbound'] });
  });

  it('a contact archived in HubSpot: the dry run foretells its deletion, the reconcile counts it', async () => {
    const [gone] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'gone@example.com', lifecyclestage: 'customer' }]);
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
    expect(await reconcile()).toMatchObject({ status: 'succeeded', inbound: { created: 1, deletions: 0 } });
    const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${gone}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.token}` } });
    expect(res.status).toBe(204);
    // The archived listing is due again (it runs at most once per poll interval), and the last
    // run ended long enough ago not to answer for the next reconcile.
    await db.updateTable('archive_checks').set({ checked_at: Date.now() - 10 * 60_000 }).execute();
    await db.updateTable('sync_runs').set({ finished_at: Date.now() - 60_000 }).execute();

    const before = await localState();
    const dry = await env.admin.post(`${W}/sync/reconcile`, { dryRun: true });
    // Unlinked by the pull, the customer reads as never pushed: the push creates its contact again.
    expect(dry.body).toMatchObject({ inbound: { complete: true, deletions: 1 }, outbound: { creates: 1, updates: 0 } });
    expect(await localState()).toEqual(before);

    const run = await reconcile();
    expect(run).toMatchObject({ status: 'succeeded', created: 1, inbound: { deletions: 1 } });
    const customer = await db.selectFrom('customers').select(['hubspot_id', 'deleted_at']).where('email_lower', '=', 'gone@example.com').executeTakeFirstOrThrow();
    expect(customer.deleted_at).toBeNull();
    expect(customer.hubspot_id).not.toBe(gone);
  });

  it('a push-only run keeps zero inbound counts and push attempts', async () => {
    await env.admin.post(`${W}/customers`, { email: 'one@example.com' });
    const run = await syncNow(env.admin);
    expect(run['inbound']).toEqual({ pulled: 0, created: 0, updated: 0, conflicts: 0, deletions: 0 });
    expect((await attempts(run['id'] as string)).map((a) => [a.direction, a.operation])).toEqual([['push', 'create']]);
  });

  it('a poll that changes something is a `pull` run; an idle poll leaves none', async () => {
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
    expect(await reconcile()).toMatchObject({ status: 'succeeded', inbound: { pulled: 0 } });
    env.sandbox.control.seedContacts(env.portalId, [{ email: 'polled@example.com', firstname: 'Polled', lifecyclestage: 'customer' }]);
    const runsNow = async () => (await env.admin.get<{ runs: Record<string, unknown>[] }>(`${W}/sync/runs`)).body.runs;
    const poll = async (minutes: number) => {
      await db.updateTable('sync_checkpoints').set({ updated_at: Date.now() - 5 * 60_000 }).execute();
      // A minute of its own, so the service's own tick cannot have sent this poll already.
      expect(await sendDuePulls({ db, jobs: env.ts.service.jobs, clock: env.ts.service.context.clock }, Date.now() + minutes * 60_000)).toEqual([workspaceId]);
      await expect.poll(async () => (await db.selectFrom('sync_checkpoints').select('updated_at').executeTakeFirstOrThrow()).updated_at, { timeout: 20_000 }).toBeGreaterThan(Date.now() - 60_000);
    };

    await poll(1);
    await expect.poll(async () => (await runsNow()).length, { timeout: 20_000 }).toBe(2);
    const pullRun = (await runsNow())[0]!;
    expect(pullRun).toMatchObject({ trigger: 'pull', status: 'succeeded', startedBy: 'Two-way poll', total: 0, processed: 0, inbound: { created: 1, updated: 0, conflicts: 0 } });
    expect((pullRun['inbound'] as { pulled: number }).pulled).toBeGreaterThanOrEqual(1);
    expect((await attempts(pullRun['id'] as string)).map((a) => [a.direction, a.operation, a.outcome, a.recordId])).toEqual([['pull', 'create', 'success', await customerId('polled@example.com')]]);

    // Read again (the overlap), nothing new: no run.
    await poll(2);
    expect((await runsNow()).map((r) => r['id'])).toEqual([pullRun['id'], expect.any(String)]);
  });

  it('a cancel stops a run while it pulls, after the page in hand, and nothing is pushed', async () => {
    await env.close();
    env = await startSandboxedService({ sandbox: { latencyMs: [250, 300] } });
    db = env.ts.service.database.db;
    env.sandbox.control.seedContacts(env.portalId, Array.from({ length: 600 }, (_, i) => ({ email: `c${i}@example.com`, lifecyclestage: 'customer' })));
    await env.admin.post(`${W}/customers`, { email: 'local@example.com' });
    await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true });
    const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    const pulling = await waitForRun(env.admin, started.body.id, (r) => r['phase'] === 'pulling' && (r['inbound'] as { pulled: number }).pulled >= 100);
    expect(pulling['status']).toBe('running');
    expect((await env.admin.post(`${W}/sync/runs/${started.body.id}/cancel`)).status).toBe(202);
    const ended = await waitForRun(env.admin, started.body.id, runEnded);
    expect(ended).toMatchObject({ status: 'cancelled', processed: 0, created: 0 });
    const pulled = (ended['inbound'] as { pulled: number; created: number }).pulled;
    expect(pulled).toBeLessThan(600);
    expect((ended['inbound'] as { created: number }).created).toBe(pulled);
    expect(await db.selectFrom('customers').select('id').where('email_lower', 'like', 'c%').execute()).toHaveLength(pulled);
    // Every page's API calls are counted on the run: one list call per 100 contacts.
    expect(ended['apiCalls']).toBe(pulled / 100);
  });
});

describe('the reconcile dry run', () => {
  it('with two-way off counts the push only, calling HubSpot for nothing', async () => {
    await env.admin.post(`${W}/customers`, { email: 'new@example.com' });
    env.sandbox.control.resetCounts();
    const dry = await env.admin.post(`${W}/sync/reconcile`, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ dryRun: true, inbound: null, outbound: { creates: 1, updates: 0, deletions: 0, objects: [{ objectType: 'contacts', creates: 1, updates: 0, deletions: 0, note: null }] }, conflicts: [] });
    expect(env.sandbox.control.counts().total).toBe(0);
    expect((await env.admin.get<{ runs: unknown[] }>(`${W}/sync/runs`)).body.runs).toEqual([]);
    // `dryRun: false` (or no body) is the reconcile itself.
    const real = await env.admin.post<{ id: string; created: number }>(`${W}/sync/reconcile`, { dryRun: false });
    expect(real.status).toBe(202);
    expect(await waitForRun(env.admin, real.body.id, runEnded)).toMatchObject({ status: 'succeeded', created: 1 });
  });

  it('refuses a body with unknown keys or a dryRun that is not a boolean, and a workspace without HubSpot', async () => {
    for (const body of [{ dryRun: true, force: true }, { dryRun: 'yes' }, { dryrun: true }, []]) {
      const refused = await env.admin.post(`${W}/sync/reconcile`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body['error']).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await env.admin.get<{ runs: unknown[] }>(`${W}/sync/runs`)).body.runs).toEqual([]);
    await env.admin.request('DELETE', `${W}/hubspot/connection`);
    const unconnected = await env.admin.post(`${W}/sync/reconcile`, { dryRun: true });
    expect(unconnected.body['error']).toMatchObject({ code: 'HUBSPOT_NOT_CONNECTED' });
  });
});
