// Quiescence: once a two-way workspace's reconcile has brought both sides together, the next
// reconcile — nothing changed anywhere since — spends at most 2 HubSpot calls however many
// records the workspace holds, and writes nothing on either side. With companies and deals
// synced too, it is one search per pulled type (HubSpot searches one object type at a time) and
// nothing else: no type with nothing to push makes its per-run set-up call (a deal's key property). Through the running service
// (Reconcile now, its sync.push job) and the sandbox over real HTTP, on SQLite and PostgreSQL.
// One clock, shared by the sandbox and the service, is moved forward between reconciles: the
// time a workspace sits idle, past the pull's overlap window.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../../test/support/sandboxed.js';
import { ShiftedClock } from '../../../test/support/shifted-clock.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';

const W = '/api/workspaces/default';
const TEN_MINUTES = 600_000;
/** Contacts only in HubSpot, customers only here, and both (same email). */
const REMOTE = 150;
const LOCAL = 150;
const SHARED = 50;
/** Organizations and deals, each deal with one local customer and its organization. */
const OTHERS = 20;

let env: SandboxedService;
let clock: ShiftedClock;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  clock = new ShiftedClock();
  env = await startSandboxedService({ sandbox: { clock }, clock });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterEach(async () => env?.close());

const customers = () => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).orderBy('id').execute();
const contacts = () => env.sandbox.control.listObjects(env.portalId, 'contacts').sort((a, b) => Number(a.id) - Number(b.id));
const portalCalls = () => env.sandbox.control.counts().byPortal[String(env.portalId)]?.total ?? 0;

async function reconcile(): Promise<Record<string, unknown>> {
  const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
  expect(started.status).toBe(202);
  const run = await waitForRun(env.admin, started.body.id, runEnded);
  expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
  return run;
}

async function patchContact(id: string, properties: Record<string, string>): Promise<void> {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties }),
  });
  expect(res.status).toBe(200);
}

/** Every customer is Synced and HubSpot holds its values (the mapped defaults this test uses). */
async function expectConverged(): Promise<void> {
  const local = await customers();
  expect(local.filter((c) => c.sync_status !== 'synced').map((c) => [c.email_lower, c.sync_status])).toEqual([]);
  const remote = new Map(contacts().map((c) => [c.id, c.properties]));
  const differing = local.flatMap((c) => {
    const p = remote.get(c.hubspot_id ?? '');
    const same = p !== undefined && p['email'] === c.email_lower && (p['firstname'] ?? '') === (c.first_name ?? '') && (p['lastname'] ?? '') === (c.last_name ?? '') && (p['city'] ?? '') === (c.city ?? '');
    return same ? [] : [c.email_lower];
  });
  expect(differing).toEqual([]);
}

