// Propagated deletes (setting propagateDeletes) against the sandbox over real HTTP, on the test
// database (SQLite or PostgreSQL): a linked customer deleted with the setting on is archived in
// HubSpot by the on-change flush job (a run counting it in `deletions`, its sync log saying
// `archive`); the archive is queued with the delete itself, so it waits in the database for
// whichever run comes next; a restore before it ran cancels it; with the setting off HubSpot's
// record is left alone. Organizations and deals go through the same code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, syncNow, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../store/index.js';

const W = '/api/workspaces/default';

function helpers(get: () => SandboxedService) {
  const db = (): Db => get().ts.service.database.db;
  return {
    db,
    settings: async (patch: Record<string, unknown>) => expect((await get().admin.patch(`${W}/hubspot/settings`, patch)).status).toBe(200),
    customer: (id: string) => db().selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    pending: async () => db().selectFrom('pending_archives').selectAll().execute(),
    archived: (type: string, hubspotId: string) => get().sandbox.control.getObject(get().portalId, type, hubspotId).archived,
    /** A customer pushed to HubSpot and Synced. */
    async linkedCustomer(email: string): Promise<{ id: string; hubspotId: string }> {
      const made = await get().admin.post<{ id: string }>(`${W}/customers`, { email, firstName: 'Grace' });
      expect(await syncNow(get().admin)).toMatchObject({ status: 'succeeded' });
      const row = await this.customer(made.body.id);
      expect(row.sync_status).toBe('synced');
      return { id: made.body.id, hubspotId: row.hubspot_id! };
    },
  };
}

