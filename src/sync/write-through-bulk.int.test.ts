// Write-through of bulk upserts and CSV imports (setting writeThrough), against the sandbox over
// real HTTP, on the test database (SQLite or PostgreSQL): each item changing a linked record is
// written to HubSpot first; an item HubSpot refuses is reported with HubSpot's message and leaves
// its record unchanged, here and in HubSpot, while the other items are saved; HubSpot unreachable
// refuses the linked changes (WRITE_THROUGH_UNAVAILABLE) and saves the rest.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import type { Db } from '../store/index.js';

const W = '/api/workspaces/default';
const TIMEOUT_MS = 1_500;

let env: SandboxedService;
let db: Db;

beforeAll(async () => {
  // Runs go in the request's process and no job worker runs: nothing pushes behind the tests' backs.
  env = await startSandboxedService({ jobs: { work: false, inlineRuns: true }, env: { HUBSYNC_WRITE_THROUGH_TIMEOUT_MS: String(TIMEOUT_MS) } });
  db = env.ts.service.database.db;
});
afterAll(async () => env?.close());
beforeEach(async () => {
  env.sandbox.control.setFaults({});
  expect((await env.admin.patch(`${W}/hubspot/settings`, { writeThrough: true, syncCompanies: true })).status).toBe(200);
});

const row = (id: string) => db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const contact = (hubspotId: string) => env.sandbox.control.getObject(env.portalId, 'contacts', hubspotId).properties;
const patches = () => Object.values(env.sandbox.control.counts().byRoute['PATCH /crm/v3/objects/contacts/{id}'] ?? {}).reduce((a, b) => a + b, 0);

type Result = { index: number; status: string; id?: string; error?: { code: string; message: string; details?: Record<string, unknown> } };

/** Customers `prefix-0…n-1` with externalIds, pushed and Synced; their ids and HubSpot ids. */
async function linkedCustomers(prefix: string, n: number): Promise<{ id: string; hubspotId: string }[]> {
  const bulk = await env.admin.post<{ failed: number; results: Result[] }>(`${W}/customers/bulk-upsert`, {
    customers: Array.from({ length: n }, (_, i) => ({ externalId: `${prefix}-${i}`, email: `${prefix}-${i}@example.com`, firstName: 'Ada', lifecycleStage: 'customer' })),
  });
  expect(bulk.body.failed).toBe(0);
  expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded' });
  const rows = await Promise.all(bulk.body.results.map((r) => row(r.id!)));
  expect(rows.map((r) => r.sync_status)).toEqual(rows.map(() => 'synced'));
  return rows.map((r) => ({ id: r.id, hubspotId: r.hubspot_id! }));
}

