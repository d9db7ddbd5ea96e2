// Write-through (setting writeThrough) against the sandbox over real HTTP, on the test database
// (SQLite or PostgreSQL): a linked customer's edit is in HubSpot before it is saved, and stays
// Synced (the next push and pull do nothing); HubSpot refusing a value is a 422 with HubSpot's
// message and HubSpot failing is a 503, both saving nothing; with the setting off, or for an
// unlinked customer, the edit is saved as before. Organizations and deals go through the same code.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, syncNow, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../store/index.js';

const W = '/api/workspaces/default';
/** Short, so a HubSpot that keeps failing is given up on quickly; the retries still happen. */
const TIMEOUT_MS = 1_500;

let env: SandboxedService;
let db: Db;
let workspaceId: string;

beforeAll(async () => {
  // Runs go in the request's process and no job worker runs: nothing pushes behind the tests' backs.
  env = await startSandboxedService({ jobs: { work: false, inlineRuns: true }, env: { HUBSYNC_WRITE_THROUGH_TIMEOUT_MS: String(TIMEOUT_MS) } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
});
afterAll(async () => env?.close());
beforeEach(async () => {
  env.sandbox.control.setFaults({});
  await settings({ writeThrough: true, twoWay: false });
});

const settings = async (patch: Record<string, unknown>) => expect((await env.admin.patch(`${W}/hubspot/settings`, patch)).status).toBe(200);
const row = (id: string) => db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const contact = (hubspotId: string) => env.sandbox.control.getObject(env.portalId, 'contacts', hubspotId).properties;
/** API calls the sandbox answered for `method route`, whatever their status. */
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const WRITES = ['PATCH /crm/v3/objects/contacts/{id}', 'POST /crm/v3/objects/contacts/batch/update', 'POST /crm/v3/objects/contacts/batch/upsert'];
const writes = () => WRITES.reduce((sum, route) => sum + calls(route), 0);

/** A customer pushed to HubSpot and Synced. */
async function linkedCustomer(email: string, values: Record<string, unknown> = {}): Promise<{ id: string; hubspotId: string }> {
  const made = await env.admin.post<{ id: string }>(`${W}/customers`, { email, firstName: 'Ada', lastName: 'Lovelace', lifecycleStage: 'customer', ...values });
  expect(made.status).toBe(201);
  expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded' });
  const stored = await row(made.body.id);
  expect(stored).toMatchObject({ sync_status: 'synced' });
  return { id: made.body.id, hubspotId: stored.hubspot_id! };
}

describe('write-through of a customer', () => {
  it('writes the changed properties to HubSpot first, saves, and stays Synced: the next pull and push do nothing', async () => {
    const { id, hubspotId } = await linkedCustomer('wt-ok@example.com', { city: 'London' });
    env.sandbox.control.resetCounts();

    const saved = await env.admin.patch<{ firstName: string; sync: { status: string } }>(`${W}/customers/${id}`, { firstName: 'Augusta', city: 'Paris', tags: ['vip'] });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ firstName: 'Augusta', sync: { status: 'synced' } });
    // One PATCH of the contact, with the mapped properties that changed (tags are not mapped).
    expect(calls('PATCH /crm/v3/objects/contacts/{id}')).toBe(1);
    expect(contact(hubspotId)).toMatchObject({ firstname: 'Augusta', city: 'Paris', lastname: 'Lovelace' });
    const stored = await row(id);
    expect(stored).toMatchObject({ first_name: 'Augusta', city: 'Paris', sync_status: 'synced' });
    expect(stored.synced_hash).toBe(stored.current_hash);
    expect(JSON.parse(stored.synced_values!)).toMatchObject({ firstname: 'Augusta', city: 'Paris', lastname: 'Lovelace' });

    // Two-way on: a pull finds HubSpot equal to the base (nothing to take), and Sync now pushes nothing.
    await settings({ twoWay: true });
    env.sandbox.control.resetCounts();
    const pulled = await env.ts.service.context.pull.pull(workspaceId);
    expect(pulled).toMatchObject({ updated: 0, created: 0, conflicts: 0 });
    const run = await env.admin.post<{ id: string; status: string }>(`${W}/sync/runs`);
    // A run that starts (202) or the one that just ended (200): either way nothing is written.
    expect([200, 202]).toContain(run.status);
    if (run.status === 202) expect(await waitForRun(env.admin, run.body.id, runEnded)).toMatchObject({ status: 'succeeded', processed: 0 });
    expect(writes()).toBe(0);
    expect(await row(id)).toMatchObject({ first_name: 'Augusta', city: 'Paris', sync_status: 'synced', version: stored.version });
    expect((await env.admin.get<{ conflicts: unknown[] }>(`${W}/customers/${id}/conflicts`)).body.conflicts).toEqual([]);
  });

  it('answers 422 HUBSPOT_REJECTED with HubSpot message when HubSpot refuses a value, and saves nothing', async () => {
    const { id, hubspotId } = await linkedCustomer('wt-refused@example.com');
    const before = await row(id);

    const refused = await env.admin.patch<{ error: { code: string; message: string; details: Record<string, unknown> } }>(`${W}/customers/${id}`, { lifecycleStage: 'bogus', firstName: 'Changed' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('HUBSPOT_REJECTED');
    expect(refused.body.error.message).toMatch(/^HubSpot refused the change, so it was not saved: .*bogus was not one of the allowed options/);
    expect(refused.body.error.details).toMatchObject({ hubspotStatus: 400, hubspotCategory: 'VALIDATION_ERROR', properties: ['lifecyclestage'] });
    expect(refused.body.error.details['hubspotMessage']).toContain('bogus was not one of the allowed options');

    expect(await row(id)).toEqual(before);
    expect(contact(hubspotId)).toMatchObject({ firstname: 'Ada', lifecyclestage: 'customer' });
  });

  it('answers 503 WRITE_THROUGH_UNAVAILABLE when HubSpot keeps failing, saves nothing, and the next push puts HubSpot back in line', async () => {
    const { id, hubspotId } = await linkedCustomer('wt-down@example.com');
    const before = await row(id);
    env.sandbox.control.setFaults({ 503: 1 });
    env.sandbox.control.resetCounts();

    const started = Date.now();
    const down = await env.admin.patch<{ error: { code: string; message: string; details: Record<string, unknown> } }>(`${W}/customers/${id}`, { firstName: 'Never' });
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'WRITE_THROUGH_UNAVAILABLE', details: { reason: 'unavailable', objectType: 'contacts' } });
    expect(down.body.error.message).toContain('The change was not saved');
    // HubSpot was tried again (5xx are retried) until the write-through's time ran out.
    expect(calls('PATCH /crm/v3/objects/contacts/{id}')).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3_000);

    const after = await row(id);
    expect(after).toMatchObject({ first_name: 'Ada', version: before.version, updated_at: before.updated_at, field_updated_at: before.field_updated_at });
    // The PATCH went out and got no answer it could trust: the record waits for the push.
    expect(after.sync_status).toBe('needs_update');
    env.sandbox.control.setFaults({});
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, failed: 0 });
    expect(contact(hubspotId)).toMatchObject({ firstname: 'Ada' });
    expect(await row(id)).toMatchObject({ first_name: 'Ada', sync_status: 'synced' });
  });

  it('answers 503 with reason not_connected while HubSpot is disconnected, and saves nothing', async () => {
    const { id } = await linkedCustomer('wt-disconnected@example.com');
    const before = await row(id);
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    try {
      const refused = await env.admin.patch<{ error: { code: string; details: Record<string, unknown> } }>(`${W}/customers/${id}`, { firstName: 'Offline' });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'WRITE_THROUGH_UNAVAILABLE', details: { reason: 'not_connected' } });
      expect(await row(id)).toEqual(before);
    } finally {
      expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: env.token })).status).toBe(200);
    }
  });

  it('saves locally only when the setting is off, or the customer is not linked, or no mapped value changed', async () => {
    const { id, hubspotId } = await linkedCustomer('wt-off@example.com');
    env.sandbox.control.resetCounts();

    // A change to an unmapped field (tags) of a linked customer: nothing to write through.
    expect((await env.admin.patch(`${W}/customers/${id}`, { tags: ['quiet'] })).status).toBe(200);
    expect(writes()).toBe(0);

    await settings({ writeThrough: false });
    const saved = await env.admin.patch<{ firstName: string; sync: { status: string } }>(`${W}/customers/${id}`, { firstName: 'Local' });
    expect(saved.body).toMatchObject({ firstName: 'Local', sync: { status: 'needs_update' } });
    expect(writes()).toBe(0);
    expect(contact(hubspotId)).toMatchObject({ firstname: 'Ada' });

    await settings({ writeThrough: true });
    const fresh = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'wt-unlinked@example.com', firstName: 'New' });
    const unlinked = await env.admin.patch<{ firstName: string; sync: { status: string } }>(`${W}/customers/${fresh.body.id}`, { firstName: 'Newer' });
    expect(unlinked.body).toMatchObject({ firstName: 'Newer', sync: { status: 'not_synced' } });
    expect(writes()).toBe(0);
  });

  it('still answers 400 for invalid input before HubSpot is asked', async () => {
    const { id } = await linkedCustomer('wt-invalid@example.com');
    env.sandbox.control.resetCounts();
    const bad = await env.admin.patch<{ error: { code: string } }>(`${W}/customers/${id}`, { firstName: 'x'.repeat(10_000) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(writes()).toBe(0);
  });
});

