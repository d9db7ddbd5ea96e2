// Health's pending-changes count (F16), read through `GET …/hubspot/connection` of a real
// service over real HTTP to the sandbox. The service starts without working its jobs and with
// a flush delay longer than the test, so nothing drains the pending-changes set until the test
// says so: every change the count shows is still there to be counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug } from '../store/index.js';
import { syncFlushJob, workSyncJobs } from './sync-jobs.js';

const W = '/api/workspaces/default';
let env: SandboxedService;

const pendingChanges = async (): Promise<number> => {
  const connection = await env.admin.get<{ health: { pendingChanges: number } }>(`${W}/hubspot/connection`);
  expect(connection.status).toBe(200);
  return connection.body.health.pendingChanges;
};

/** Polls the count until it is `expected` (a flush or a run drains it in the background). */
async function pendingBecomes(expected: number): Promise<void> {
  await expect.poll(pendingChanges, { timeout: 60_000, interval: 100 }).toBe(expected);
}

const contactFirstName = (email: string) => env.sandbox.control.listObjects(env.portalId, 'contacts').find((c) => c.properties['email'] === email)?.properties['firstname'];

beforeAll(async () => {
  env = await startSandboxedService({ onChangePush: true, jobs: { work: false, flushDelayMs: 3_600_000 } });
});
afterAll(async () => env?.close());

describe('health.pendingChanges', () => {
  const ids: string[] = [];

  it('grows by one per changed record, however often a record changes', async () => {
    expect(await pendingChanges()).toBe(0);
    for (let i = 0; i < 4; i++) {
      const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: `pending${i}@example.com`, firstName: `P${i}` });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
      expect(await pendingChanges()).toBe(i + 1);
    }
    for (let v = 1; v <= 10; v++) expect((await env.admin.patch(`${W}/customers/${ids[0]}`, { firstName: `P0 v${v}` })).status).toBe(200);
    expect(await pendingChanges()).toBe(4);
    // A bulk upsert of two new customers and one already pending adds two.
    const bulk = await env.admin.post(`${W}/customers/bulk-upsert`, {
      customers: [
        { externalId: 'bulk-a', email: 'bulk-a@example.com', firstName: 'A' },
        { externalId: 'bulk-b', email: 'bulk-b@example.com', firstName: 'B' },
      ],
    });
    expect(bulk.body['failed']).toBe(0);
    expect(await pendingChanges()).toBe(6);
  });

  it('is brought to 0 by Sync now (whose job then clears what it pushed)', async () => {
    const { service } = env.ts;
    // Start working jobs here now: Sync now is run by a `sync.push` job.
    await workSyncJobs({ db: service.database.db, clock: service.context.clock, push: service.context.push, jobs: service.jobs });
    const run = await syncNow(env.admin);
    expect(run['status']).toBe('succeeded');
    await pendingBecomes(0);
    expect(contactFirstName('pending0@example.com')).toBe('P0 v10');
  }, 90_000);

  it('counts ten edits to one synced customer once, and a flush brings it back to 0', async () => {
    for (let v = 11; v <= 20; v++) expect((await env.admin.patch(`${W}/customers/${ids[1]}`, { firstName: `P1 v${v}` })).status).toBe(200);
    expect(await pendingChanges()).toBe(1);
    const workspace = await findWorkspaceBySlug(env.ts.service.database.db, 'default');
    await env.ts.service.jobs.send(syncFlushJob, { workspaceId: workspace!.id });
    await pendingBecomes(0);
    expect(contactFirstName('pending1@example.com')).toBe('P1 v20');
  }, 90_000);

  it('counts nothing while the workspace does not push on change', async () => {
    expect((await env.admin.patch(`${W}/hubspot/settings`, { pushContactsOnChange: false })).status).toBe(200);
    expect((await env.admin.patch(`${W}/customers/${ids[2]}`, { firstName: 'Edited while off' })).status).toBe(200);
    expect(await pendingChanges()).toBe(0);
  });

  it('counts archives waiting to be pushed (propagated deletes), a record edited then deleted once, until a flush archives them', async () => {
    expect((await env.admin.patch(`${W}/hubspot/settings`, { propagateDeletes: true, pushContactsOnChange: true })).status).toBe(200);
    const db = env.ts.service.database.db;
    const linked = await db.selectFrom('customers').select(['id', 'hubspot_id']).where('id', 'in', [ids[2]!, ids[3]!]).orderBy('id').execute();
    expect(linked.every((c) => c.hubspot_id !== null)).toBe(true);
    expect(await pendingChanges()).toBe(0);
    expect((await env.admin.request('DELETE', `${W}/customers/${ids[3]}`)).status).toBe(204);
    expect(await pendingChanges()).toBe(1);
    // Edited (a pending change), then deleted before the flush (an archive): one record waiting.
    expect((await env.admin.patch(`${W}/customers/${ids[2]}`, { firstName: 'Edited, then deleted' })).status).toBe(200);
    expect(await pendingChanges()).toBe(2);
    expect((await env.admin.request('DELETE', `${W}/customers/${ids[2]}`)).status).toBe(204);
    expect(await db.selectFrom('pending_archives').select('record_id').orderBy('record_id').execute()).toHaveLength(2);
    expect(await pendingChanges()).toBe(2);
    const workspace = await findWorkspaceBySlug(db, 'default');
    await env.ts.service.jobs.send(syncFlushJob, { workspaceId: workspace!.id });
    await pendingBecomes(0);
    for (const { hubspot_id } of linked) expect(env.sandbox.control.getObject(env.portalId, 'contacts', hubspot_id!).archived).toBe(true);
  }, 90_000);
});