describe('bulk upsert with write-through', () => {
  it('saves what HubSpot accepted (Synced), reports what it refused with its message and leaves that record unchanged', async () => {
    const [a, b, c] = await linkedCustomers('bulk', 3);
    const before = await row(b!.id);
    env.sandbox.control.resetCounts();
    const bulk = await env.admin.post<{ created: number; updated: number; unchanged: number; failed: number; results: Result[] }>(`${W}/customers/bulk-upsert`, {
      customers: [
        { externalId: 'bulk-0', firstName: 'Augusta' },
        { externalId: 'bulk-1', firstName: 'Refused', lifecycleStage: 'bogus' },
        { externalId: 'bulk-2', firstName: 'Ada' },
        { externalId: 'bulk-new', email: 'bulk-new@example.com', firstName: 'Grace' },
      ],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ created: 1, updated: 1, unchanged: 1, failed: 1 });
    const refused = bulk.body.results.find((r) => r.index === 1)!;
    expect(refused).toMatchObject({ status: 'error', error: { code: 'HUBSPOT_REJECTED', details: { hubspotStatus: 400, hubspotCategory: 'VALIDATION_ERROR', properties: ['lifecyclestage'] } } });
    expect(refused.error!.message).toMatch(/^HubSpot refused the change, so it was not saved: .*bogus was not one of the allowed options/);
    expect(String(refused.error!.details!['hubspotMessage'])).toContain('bogus was not one of the allowed options');
    // One PATCH per changed linked customer: the unchanged and the new ones are not sent.
    expect(patches()).toBe(2);

    expect(await row(b!.id)).toEqual(before);
    expect(contact(b!.hubspotId)).toMatchObject({ firstname: 'Ada', lifecyclestage: 'customer' });
    expect(contact(a!.hubspotId)).toMatchObject({ firstname: 'Augusta' });
    expect(await row(a!.id)).toMatchObject({ first_name: 'Augusta', sync_status: 'synced' });
    expect(await row(c!.id)).toMatchObject({ first_name: 'Ada', sync_status: 'synced' });
    const created = bulk.body.results.find((r) => r.index === 3)!;
    expect(await row(created.id!)).toMatchObject({ first_name: 'Grace', sync_status: 'not_synced' });
  });

  it('refuses the linked changes while HubSpot keeps failing (WRITE_THROUGH_UNAVAILABLE) and saves the new records', async () => {
    const linked = await linkedCustomers('down', 2);
    const before = await Promise.all(linked.map((l) => row(l.id)));
    env.sandbox.control.setFaults({ 503: 1 });
    const started = Date.now();
    const bulk = await env.admin.post<{ created: number; failed: number; results: Result[] }>(`${W}/customers/bulk-upsert`, {
      customers: [
        { externalId: 'down-0', firstName: 'Never' },
        { externalId: 'down-1', firstName: 'Never' },
        { externalId: 'down-new', email: 'down-new@example.com' },
      ],
    });
    expect(bulk.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2 * TIMEOUT_MS + 3_000);
    expect(bulk.body).toMatchObject({ created: 1, failed: 2 });
    for (const index of [0, 1]) expect(bulk.body.results.find((r) => r.index === index)!.error).toMatchObject({ code: 'WRITE_THROUGH_UNAVAILABLE', details: { reason: 'unavailable' } });
    env.sandbox.control.setFaults({});
    for (const [i, l] of linked.entries()) {
      expect((await row(l.id)).first_name).toBe(before[i]!.first_name);
      expect(contact(l.hubspotId)).toMatchObject({ firstname: 'Ada' });
    }
  });

  it('does the same for organizations', async () => {
    const made = await env.admin.post<{ results: Result[] }>(`${W}/organizations/bulk-upsert`, {
      organizations: [
        { externalId: 'org-0', name: 'Engines', domain: 'engines.example.com' },
        { externalId: 'org-1', name: 'Looms', domain: 'looms.example.com' },
      ],
    });
    expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded' });
    const ids = made.body.results.map((r) => r.id!);
    const rows = await db.selectFrom('organizations').selectAll().where('id', 'in', ids).orderBy('id').execute();
    expect(rows.map((r) => r.sync_status)).toEqual(['synced', 'synced']);
    const bulk = await env.admin.post<{ updated: number; failed: number; results: Result[] }>(`${W}/organizations/bulk-upsert`, {
      organizations: [
        { externalId: 'org-0', name: 'Analytical Engines' },
        { externalId: 'org-1', name: 'Jacquard Looms', lifecycleStage: 'bogus' },
      ],
    });
    expect(bulk.body).toMatchObject({ updated: 1, failed: 1 });
    expect(bulk.body.results[1]!.error).toMatchObject({ code: 'HUBSPOT_REJECTED' });
    expect(bulk.body.results[1]!.error!.message).toContain('bogus');
    const company = (id: string) => env.sandbox.control.getObject(env.portalId, 'companies', rows.find((r) => r.id === id)!.hubspot_id!).properties;
    expect(company(ids[0]!)).toMatchObject({ name: 'Analytical Engines' });
    expect(company(ids[1]!)).toMatchObject({ name: 'Looms' });
    expect(await db.selectFrom('organizations').select(['name', 'sync_status']).where('id', '=', ids[1]!).executeTakeFirstOrThrow()).toEqual({ name: 'Looms', sync_status: 'synced' });
  });
});

describe('CSV import with write-through', () => {
  it('reports a row HubSpot refused with its line and HubSpot message, and saves the other rows', async () => {
    const [a, b] = await linkedCustomers('csv', 2);
    const before = await row(b!.id);
    const csv = ['externalId,email,firstName,lifecycleStage', 'csv-0,csv-0@example.com,Augusta,customer', 'csv-1,csv-1@example.com,Refused,bogus', 'csv-new,csv-new@example.com,Grace,'].join('\n');
    const res = await env.admin.request<{ created: number; updated: number; failed: number; errors: { line: number; message: string }[] }>('POST', `${W}/customers/import`, undefined, { rawBody: csv, contentType: 'text/csv' });
    const body = res.body;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ created: 1, updated: 1, failed: 1 });
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.line).toBe(3);
    expect(body.errors[0]!.message).toMatch(/^HubSpot refused the change, so it was not saved: .*bogus was not one of the allowed options/);
    expect(await row(b!.id)).toEqual(before);
    expect(contact(b!.hubspotId)).toMatchObject({ firstname: 'Ada' });
    expect(contact(a!.hubspotId)).toMatchObject({ firstname: 'Augusta' });
    expect(await row(a!.id)).toMatchObject({ first_name: 'Augusta', sync_status: 'synced' });
  });
});