describe('write-through of an organization', () => {
  it('writes a linked organization change to its company first and keeps it Synced', async () => {
    await settings({ syncCompanies: true });
    try {
      const made = await env.admin.post<{ id: string }>(`${W}/organizations`, { name: 'Analytical Engines', domain: 'engines.example.com' });
      expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded' });
      const before = await db.selectFrom('organizations').selectAll().where('id', '=', made.body.id).executeTakeFirstOrThrow();
      expect(before.sync_status).toBe('synced');

      const saved = await env.admin.patch<{ name: string; sync: { status: string } }>(`${W}/organizations/${made.body.id}`, { name: 'Difference Engines' });
      expect(saved.body).toMatchObject({ name: 'Difference Engines', sync: { status: 'synced' } });
      expect(env.sandbox.control.getObject(env.portalId, 'companies', before.hubspot_id!).properties['name']).toBe('Difference Engines');

      env.sandbox.control.setFaults({ 500: 1 });
      const down = await env.admin.patch<{ error: { code: string; details: Record<string, unknown> } }>(`${W}/organizations/${made.body.id}`, { name: 'Down' });
      expect(down.status).toBe(503);
      expect(down.body.error).toMatchObject({ code: 'WRITE_THROUGH_UNAVAILABLE', details: { objectType: 'companies' } });
      expect((await db.selectFrom('organizations').select('name').where('id', '=', made.body.id).executeTakeFirstOrThrow()).name).toBe('Difference Engines');
    } finally {
      env.sandbox.control.setFaults({});
      await settings({ syncCompanies: false });
    }
  });
});