describe('propagated deletes through the on-change flush job', () => {
  let env: SandboxedService;
  const h = helpers(() => env);
  beforeAll(async () => {
    // Jobs are worked in this process, as in `serve`: the flush archives.
    env = await startSandboxedService();
  });
  afterAll(async () => env?.close());

  it('archives a deleted linked customer in HubSpot, counted in the run and logged as archive', async () => {
    await h.settings({ propagateDeletes: true });
    const { id, hubspotId } = await h.linkedCustomer('gone@example.com');
    expect((await env.admin.request('DELETE', `${W}/customers/${id}`)).status).toBe(204);

    const deadline = Date.now() + 15_000;
    while (!h.archived('contacts', hubspotId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(h.archived('contacts', hubspotId)).toBe(true);
    // The archive went out as one batch-archive call of an on-change run.
    expect(env.sandbox.control.counts().byRoute['POST /crm/v3/objects/contacts/batch/archive']).toEqual({ 204: 1 });
    const run = await h.db().selectFrom('sync_runs').selectAll().where('trigger', '=', 'on_change').orderBy('started_at', 'desc').executeTakeFirstOrThrow();
    const ended = await waitForRun(env.admin, run.id, runEnded);
    expect(ended).toMatchObject({ status: 'succeeded' });
    expect(await h.db().selectFrom('sync_runs').select('deletions').where('id', '=', run.id).executeTakeFirstOrThrow()).toEqual({ deletions: 1 });
    expect(await h.pending()).toEqual([]);
    const log = await env.admin.get<{ attempts: Record<string, unknown>[] }>(`${W}/sync/runs/${run.id}/attempts`);
    expect(log.body.attempts).toEqual([expect.objectContaining({ objectType: 'contacts', recordId: id, customerId: id, operation: 'archive', outcome: 'success', hubspotId })]);
    // The sync log names the deleted customer by its email (its labels are read for the archive).
    const search = await env.admin.get<{ attempts: Record<string, unknown>[] }>(`${W}/sync/attempts?runId=${run.id}`);
    expect(search.body.attempts).toEqual([expect.objectContaining({ recordId: id, email: 'gone@example.com', operation: 'archive' })]);
    // The deleted customer is no longer linked to the archived contact.
    expect(await h.customer(id)).toMatchObject({ hubspot_id: null, synced_hash: null, synced_values: null });
  });

  it('leaves the HubSpot record alone when propagateDeletes is off', async () => {
    await h.settings({ propagateDeletes: false });
    const { id, hubspotId } = await h.linkedCustomer('kept@example.com');
    expect((await env.admin.request('DELETE', `${W}/customers/${id}`)).status).toBe(204);
    expect(await h.pending()).toEqual([]);
    // A run after the delete (which would archive anything queued) leaves the contact.
    await h.linkedCustomer('after-kept@example.com');
    expect(h.archived('contacts', hubspotId)).toBe(false);
    expect(await h.customer(id)).toMatchObject({ hubspot_id: hubspotId });
  });
});

describe('propagated deletes waiting in the database', () => {
  let env: SandboxedService;
  const h = helpers(() => env);
  beforeAll(async () => {
    // No job is worked: whatever is queued waits in the database for the next run.
    env = await startSandboxedService({ jobs: { work: false, inlineRuns: true } });
    await h.settings({ propagateDeletes: true });
  });
  afterAll(async () => env?.close());

  it('queues the archive with the delete and archives it in the next Sync now run', async () => {
    const { id, hubspotId } = await h.linkedCustomer('queued@example.com');
    expect((await env.admin.request('DELETE', `${W}/customers/${id}`)).status).toBe(204);
    const workspaceId = (await findWorkspaceBySlug(h.db(), 'default'))!.id;
    expect(await h.pending()).toEqual([expect.objectContaining({ workspace_id: workspaceId, object_type: 'contacts', record_id: id, hubspot_id: hubspotId })]);
    expect(h.archived('contacts', hubspotId)).toBe(false);

    // A run only needs something to do: a new customer.
    await env.admin.post(`${W}/customers`, { email: 'someone-new@example.com' });
    const run = await syncNow(env.admin);
    expect(h.archived('contacts', hubspotId)).toBe(true);
    expect(await h.pending()).toEqual([]);
    expect(await h.db().selectFrom('sync_runs').select(['deletions', 'created']).where('id', '=', String(run['id'])).executeTakeFirstOrThrow()).toEqual({ deletions: 1, created: 1 });
  });

  it('cancels the archive when the customer is restored before it ran', async () => {
    const { id, hubspotId } = await h.linkedCustomer('back@example.com');
    expect((await env.admin.request('DELETE', `${W}/customers/${id}`)).status).toBe(204);
    expect(await h.pending()).toHaveLength(1);

    const restored = await env.admin.post<{ id: string; email: string; sync: { status: string; hubspotId: string } }>(`${W}/customers/${id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id, email: 'back@example.com', sync: { status: 'synced', hubspotId } });
    expect(await h.pending()).toEqual([]);

    await env.admin.post(`${W}/customers`, { email: 'someone-else@example.com' });
    await syncNow(env.admin);
    expect(h.archived('contacts', hubspotId)).toBe(false);
    expect(await h.customer(id)).toMatchObject({ deleted_at: null, hubspot_id: hubspotId, sync_status: 'synced' });
    // Restoring what is not deleted is a 404.
    expect((await env.admin.post(`${W}/customers/${id}/restore`)).status).toBe(404);
  });

  it('brings a customer restored after its archive back to HubSpot as a new contact', async () => {
    const { id, hubspotId } = await h.linkedCustomer('again@example.com');
    expect((await env.admin.request('DELETE', `${W}/customers/${id}`)).status).toBe(204);
    await env.admin.post(`${W}/customers`, { email: 'third@example.com' });
    await syncNow(env.admin);
    expect(h.archived('contacts', hubspotId)).toBe(true);

    const restored = await env.admin.post<{ sync: { status: string; hubspotId: string | null } }>(`${W}/customers/${id}/restore`);
    expect(restored.body.sync).toMatchObject({ status: 'not_synced', hubspotId: null });
    await syncNow(env.admin);
    const row = await h.customer(id);
    expect(row).toMatchObject({ sync_status: 'synced' });
    expect(row.hubspot_id).not.toBe(hubspotId);
    expect(h.archived('contacts', row.hubspot_id!)).toBe(false);
  });

  it('keeps a customer restored while its archive is in flight in HubSpot (created again when the archive won)', async () => {
    const { id } = await h.linkedCustomer('racing@example.com');
    expect((await env.admin.request('DELETE', `${W}/customers/${id}`)).status).toBe(204);
    await env.admin.post(`${W}/customers`, { email: 'sixth@example.com' });
    // Every HubSpot answer takes 1.5 s: the restore lands while the run's archive call waits.
    env.sandbox.control.setLatency(1_500);
    try {
      const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
      expect(started.status).toBe(202);
      await waitForRun(env.admin, started.body.id, (run) => run['phase'] === 'pushing' || run['status'] !== 'running');
      expect((await env.admin.post(`${W}/customers/${id}/restore`)).status).toBe(200);
      await waitForRun(env.admin, started.body.id, runEnded);
    } finally {
      env.sandbox.control.setLatency(undefined);
    }
    // Whichever came first, the customer ends live in HubSpot and Synced (by this run or the next).
    const again = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
    if (again.status === 202) await waitForRun(env.admin, again.body.id, runEnded);
    const row = await h.customer(id);
    expect(row).toMatchObject({ deleted_at: null, sync_status: 'synced' });
    expect(h.archived('contacts', row.hubspot_id!)).toBe(false);
  });

  it('archives a deleted linked organization as a company', async () => {
    await h.settings({ syncCompanies: true });
    try {
      const made = await env.admin.post<{ id: string }>(`${W}/organizations`, { name: 'Harvard Mark I', domain: 'mark1.example.com' });
      await syncNow(env.admin);
      const { hubspot_id } = await h.db().selectFrom('organizations').select('hubspot_id').where('id', '=', made.body.id).executeTakeFirstOrThrow();
      expect((await env.admin.request('DELETE', `${W}/organizations/${made.body.id}`)).status).toBe(204);
      expect(await h.pending()).toEqual([expect.objectContaining({ object_type: 'companies', record_id: made.body.id, hubspot_id })]);
      await env.admin.post(`${W}/customers`, { email: 'fourth@example.com' });
      await syncNow(env.admin);
      expect(h.archived('companies', hubspot_id!)).toBe(true);
      expect(await h.pending()).toEqual([]);
    } finally {
      await h.settings({ syncCompanies: false });
    }
  });

  it('archives a deleted linked deal', async () => {
    await h.settings({ syncDeals: true });
    try {
      const mappings = [{ pipeline: 'default', stage: 'won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' }];
      expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings })).status).toBe(200);
      const made = await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'Mark II', stage: 'won' });
      await syncNow(env.admin);
      const { hubspot_id } = await h.db().selectFrom('deals').select('hubspot_id').where('id', '=', made.body.id).executeTakeFirstOrThrow();
      expect(hubspot_id).not.toBeNull();
      expect((await env.admin.request('DELETE', `${W}/deals/${made.body.id}`)).status).toBe(204);
      expect(await h.pending()).toEqual([expect.objectContaining({ object_type: 'deals', record_id: made.body.id, hubspot_id })]);
      await env.admin.post(`${W}/customers`, { email: 'fifth@example.com' });
      await syncNow(env.admin);
      expect(h.archived('deals', hubspot_id!)).toBe(true);
      expect(await h.pending()).toEqual([]);
    } finally {
      await h.settings({ syncDeals: false });
    }
  });
});
