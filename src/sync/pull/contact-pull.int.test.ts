// The contacts pull against the sandbox over real HTTP, on the test database (SQLite or
// PostgreSQL): the initial listing resumed after a crash and after a pause, the lifecycle
// filter, linking by email, incremental edits, re-applying, echoes of hubsync's own push,
// conflicts decided by time, a crowded millisecond, and two-way off.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../../test/support/sandboxed.js';
import type { Clock } from '../../lib/index.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { PullEngine, type PullEngineDeps } from './pull-engine.js';

const W = '/api/workspaces/default';

/** The real clock, which a test can stop at one millisecond (records seeded then share it). */
class StoppableClock implements Clock {
  stoppedAt: number | null = null;
  now(): number {
    return this.stoppedAt ?? Date.now();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

let env: SandboxedService;
let sandboxClock: StoppableClock;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  sandboxClock = new StoppableClock();
  // Runs go in this process and no job worker polls: each test drives its own pulls.
  env = await startSandboxedService({ sandbox: { clock: sandboxClock }, jobs: { inlineRuns: true, work: false } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterEach(async () => env?.close());

const twoWayOn = () => env.admin.patch(`${W}/hubspot/settings`, { twoWay: true });
const engine = (options: Partial<PullEngineDeps> = {}) =>
  new PullEngine({ db, clock: env.ts.service.context.clock, gateway: env.ts.service.context.hubspot, overlapMs: 1_000, ...options });
const customers = () => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).orderBy('id').execute();
const byEmail = async (email: string) => (await customers()).find((c) => c.email_lower === email)!;
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const contact = (email: string, props: Record<string, string> = {}) => ({ email, lifecyclestage: 'customer', ...props });
const hubspotContact = (id: string) => env.sandbox.control.getObject(env.portalId, 'contacts', id);
const patchContact = async (id: string, properties: Record<string, string>) => {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties }) });
  expect(res.status).toBe(200);
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('contacts pull', () => {
  it('pulls ~500 contacts in pages, resumes after a crash between pages from the checkpoint, and imports only the filtered stages', async () => {
    const seeded = [
      ...Array.from({ length: 450 }, (_, i) => contact(`c${i}@example.com`, { firstname: `C${i}` })),
      ...Array.from({ length: 30 }, (_, i) => contact(`s${i}@example.com`, { lifecyclestage: 'subscriber' })),
      ...Array.from({ length: 20 }, (_, i) => contact(`l${i}@example.com`, { lifecyclestage: 'lead' })),
    ];
    env.sandbox.control.seedContacts(env.portalId, seeded);
    await twoWayOn();

    // The process "dies" right after its second page was committed.
    const crashing = engine();
    await expect(
      crashing.pull(workspaceId, {
        onPage: ({ pages }) => {
          if (pages === 2) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(await customers()).toHaveLength(200);
    const checkpoint = await db.selectFrom('sync_checkpoints').selectAll().executeTakeFirstOrThrow();
    expect(checkpoint).toMatchObject({ phase: 'initial' });
    expect(checkpoint.after_cursor).not.toBeNull();

    const summary = (await engine().pull(workspaceId))!;
    // Six list requests (the crashed pull's three: page 3 went out while page 2 was being
    // applied, and was dropped; the resumed pull's pages 3 to 5), then the archived contacts
    // listed once: none.
    expect(calls('GET /crm/v3/objects/contacts')).toBe(6 + 1);
    expect(summary.deletions).toBe(0);
    expect(summary).toMatchObject({ created: 280, paused: false });
    const local = await customers();
    expect(local).toHaveLength(480);
    expect(new Set(local.map((c) => c.hubspot_id)).size).toBe(480);
    expect(local.every((c) => c.sync_status === 'synced')).toBe(true);
    const c7 = await byEmail('c7@example.com');
    expect(c7).toMatchObject({ first_name: 'C7', lifecycle_stage: 'customer' });
    expect(JSON.parse(c7.tags)).toEqual(['lifecycle:customer']);
    expect(JSON.parse((await byEmail('s3@example.com')).tags)).toEqual(['lifecycle:subscriber']);
    expect(local.some((c) => c.email_lower?.startsWith('l'))).toBe(false);
    expect(await db.selectFrom('sync_checkpoints').select('phase').executeTakeFirstOrThrow()).toEqual({ phase: 'incremental' });
    // Nothing pulled waits to be pushed back.
    expect(await db.selectFrom('pending_changes').selectAll().execute()).toEqual([]);
  });

  it('asked to pause, applies the page already requested and requests no more; the next pull goes on from there', async () => {
    env.sandbox.control.seedContacts(env.portalId, Array.from({ length: 300 }, (_, i) => contact(`pause${i}@example.com`)));
    await twoWayOn();
    const lists = () => calls('GET /crm/v3/objects/contacts');
    // The slice runs out while page 1 is applied; page 2 had been requested meanwhile.
    let out = false;
    const paused = (await engine().pull(workspaceId, { shouldPause: () => out, onPage: () => void (out = true) }))!;
    expect(paused).toMatchObject({ paused: true, pages: 2, created: 200 });
    expect(lists()).toBe(2);
    expect(await customers()).toHaveLength(200);

    const resumed = (await engine().pull(workspaceId))!;
    expect(resumed).toMatchObject({ paused: false, created: 100 });
    // Page 3, then the archived contacts listed once (none).
    expect(lists()).toBe(3 + 1);
    expect(await customers()).toHaveLength(300);
  });

  it('lets only one of two pulls running at once apply each page: no contact comes in twice', async () => {
    env.sandbox.control.seedContacts(env.portalId, Array.from({ length: 300 }, (_, i) => contact(`twice${i}@example.com`)));
    await twoWayOn();
    const [a, b] = await Promise.all([engine({ listPageSize: 50 }).pull(workspaceId), engine({ listPageSize: 50 }).pull(workspaceId)]);
    const local = await customers();
    expect(new Set(local.map((c) => c.hubspot_id)).size).toBe(local.length);
    expect(a!.created + b!.created).toBe(local.length);
    // Whatever the one stopped left, the next pull brings in.
    await engine().pull(workspaceId);
    const all = await customers();
    expect(all).toHaveLength(300);
    expect(new Set(all.map((c) => c.hubspot_id)).size).toBe(300);
  });

  it('links a HubSpot contact to the local customer with its email (whatever its stage), filling blanks instead of duplicating', async () => {
    const made = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'Lena@Example.com', firstName: 'Lena' });
    const [id] = env.sandbox.control.seedContacts(env.portalId, [{ email: 'lena@example.com', phone: '+41 44 000 00 00', lifecyclestage: 'lead' }]);
    await twoWayOn();
    const summary = (await engine().pull(workspaceId))!;
    expect(summary).toMatchObject({ linked: 1, created: 0, conflicts: 0 });
    const local = await customers();
    expect(local).toHaveLength(1);
    expect(local[0]).toMatchObject({ id: made.body.id, hubspot_id: id, first_name: 'Lena', phone: '+41 44 000 00 00' });
    // HubSpot lacks the first name: the push still has to send it.
    expect(local[0]!.sync_status).toBe('needs_update');
  });

  it('applies HubSpot edits incrementally without pushing them back, and applying them again changes nothing', async () => {
    const [id] = env.sandbox.control.seedContacts(env.portalId, [contact('ed@example.com', { firstname: 'Ed', city: 'Bern' })]);
    await twoWayOn();
    await engine().pull(workspaceId);
    await patchContact(id!, { city: 'Basel' });
    const summary = (await engine().pull(workspaceId))!;
    expect(summary).toMatchObject({ updated: 1, conflicts: 0 });
    const ed = await byEmail('ed@example.com');
    expect(ed).toMatchObject({ city: 'Basel', sync_status: 'synced' });
    expect(JSON.parse(ed.synced_values!)).toMatchObject({ city: 'Basel' });
    expect(await db.selectFrom('pending_changes').selectAll().execute()).toEqual([]);

    // The same changes read again (the checkpoint moved back past them): nothing is written.
    await db.updateTable('sync_checkpoints').set({ last_modified_ms: 0, ids_at_ms: '[]' }).execute();
    const again = (await engine().pull(workspaceId))!;
    expect(again.pulled).toBeGreaterThanOrEqual(1);
    expect(again).toMatchObject({ updated: 0, created: 0, linked: 0, conflicts: 0 });
    expect((await byEmail('ed@example.com')).version).toBe(ed.version);
    // Sync now finds nothing to push.
    expect(await syncNow(env.admin)).toMatchObject({ processed: 0 });
  });

  it('does nothing with hubsync\'s own push coming back: no local write, the customer stays Synced', async () => {
    await env.admin.post(`${W}/customers`, { email: 'echo@example.com', firstName: 'Echo', city: 'Chur', lifecycleStage: 'customer' });
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', created: 1 });
    const pushed = await byEmail('echo@example.com');
    expect(JSON.parse(pushed.synced_values!)).toMatchObject({ email: 'echo@example.com', firstname: 'Echo', city: 'Chur' });
    await twoWayOn();
    const summary = (await engine().pull(workspaceId))!;
    // Read by the listing, and again by the search's overlap.
    expect(summary.pulled).toBeGreaterThanOrEqual(1);
    expect(summary).toMatchObject({ updated: 0, created: 0, linked: 0, conflicts: 0 });
    const after = await byEmail('echo@example.com');
    expect(after).toMatchObject({ version: pushed.version, updated_at: pushed.updated_at, sync_status: 'synced' });
  });

  it('decides a field changed on both sides by the later change, records the overridden value, and keeps a local winner for the push', async () => {
    const made = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'both@example.com', firstName: 'Bo', lastName: 'Th', lifecycleStage: 'customer' });
    await syncNow(env.admin);
    await twoWayOn();
    const hubspotId = (await byEmail('both@example.com')).hubspot_id!;
    // firstName: local first, HubSpot later → HubSpot wins. lastName: HubSpot first, local later → local wins.
    await env.admin.patch(`${W}/customers/${made.body.id}`, { firstName: 'Bo (local)' });
    await tick();
    await patchContact(hubspotId, { firstname: 'Bo (HubSpot)', lastname: 'Th (HubSpot)' });
    await tick();
    await env.admin.patch(`${W}/customers/${made.body.id}`, { lastName: 'Th (local)' });

    const summary = (await engine().pull(workspaceId))!;
    expect(summary.conflicts).toBe(2);
    const local = await byEmail('both@example.com');
    expect(local).toMatchObject({ first_name: 'Bo (HubSpot)', last_name: 'Th (local)', sync_status: 'needs_update' });
    const conflicts = await db.selectFrom('sync_conflicts').selectAll().orderBy('field').execute();
    expect(conflicts.map((c) => [c.field, c.local_value, c.hubspot_value, c.winner, c.run_id])).toEqual([
      ['firstName', 'Bo (local)', 'Bo (HubSpot)', 'hubspot', summary.runId],
      ['lastName', 'Th (local)', 'Th (HubSpot)', 'local', summary.runId],
    ]);
    const history = hubspotContact(hubspotId);
    expect(conflicts[0]!.hubspot_changed_at).toBeGreaterThan(conflicts[0]!.local_changed_at);
    expect(conflicts[1]!.local_changed_at).toBeGreaterThan(conflicts[1]!.hubspot_changed_at);
    expect(history.properties['lastname']).toBe('Th (HubSpot)');

    // The record's overridden values through the API, newest first.
    const listed = await env.admin.get<{ conflicts: Record<string, unknown>[] }>(`${W}/customers/${made.body.id}/conflicts`);
    expect(listed.status).toBe(200);
    expect(listed.body.conflicts.map((c) => [c['field'], c['localValue'], c['hubspotValue'], c['winner'], c['runId']]).sort()).toEqual([
      ['firstName', 'Bo (local)', 'Bo (HubSpot)', 'hubspot', summary.runId],
      ['lastName', 'Th (local)', 'Th (HubSpot)', 'local', summary.runId],
    ]);
    expect((await env.admin.get(`${W}/customers/cus_nope/conflicts`)).status).toBe(404);

    // A pull before the push leaves the local winner alone; the push then sends it.
    expect((await engine().pull(workspaceId))!.conflicts).toBe(0);
    expect((await byEmail('both@example.com')).last_name).toBe('Th (local)');
    expect(await syncNow(env.admin)).toMatchObject({ updated: 1 });
    expect(hubspotContact(hubspotId).properties).toMatchObject({ firstname: 'Bo (HubSpot)', lastname: 'Th (local)' });
    expect((await byEmail('both@example.com')).sync_status).toBe('synced');
  });

  it('reads more records sharing one millisecond than fit in a search page by id, once each', async () => {
    await twoWayOn();
    await engine().pull(workspaceId); // the (empty) listing: the checkpoint turns incremental
    await tick();
    sandboxClock.stoppedAt = Date.now();
    env.sandbox.control.seedContacts(env.portalId, Array.from({ length: 70 }, (_, i) => contact(`same${i}@example.com`)));
    sandboxClock.stoppedAt = null;
    const before = calls('POST /crm/v3/objects/contacts/search');
    const summary = (await engine({ searchPageSize: 20 }).pull(workspaceId))!;
    expect(summary.created).toBe(70);
    const local = await customers();
    expect(local).toHaveLength(70);
    expect(new Set(local.map((c) => c.hubspot_id)).size).toBe(70);
    // One full page of the crowded millisecond, four pages by id, one search after it.
    expect(calls('POST /crm/v3/objects/contacts/search') - before).toBe(6);
  });

  it('spends one call on an idle workspace\'s pull, however many contacts it has', async () => {
    env.sandbox.control.seedContacts(env.portalId, Array.from({ length: 250 }, (_, i) => contact(`idle${i}@example.com`)));
    await twoWayOn();
    await engine().pull(workspaceId);
    // The seeded contacts are older than the overlap now.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await engine().pull(workspaceId);
    const before = env.sandbox.control.counts().total;
    const idle = (await engine().pull(workspaceId))!;
    expect(env.sandbox.control.counts().total - before).toBe(1);
    expect(idle).toMatchObject({ pulled: 0, created: 0, updated: 0 });
  });

  it('pulls nothing while two-way sync is off', async () => {
    env.sandbox.control.seedContacts(env.portalId, [contact('off@example.com')]);
    const before = env.sandbox.control.counts().total;
    expect(await engine().pull(workspaceId)).toBeNull();
    expect(env.sandbox.control.counts().total).toBe(before);
    expect(await customers()).toEqual([]);
    expect(await db.selectFrom('sync_checkpoints').selectAll().execute()).toEqual([]);
  });
});