describe('write-through of a deal', () => {
  it('writes a linked deal change to HubSpot first and keeps it Synced; a stage the push would refuse is saved as before', async () => {
    await settings({ syncDeals: true });
    try {
      const mappings = [{ pipeline: 'default', stage: 'proposal', hubspotPipelineId: 'default', hubspotStageId: 'presentationscheduled' }];
      expect((await env.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings })).status).toBe(200);
      const made = await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'Engine order', amount: '100', stage: 'proposal' });
      expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded' });
      const { hubspot_id: hubspotId } = await db.selectFrom('deals').select('hubspot_id').where('id', '=', made.body.id).executeTakeFirstOrThrow();

      const saved = await env.admin.patch<{ amount: string; sync: { status: string } }>(`${W}/deals/${made.body.id}`, { amount: '250.5' });
      expect(saved.body).toMatchObject({ sync: { status: 'synced' } });
      expect(env.sandbox.control.getObject(env.portalId, 'deals', hubspotId!).properties).toMatchObject({ amount: '250.5', dealname: 'Engine order' });

      // An unmapped stage is not sent (the push refuses it before sending, naming the stage): saved, waiting for the push.
      env.sandbox.control.resetCounts();
      const unmapped = await env.admin.patch<{ stage: string; sync: { status: string } }>(`${W}/deals/${made.body.id}`, { stage: 'negotiation' });
      expect(unmapped.body).toMatchObject({ stage: 'negotiation', sync: { status: 'needs_update' } });
      expect(calls('PATCH /crm/v3/objects/deals/{id}')).toBe(0);
    } finally {
      await settings({ syncDeals: false });
    }
  });
});

describe('write-through with refused credentials', () => {
  it('answers 503 with reason credentials_refused when HubSpot refuses the token, and saves nothing', async () => {
    const { id } = await linkedCustomer('wt-token@example.com');
    const before = await row(id);
    const { token } = env.sandbox.control.createPrivateAppToken({ portalId: env.portalId });
    expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
    // The token is revoked in HubSpot behind hubsync's back (the sandbox forgets everything: this test runs last).
    env.sandbox.control.reset();
    const refused = await env.admin.patch<{ error: { code: string; details: Record<string, unknown> } }>(`${W}/customers/${id}`, { firstName: 'Revoked' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'WRITE_THROUGH_UNAVAILABLE', details: { reason: 'credentials_refused' } });
    expect(await row(id)).toEqual(before);
    // The connection's health says so too.
    expect((await env.admin.get<{ status: string }>(`${W}/hubspot/connection`)).body.status).toBe('token_invalid');
  });

});
