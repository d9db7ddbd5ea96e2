// The pull as jobs, through the running service and the sandbox over real HTTP: Reconcile now
// pulls before it pushes when two-way sync is on, and the poll sends a `sync.pull` for two-way
// workspaces whose interval has passed (and for no other).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, waitForNoRunningRun, waitForRun, type SandboxedService } from '../../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { sendDuePulls } from '../sync-jobs.js';

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

const customers = () => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).orderBy('email_lower').execute();
const deps = () => ({ db, jobs: env.ts.service.jobs, clock: env.ts.service.context.clock });

describe('pull jobs', () => {
  it('Reconcile now pulls HubSpot\'s contacts, then pushes the local ones HubSpot lacks, linking the same email once', async () => {
    env.sandbox.control.seedContacts(env.portalId, [
      { email: 'remote@example.com', firstname: 'Remote', lifecyclestage: 'customer' },
      { email: 'both@example.com', phone: '+41 1', lifecyclestage: 'lead' },
    ]);
    await env.admin.post(`${W}/customers`, { email: 'local@example.com', firstName: 'Local' });
    await env.admin.post(`${W}/customers`, { email: 'both@example.com', firstName: 'Both' });
    await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true });

    const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    expect(started.status).toBe(202);
    expect(await waitForRun(env.admin, started.body.id, runEnded)).toMatchObject({ status: 'succeeded', created: 1, updated: 1 });

    const local = await customers();
    expect(local.map((c) => [c.email_lower, c.sync_status])).toEqual([
      ['both@example.com', 'synced'],
      ['local@example.com', 'synced'],
      ['remote@example.com', 'synced'],
    ]);
    expect(local[0]).toMatchObject({ first_name: 'Both', phone: '+41 1' });
    const remote = env.sandbox.control.listObjects(env.portalId, 'contacts');
    expect(remote.map((c) => c.properties['email']).sort()).toEqual(['both@example.com', 'local@example.com', 'remote@example.com']);
    expect(remote.find((c) => c.properties['email'] === 'both@example.com')!.properties).toMatchObject({ firstname: 'Both', phone: '+41 1' });
  });

  it('Reconcile now pulls every type switched on (companies and deals too) before it pushes', async () => {
    // On-change pushes off: the organization created below would otherwise start its own run, and Reconcile now would answer 409 with it.
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, syncCompanies: true, syncDeals: true, pushContactsOnChange: false, pushCompaniesOnChange: false })).status).toBe(200);
    const mapped = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' }] });
    expect(mapped.status).toBe(200);
    const [companyId] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Remote AG', domain: 'remote.example' }]);
    const [dealId] = env.sandbox.control.seedObjects(env.portalId, 'deals', [{ dealname: 'Remote deal', pipeline: 'default', dealstage: 'closedwon', amount: '10' }]);
    await env.admin.post(`${W}/organizations`, { name: 'Local AG', domain: 'local.example' });

    const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    expect(started.status).toBe(202);
    expect(await waitForRun(env.admin, started.body.id, runEnded)).toMatchObject({ status: 'succeeded', created: 1 });
    const organizations = await db.selectFrom('organizations').select(['name', 'hubspot_id', 'sync_status']).where('workspace_id', '=', workspaceId).orderBy('name').execute();
    expect(organizations).toEqual([
      { name: 'Local AG', hubspot_id: expect.any(String) as string, sync_status: 'synced' },
      { name: 'Remote AG', hubspot_id: companyId, sync_status: 'synced' },
    ]);
    expect(await db.selectFrom('deals').select(['name', 'stage', 'hubspot_id', 'sync_status']).where('workspace_id', '=', workspaceId).execute()).toEqual([
      { name: 'Remote deal', stage: 'won', hubspot_id: dealId, sync_status: 'synced' },
    ]);
    expect((await db.selectFrom('sync_checkpoints').select('object_type').orderBy('object_type').execute()).map((c) => c.object_type)).toEqual(['companies', 'contacts', 'deals']);
  });

  it('Reconcile now with two-way off only pushes', async () => {
    env.sandbox.control.seedContacts(env.portalId, [{ email: 'remote@example.com', lifecyclestage: 'customer' }]);
    const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    await waitForRun(env.admin, started.body.id, runEnded);
    expect(await customers()).toEqual([]);
    expect(await db.selectFrom('sync_checkpoints').selectAll().execute()).toEqual([]);
  });

  it('documents the inbound settings and the conflicts route in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${env.ts.url}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/workspaces/{workspace}/customers/{customerId}/conflicts');
    expect(JSON.stringify(doc.paths['/api/workspaces/{workspace}/hubspot/settings'])).toMatch(/HubSpotSyncSettingsWithInbound|pollIntervalMinutes/);
    expect(JSON.stringify(doc)).toContain('inboundLifecycleStages');
  });

  it('polls two-way workspaces once their initial reconcile began, once per interval', async () => {
    expect(await sendDuePulls(deps(), Date.now())).toEqual([]);
    await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 5 });
    // Two-way sync starts with the initial reconcile (which an admin previews first): no poll before it.
    expect(await sendDuePulls(deps(), Date.now())).toEqual([]);
    const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    expect(await waitForRun(env.admin, started.body.id, runEnded)).toMatchObject({ status: 'succeeded' });
    // Pulled to the end just now: not due within the interval.
    expect(await sendDuePulls(deps(), Date.now())).toEqual([]);
    env.sandbox.control.seedContacts(env.portalId, [{ email: 'polled@example.com', lifecyclestage: 'subscriber' }]);
    await db.updateTable('sync_checkpoints').set({ updated_at: Date.now() - 5 * 60_000 }).execute();
    // A minute of its own: the service's tick may have sent this minute's poll already (which
    // stepped aside while the reconcile ran).
    expect(await sendDuePulls(deps(), Date.now() + 60_000)).toEqual([workspaceId]);
    await expect.poll(async () => (await customers()).map((c) => c.email_lower), { timeout: 20_000 }).toEqual(['polled@example.com']);
    await expect.poll(async () => (await db.selectFrom('sync_checkpoints').select('updated_at').executeTakeFirst())?.updated_at ?? 0, { timeout: 20_000 }).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('on-change push with two-way sync', () => {
  let live: SandboxedService;
  beforeEach(async () => {
    live = await startSandboxedService({ onChangePush: true, jobs: { flushDelayMs: 50 } });
  });
  afterEach(async () => live?.close());

  it('pulls HubSpot\'s edit of another field before pushing a local edit, so neither is lost', async () => {
    const made = await live.admin.post<{ id: string }>(`${W}/customers`, { email: 'oc@example.com', firstName: 'On', city: 'Bern', lifecycleStage: 'customer' });
    const liveDb = live.ts.service.database.db;
    const hubspotIdOf = async () => (await liveDb.selectFrom('customers').select(['hubspot_id', 'sync_status']).where('id', '=', made.body.id).executeTakeFirstOrThrow());
    await expect.poll(async () => (await hubspotIdOf()).sync_status, { timeout: 20_000 }).toBe('synced');
    await live.admin.patch(`${W}/hubspot/settings`, { twoWay: true });
    // Two-way sync starts with the initial reconcile; from then on a flush pulls before it pushes.
    // The on-change run ends a moment after it marked the record Synced.
    await waitForNoRunningRun(live.admin);
    const initial = await live.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    // Not the on-change run that just pushed the customer: that one did not pull.
    expect(initial.status).toBe(202);
    expect(await waitForRun(live.admin, initial.body.id, runEnded)).toMatchObject({ status: 'succeeded' });
    const { hubspot_id: hubspotId } = await hubspotIdOf();
    const res = await fetch(`${live.sandbox.baseUrl}/crm/v3/objects/contacts/${hubspotId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${live.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { city: 'Basel' } }),
    });
    expect(res.status).toBe(200);
    await live.admin.patch(`${W}/customers/${made.body.id}`, { firstName: 'On (local)' });
    await expect.poll(() => live.sandbox.control.getObject(live.portalId, 'contacts', hubspotId!).properties['firstname'], { timeout: 20_000 }).toBe('On (local)');
    expect(live.sandbox.control.getObject(live.portalId, 'contacts', hubspotId!).properties['city']).toBe('Basel');
    // HubSpot has the value a moment before the push records its success.
    await expect
      .poll(async () => liveDb.selectFrom('customers').select(['first_name', 'city', 'sync_status']).where('id', '=', made.body.id).executeTakeFirstOrThrow(), { timeout: 20_000 })
      .toEqual({ first_name: 'On (local)', city: 'Basel', sync_status: 'synced' });
  });

  it("pulls HubSpot's edit of a company before pushing an organization's local edit", async () => {
    expect((await live.admin.patch(`${W}/hubspot/settings`, { syncCompanies: true })).status).toBe(200);
    const made = await live.admin.post<{ id: string }>(`${W}/organizations`, { name: 'On AG', city: 'Bern' });
    const liveDb = live.ts.service.database.db;
    const row = () => liveDb.selectFrom('organizations').select(['name', 'city', 'hubspot_id', 'sync_status']).where('id', '=', made.body.id).executeTakeFirstOrThrow();
    await expect.poll(async () => (await row()).sync_status, { timeout: 20_000 }).toBe('synced');
    await live.admin.patch(`${W}/hubspot/settings`, { twoWay: true });
    // Two-way sync starts with the initial reconcile; from then on a flush pulls before it pushes.
    // The on-change run ends a moment after it marked the record Synced.
    await waitForNoRunningRun(live.admin);
    const initial = await live.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    expect(initial.status).toBe(202);
    expect(await waitForRun(live.admin, initial.body.id, runEnded)).toMatchObject({ status: 'succeeded' });
    const { hubspot_id: hubspotId } = await row();
    const res = await fetch(`${live.sandbox.baseUrl}/crm/v3/objects/companies/${hubspotId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${live.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { city: 'Basel' } }),
    });
    expect(res.status).toBe(200);
    await live.admin.patch(`${W}/organizations/${made.body.id}`, { name: 'On AG (local)' });
    await expect.poll(() => live.sandbox.control.getObject(live.portalId, 'companies', hubspotId!).properties['name'], { timeout: 20_000 }).toBe('On AG (local)');
    expect(live.sandbox.control.getObject(live.portalId, 'companies', hubspotId!).properties['city']).toBe('Basel');
    await expect.poll(row, { timeout: 20_000 }).toEqual({ name: 'On AG (local)', city: 'Basel', hubspot_id: hubspotId, sync_status: 'synced' });
  });
});