/** Sets a workspace up, brings both sides together over two reconciles with changes on each side, then sends one more reconcile with nothing changed; returns the calls it made by route, having checked it wrote nothing. */
async function idleReconcile(options: { companiesAndDeals: boolean }): Promise<Record<string, number>> {
  // Only the reconciles this test sends call HubSpot: no schedule, no poll, no on-change push.
  const synced = { syncCompanies: options.companiesAndDeals, syncDeals: options.companiesAndDeals };
  const settings = await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, ...synced, pushCompaniesOnChange: false, reconcileSchedule: null, pollIntervalMinutes: 1440 });
  expect(settings.status).toBe(200);
  const remoteIds = env.sandbox.control.seedContacts(env.portalId, [
    ...Array.from({ length: REMOTE }, (_, i) => ({ email: `remote${i}@example.com`, firstname: `Remote${i}`, city: 'Bern', lifecyclestage: 'customer' })),
    ...Array.from({ length: SHARED }, (_, i) => ({ email: `shared${i}@example.com`, lastname: `Shared${i}`, lifecyclestage: 'lead' })),
  ]);
  const bulk = await env.admin.post<{ failed: number; results: { id: string }[] }>(`${W}/customers/bulk-upsert`, {
    customers: [
      ...Array.from({ length: LOCAL }, (_, i) => ({ externalId: `l${i}`, email: `local${i}@example.com`, firstName: `Local${i}`, city: 'Chur' })),
      ...Array.from({ length: SHARED }, (_, i) => ({ externalId: `s${i}`, email: `shared${i}@example.com`, firstName: `Shared${i}` })),
    ],
  });
  expect(bulk.body.failed).toBe(0);
  if (options.companiesAndDeals) {
    const stages = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' }] });
    expect(stages.status).toBe(200);
    const orgs = await env.admin.post<{ failed: number; results: { id: string }[] }>(`${W}/organizations/bulk-upsert`, {
      organizations: Array.from({ length: OTHERS }, (_, i) => ({ externalId: `o${i}`, name: `Firma ${i}`, domain: `firma${i}.example.com` })),
    });
    expect(orgs.body.failed).toBe(0);
    const deals = await env.admin.post<{ failed: number }>(`${W}/deals/bulk-upsert`, {
      deals: Array.from({ length: OTHERS }, (_, i) => ({ externalId: `d${i}`, name: `Deal ${i}`, amount: '100', stage: 'proposal', customerIds: [bulk.body.results[i]!.id], organizationId: orgs.body.results[i]!.id })),
    });
    expect(deals.body.failed).toBe(0);
  }

  // The first reconcile imports HubSpot's customers, links the shared emails and pushes the rest.
  clock.advance(TEN_MINUTES);
  await reconcile();
  expect(await customers()).toHaveLength(REMOTE + LOCAL + SHARED);
  await expectConverged();
  const others = ['companies', 'deals'] as const;
  if (options.companiesAndDeals) {
    for (const type of others) expect(env.sandbox.control.listObjects(env.portalId, type)).toHaveLength(OTHERS);
    for (const table of ['organizations', 'deals'] as const) {
      expect((await db.selectFrom(table).select('sync_status').execute()).filter((r) => r.sync_status !== 'synced')).toEqual([]);
    }
  }

  // Changes on both sides, then the reconcile that brings them together.
  const local = await customers();
  const localIdOf = (email: string) => local.find((c) => c.email_lower === email)!.id;
  for (let i = 0; i < 5; i++) expect((await env.admin.patch(`${W}/customers/${localIdOf(`local${i}@example.com`)}`, { city: `Lugano ${i}` })).status).toBe(200);
  for (let i = 0; i < 5; i++) await patchContact(remoteIds[i]!, { city: `Thun ${i}` });
  clock.advance(TEN_MINUTES);
  await reconcile();
  await expectConverged();
  expect((await customers()).filter((c) => c.city?.startsWith('Thun') || c.city?.startsWith('Lugano'))).toHaveLength(10);

  // Nothing changes any more.
  clock.advance(TEN_MINUTES);
  const snapshot = async () => ({
    local: await Promise.all([customers(), db.selectFrom('organizations').selectAll().orderBy('id').execute(), db.selectFrom('deals').selectAll().orderBy('id').execute()]),
    remote: [contacts(), ...others.map((type) => env.sandbox.control.listObjects(env.portalId, type))],
    conflicts: await db.selectFrom('sync_conflicts').selectAll().execute(),
  });
  const before = await snapshot();
  env.sandbox.control.resetCounts();
  env.sandbox.control.recordWrites();
  const idle = await reconcile();
  const byRoute = Object.fromEntries(Object.entries(env.sandbox.control.counts().byRoute).map(([route, statuses]) => [route, Object.values(statuses).reduce((a, b) => a + b, 0)]));
  expect(Object.values(byRoute).reduce((a, b) => a + b, 0)).toBe(portalCalls());
  expect(idle).toMatchObject({ processed: 0, created: 0, updated: 0 });
  expect(env.sandbox.control.writes()).toEqual([]);
  expect(await snapshot()).toEqual(before);
  expect(await db.selectFrom('pending_changes').selectAll().execute()).toEqual([]);
  return byRoute;
}

describe('an idle two-way workspace', () => {
  it('spends at most 2 HubSpot calls on a reconcile once both sides agree, and writes nothing on either side', async () => {
    const calls = await idleReconcile({ companiesAndDeals: false });
    expect(portalCalls()).toBeLessThanOrEqual(2);
    expect(calls).toEqual({ 'POST /crm/v3/objects/contacts/search': 1 });
  });

  it('with companies and deals synced too, spends one search per pulled type and nothing else', async () => {
    const calls = await idleReconcile({ companiesAndDeals: true });
    // No per-run set-up for a type with nothing to push (the deal key property was read before).
    expect(calls).toEqual({ 'POST /crm/v3/objects/companies/search': 1, 'POST /crm/v3/objects/contacts/search': 1, 'POST /crm/v3/objects/deals/search': 1 });
  });
});
