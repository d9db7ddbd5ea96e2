// The push engine keeps several batches in flight, and a cancel lets the batches already sent
// finish and be recorded: through the public API, against the sandbox over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, syncNow, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { BATCHES_IN_FLIGHT, BATCH_SIZE } from './push-run.js';

let env: SandboxedService;
const W = '/api/workspaces/default';
const UPSERT = 'POST /crm/v3/objects/contacts/batch/upsert';

async function addCustomers(count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const customers = Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ externalId: `${prefix}${i + k}`, email: `${prefix}${i + k}@example.com`, firstName: 'Pipe' }));
    const r = await env.admin.post(`${W}/customers/bulk-upsert`, { customers });
    expect(r.body['failed']).toBe(0);
  }
}

const contactEmails = () => env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => String(c.properties['email']));

beforeAll(async () => {
  env = await startSandboxedService();
});
afterAll(async () => env?.close());

describe('push pipeline', () => {
  it(`keeps up to ${BATCHES_IN_FLIGHT} batches in flight, never more, and sends each customer once`, async () => {
    const count = BATCH_SIZE * BATCHES_IN_FLIGHT * 3 + 37;
    await addCustomers(count, 'p');
    // Long enough that every worker's next batch is sent before the first answers, even on a
    // loaded machine where recording a batch takes tens of milliseconds and reading and hashing
    // the second page (ten batches) hundreds.
    env.sandbox.control.setLatency(800);
    env.sandbox.control.resetCounts();
    const run = await syncNow(env.admin);
    env.sandbox.control.setLatency(undefined);
    expect(run).toMatchObject({ status: 'succeeded', processed: count, created: count, failed: 0, apiCalls: Math.ceil(count / BATCH_SIZE) });
    const counts = env.sandbox.control.counts();
    expect(counts.byRoute[UPSERT]).toEqual({ '200': Math.ceil(count / BATCH_SIZE) });
    expect(counts.peakInFlight).toBe(BATCHES_IN_FLIGHT);
    const emails = contactEmails();
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).toHaveLength(count);
    const summary = await env.admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['synced']).toBe(count);
  });

  it('stops on cancel after recording the batches already sent; the next run finishes the rest', async () => {
    const count = 3000;
    await addCustomers(count, 'q');
    const before = contactEmails().length;
    env.sandbox.control.setLatency(150);
    const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
    await waitForRun(env.admin, started.body.id, (r) => Number(r['processed']) >= BATCH_SIZE);
    const cancel = await env.admin.post(`${W}/sync/runs/${started.body.id}/cancel`);
    expect(cancel.status).toBe(202);
    const cancelled = await waitForRun(env.admin, started.body.id, runEnded);
    env.sandbox.control.setLatency(undefined);
    expect(cancelled['status']).toBe('cancelled');
    const processed = Number(cancelled['processed']);
    expect(processed).toBeLessThan(count);
    // Every contact HubSpot received was recorded: the run's count, the Synced count and the
    // sandbox agree, so nothing was sent and then forgotten.
    expect(contactEmails().length - before).toBe(processed);
    const mid = await env.admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(mid.body.byStatus).toMatchObject({ synced: before + processed, not_synced: count - processed });

    const rest = await syncNow(env.admin);
    expect(rest).toMatchObject({ status: 'succeeded', processed: count - processed, failed: 0 });
    const emails = contactEmails();
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails).toHaveLength(before + count);
  });

  it('refuses emails HubSpot would refuse without sending them, so the rest go in one call', async () => {
    const customers = Array.from({ length: 100 }, (_, i) => ({ externalId: `m${i}`, email: `m${i}@example.com`, firstName: 'Mixed' }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
    // Rows stored before hubsync refused such addresses at the door (the API refuses them now).
    for (const i of [0, 20, 40, 60]) {
      await env.ts.service.database.db.updateTable('customers').set({ email: `m${i}@nowhere`, email_lower: `m${i}@nowhere` }).where('external_id', '=', `m${i}`).execute();
    }
    await env.ts.service.database.db.updateTable('customers').set({ email: 'm80@b.c', email_lower: 'm80@b.c' }).where('external_id', '=', 'm80').execute();
    env.sandbox.control.resetCounts();
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', processed: 100, created: 95, failed: 5, apiCalls: 1 });
    expect(env.sandbox.control.counts().byRoute).toEqual({ [UPSERT]: { '200': 1 } });
    const errors = await env.admin.get<{ records: { email: string; lastError: string }[] }>(`${W}/sync/records?status=error`);
    expect(errors.body.records.map((r) => r.email).sort()).toEqual(['m0@nowhere', 'm20@nowhere', 'm40@nowhere', 'm60@nowhere', 'm80@b.c']);
    expect(errors.body.records.find((r) => r.email === 'm0@nowhere')!.lastError).toBe('Email address m0@nowhere is invalid (not sent: its domain "nowhere" has no dot).');
    // The reason names what is wrong with this address, not a rule it does not break.
    expect(errors.body.records.find((r) => r.email === 'm80@b.c')!.lastError).toBe('Email address m80@b.c is invalid (not sent: its top-level domain "c" has fewer than two letters).');
  });

  // Last in this file: it spends the portal's daily limit.
  it('stops the run when HubSpot refuses every call, after recording the batches HubSpot accepted', async () => {
    const count = 3000;
    await addCustomers(count, 'd');
    const before = contactEmails().length;
    const { byStatus: statusBefore } = (await env.admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`)).body;
    env.sandbox.control.setLatency(150);
    const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
    await waitForRun(env.admin, started.body.id, (r) => Number(r['processed']) >= BATCH_SIZE);
    env.sandbox.control.consumeDailyQuota(env.portalId, 10_000_000);
    const failed = await waitForRun(env.admin, started.body.id, runEnded);
    env.sandbox.control.setLatency(undefined);
    expect(failed['status']).toBe('failed');
    expect(String(failed['error'])).toMatch(/daily/i);
    const processed = Number(failed['processed']);
    expect(processed).toBeGreaterThanOrEqual(BATCH_SIZE);
    expect(processed).toBeLessThan(count);
    const created = contactEmails().length - before;
    const summary = await env.admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    // Every contact HubSpot created is linked and Synced; nobody else left Not synced.
    const grew = (status: string) => summary.body.byStatus[status]! - statusBefore[status]!;
    expect(grew('synced')).toBe(created);
    expect(grew('not_synced') + grew('error')).toBe(-created);
  });
});

