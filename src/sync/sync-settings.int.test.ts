// The automatic-sync settings API, Reconcile now, run triggers and sync health, through the
// public API against the sandbox over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, inviteMember } from '../../test/support/service.js';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { SYSTEM_ACTOR } from '../audit/index.js';
import { findWorkspaceBySlug } from '../store/index.js';

let env: SandboxedService;
const W = '/api/workspaces/default';
const HOUR = 3_600_000;

interface Settings {
  pushContactsOnChange: boolean;
  pushCompaniesOnChange: boolean;
  reconcileSchedule: string | null;
  timezone: string;
  scheduleDescription: string;
  jitterSeconds: number | null;
  nextReconcileAt: string | null;
}

/** Wall-clock weekday and time of `ms` in `zone`, e.g. "Mon 09:30". */
const wallClock = (ms: number, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);

beforeAll(async () => {
  env = await startSandboxedService();
  await env.admin.post(`${W}/customers/bulk-upsert`, { customers: Array.from({ length: 30 }, (_, i) => ({ externalId: `s${i}`, email: `s${i}@example.com`, firstName: `S${i}` })) });
});
afterAll(async () => env?.close());

describe('settings API', () => {
  // The test service switches the default workspace's on-change push off, contacts and
  // companies (so these tests count their own runs); a new workspace's is checked below.
  it('gives a workspace created on a fresh install the nightly reconcile at 03:00 UTC', async () => {
    const before = Date.now();
    const { status, body } = await env.admin.get<Settings>(`${W}/hubspot/settings`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ pushContactsOnChange: false, pushCompaniesOnChange: false, reconcileSchedule: '0 3 * * *', timezone: 'UTC', scheduleDescription: 'every day at 03:00, UTC' });
    expect(body.jitterSeconds).toBeGreaterThanOrEqual(0);
    expect(body.jitterSeconds).toBeLessThan(600);
    const next = Date.parse(body.nextReconcileAt!);
    // The next 03:00 UTC plus this workspace's jitter, within the coming day.
    const fire = next - body.jitterSeconds! * 1000;
    expect(new Date(fire).toISOString()).toMatch(/T03:00:00\.000Z$/);
    expect(next).toBeGreaterThanOrEqual(before);
    expect(next).toBeLessThanOrEqual(Date.now() + 24 * HOUR);
  });

  it('saves a schedule in a zone, answers with its reading and next run, and audits old and new values', async () => {
    const saved = await env.admin.patch<Settings>(`${W}/hubspot/settings`, { reconcileSchedule: ' 30  9 * * 1 ', timezone: 'Europe/Zurich', pushCompaniesOnChange: true });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ reconcileSchedule: '30 9 * * 1', timezone: 'Europe/Zurich', pushContactsOnChange: false, pushCompaniesOnChange: true, scheduleDescription: 'Mondays at 09:30, Europe/Zurich' });
    const next = Date.parse(saved.body.nextReconcileAt!);
    expect(wallClock(next - saved.body.jitterSeconds! * 1000, 'Europe/Zurich')).toBe('Mon 09:30:00');
    expect(next - Date.now()).toBeLessThanOrEqual(7 * 24 * HOUR);
    expect((await env.admin.get<Settings>(`${W}/hubspot/settings`)).body).toEqual(saved.body);

    const audit = await env.admin.get<{ entries: { action: string; details: Record<string, unknown> }[] }>(`${W}/audit-log?action=hubspot.sync_settings_changed`);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]!.details).toEqual({
      changes: {
        reconcileSchedule: { from: '0 3 * * *', to: '30 9 * * 1' },
        timezone: { from: 'UTC', to: 'Europe/Zurich' },
        pushCompaniesOnChange: { from: false, to: true },
      },
    });
    // Saving the same values again changes nothing and records nothing.
    await env.admin.patch(`${W}/hubspot/settings`, { timezone: 'Europe/Zurich' });
    expect((await env.admin.get<{ entries: unknown[] }>(`${W}/audit-log?action=hubspot.sync_settings_changed`)).body.entries).toHaveLength(1);
  });

  it('turns the schedule off with null', async () => {
    const off = await env.admin.patch<Settings>(`${W}/hubspot/settings`, { reconcileSchedule: null });
    expect(off.body).toMatchObject({ reconcileSchedule: null, scheduleDescription: 'off', jitterSeconds: null, nextReconcileAt: null });
    const hourly = await env.admin.patch<Settings>(`${W}/hubspot/settings`, { reconcileSchedule: '15 * * * *' });
    expect(hourly.body.scheduleDescription).toBe('every hour at :15');
    // A tenth of an hour is six minutes: the jitter stays below it.
    expect(hourly.body.jitterSeconds).toBeLessThan(360);
  });

  it('refuses a bad cron or zone with 400 naming the field, and saves nothing', async () => {
    const before = (await env.admin.get<Settings>(`${W}/hubspot/settings`)).body;
    const seconds = await env.admin.request('PATCH', `${W}/hubspot/settings`, { reconcileSchedule: '0 0 3 * * *' });
    expect(seconds.status).toBe(400);
    expect(seconds.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'reconcileSchedule' } } });
    expect(seconds.body.error.message).toMatch(/^reconcileSchedule: .*seconds are not supported/);
    const garbage = await env.admin.request('PATCH', `${W}/hubspot/settings`, { reconcileSchedule: 'every night' });
    expect(garbage.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'reconcileSchedule' } } });
    const zone = await env.admin.request('PATCH', `${W}/hubspot/settings`, { timezone: 'Mars/Olympus', pushCompaniesOnChange: false });
    expect(zone.status).toBe(400);
    expect(zone.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'timezone' } } });
    const wrongType = await env.admin.request('PATCH', `${W}/hubspot/settings`, { pushContactsOnChange: 'yes' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'pushContactsOnChange' } } });
    expect((await env.admin.get<Settings>(`${W}/hubspot/settings`)).body).toEqual(before);
  });

  it('keeps two-way off by default with the seed\'s lifecycle filter, validates and audits its settings', async () => {
    const before = (await env.admin.get<Settings & Record<string, unknown>>(`${W}/hubspot/settings`)).body;
    expect(before).toMatchObject({ twoWay: false, inboundLifecycleStages: ['customer', 'subscriber'], pollIntervalMinutes: 5, writeThrough: false, propagateDeletes: false, archiveOnHubSpotDelete: false });
    const notBoolean = await env.admin.request('PATCH', `${W}/hubspot/settings`, { writeThrough: 'yes' });
    expect(notBoolean.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const badStage = await env.admin.request('PATCH', `${W}/hubspot/settings`, { inboundLifecycleStages: ['customer', 'not a stage'] });
    expect(badStage.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'inboundLifecycleStages' } } });
    const badInterval = await env.admin.request('PATCH', `${W}/hubspot/settings`, { pollIntervalMinutes: 0 });
    expect(badInterval.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'pollIntervalMinutes' } } });
    expect((await env.admin.get(`${W}/hubspot/settings`)).body).toEqual(before);

    const saved = await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, inboundLifecycleStages: ['Customer', 'lead', 'customer'], pollIntervalMinutes: 15, writeThrough: true, propagateDeletes: true });
    expect(saved.body).toMatchObject({ twoWay: true, inboundLifecycleStages: ['customer', 'lead'], pollIntervalMinutes: 15, writeThrough: true, propagateDeletes: true, archiveOnHubSpotDelete: false });
    // The same list again is no change.
    await env.admin.patch(`${W}/hubspot/settings`, { inboundLifecycleStages: ['customer', 'lead'] });
    const audit = await env.admin.get<{ entries: { details: { changes: Record<string, unknown> } }[] }>(`${W}/audit-log?action=hubspot.sync_settings_changed`);
    expect(audit.body.entries[0]!.details.changes).toEqual({
      twoWay: { from: false, to: true },
      inboundLifecycleStages: { from: ['customer', 'subscriber'], to: ['customer', 'lead'] },
      pollIntervalMinutes: { from: 5, to: 15 },
      writeThrough: { from: false, to: true },
      propagateDeletes: { from: false, to: true },
    });
    await env.admin.patch(`${W}/hubspot/settings`, { twoWay: false, inboundLifecycleStages: ['customer', 'subscriber'], pollIntervalMinutes: 5, writeThrough: false, propagateDeletes: false });
  });

  it('keeps a de-duplication window of 60 s by default, 0 turns it off, validated and audited', async () => {
    const before = (await env.admin.get<Settings & Record<string, unknown>>(`${W}/hubspot/settings`)).body;
    expect(before['dedupWindowSeconds']).toBe(60);
    for (const bad of [-1, 86_401, 1.5]) {
      const refused = await env.admin.request('PATCH', `${W}/hubspot/settings`, { dedupWindowSeconds: bad });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'dedupWindowSeconds' } } });
    }
    expect((await env.admin.request('PATCH', `${W}/hubspot/settings`, { dedupWindowSeconds: '60' })).status).toBe(400);
    expect((await env.admin.get(`${W}/hubspot/settings`)).body).toEqual(before);
    const off = await env.admin.patch<Record<string, unknown>>(`${W}/hubspot/settings`, { dedupWindowSeconds: 0 });
    expect(off.body['dedupWindowSeconds']).toBe(0);
    expect((await env.admin.get<Record<string, unknown>>(`${W}/hubspot/settings`)).body['dedupWindowSeconds']).toBe(0);
    const audit = await env.admin.get<{ entries: { details: { changes: Record<string, unknown> } }[] }>(`${W}/audit-log?action=hubspot.sync_settings_changed`);
    expect(audit.body.entries[0]!.details.changes).toEqual({ dedupWindowSeconds: { from: 60, to: 0 } });
    await env.admin.patch(`${W}/hubspot/settings`, { dedupWindowSeconds: 60 });
  });

  it('lets members read the settings but only admins change them', async () => {
    const member = await inviteMember(env.admin, env.ts.url, 'default', { email: 'member@example.com', role: 'member', password: 'member-password-1' });
    expect((await member.get(`${W}/hubspot/settings`)).status).toBe(200);
    const refused = await member.request('PATCH', `${W}/hubspot/settings`, { reconcileSchedule: null });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('gives a workspace created through the API on-change push too', async () => {
    expect((await env.admin.post(`/api/workspaces`, { slug: 'second', name: 'Second' })).status).toBe(201);
    const second = await env.admin.get<Settings>(`/api/workspaces/second/hubspot/settings`);
    expect(second.body).toMatchObject({ pushContactsOnChange: true, pushCompaniesOnChange: true, reconcileSchedule: '0 3 * * *', timezone: 'UTC' });
    // Not connected to HubSpot: nothing will run, so there is no next run.
    expect(second.body.nextReconcileAt).toBeNull();
  });
});

describe('Reconcile now and run triggers', () => {
  it('starts a reconcile (202, trigger manual), refuses a second one with the running run id, and shows it in health', async () => {
    env.sandbox.control.setLatency(300);
    const first = await env.admin.post<{ id: string; trigger: string; status: string }>(`${W}/sync/reconcile`);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'running', trigger: 'manual' });
    const second = await env.admin.request('POST', `${W}/sync/reconcile`);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: { code: 'SYNC_ALREADY_RUNNING', details: { runId: first.body.id } } });
    const syncNow = await env.admin.request('POST', `${W}/sync/runs`);
    expect(syncNow.body).toMatchObject({ error: { code: 'SYNC_ALREADY_RUNNING', details: { runId: first.body.id } } });
    env.sandbox.control.setLatency(undefined);
    const done = await waitForRun(env.admin, first.body.id, runEnded);
    expect(done).toMatchObject({ status: 'succeeded', processed: 30, created: 30 });

    const connection = await env.admin.get<{ status: string; usage: { callsToday: number; dailyLimit: number }; health: Record<string, unknown> }>(`${W}/hubspot/connection`);
    const settings = await env.admin.get<Settings>(`${W}/hubspot/settings`);
    expect(connection.body.health).toEqual({
      state: 'connected',
      lastError: null,
      lastRun: { id: first.body.id, status: 'succeeded', trigger: 'manual', startedAt: done['startedAt'], finishedAt: done['finishedAt'] },
      nextReconcileAt: settings.body.nextReconcileAt,
      // This test service does not push on change: nothing waits in the pending-changes set.
      pendingChanges: 0,
    });
    expect(settings.body.nextReconcileAt).not.toBeNull();
    expect(connection.body.usage.callsToday).toBeGreaterThan(0);
  });

  it('records the trigger a run was started with from code, and shows it in the runs API', async () => {
    const { context } = env.ts.service;
    const workspace = await findWorkspaceBySlug(context.db, 'default');
    await env.admin.patch(`/api/workspaces/default/customers/${(await env.admin.get<{ customers: { id: string }[] }>(`${W}/customers?limit=1`)).body.customers[0]!.id}`, { firstName: 'Changed' });
    const { run } = await context.push.start(workspace!.id, { kind: 'schedule', actor: SYSTEM_ACTOR });
    // The run is sent as a job; whichever worker takes it runs it.
    await waitForRun(env.admin, run.id, runEnded);
    const runs = await env.admin.get<{ runs: { id: string; trigger: string; startedBy: string; updated: number }[] }>(`${W}/sync/runs`);
    expect(runs.body.runs[0]).toMatchObject({ id: run.id, trigger: 'schedule', startedBy: 'hubsync', updated: 1 });
    expect((await env.admin.get(`${W}/sync/runs/${run.id}`)).body).toMatchObject({ trigger: 'schedule' });
    expect((await env.admin.get<{ health: { lastRun: { trigger: string } } }>(`${W}/hubspot/connection`)).body.health.lastRun.trigger).toBe('schedule');
  });

  it('records a run started with an API key as manual', async () => {
    const key = await env.admin.post<{ key: string }>(`${W}/api-keys`, { name: 'host app' });
    const app = new ApiClient(env.ts.url, key.body.key);
    // Something to push, so the start is a new run rather than the one that just succeeded.
    const customer = (await env.admin.get<{ customers: { id: string }[] }>(`${W}/customers?limit=1`)).body.customers[0]!;
    await env.admin.patch(`${W}/customers/${customer.id}`, { firstName: 'Changed again' });
    const started = await app.post<{ id: string; trigger: string; startedBy: string }>(`${W}/sync/reconcile`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ trigger: 'manual', startedBy: expect.stringContaining('host app') });
    await waitForRun(env.admin, started.body.id, runEnded);
  });
});

describe('health', () => {
  it('reports rate limited with the last error once the daily limit is spent', async () => {
    env.sandbox.control.consumeDailyQuota(env.portalId, 10_000_000);
    const customers = await env.admin.get<{ customers: { id: string }[] }>(`${W}/customers?limit=1`);
    await env.admin.patch(`${W}/customers/${customers.body.customers[0]!.id}`, { firstName: 'Again' });
    const started = await env.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    const run = await waitForRun(env.admin, started.body.id, runEnded);
    expect(run['status']).toBe('failed');
    const connection = await env.admin.get<{ health: { state: string; lastError: string; lastRun: { id: string; status: string } } }>(`${W}/hubspot/connection`);
    expect(connection.body.health).toMatchObject({ state: 'rate_limited', lastRun: { id: started.body.id, status: 'failed' } });
    expect(connection.body.health.lastError).toBe(run['error']);
  });

  it('reports not connected, and no next run, after disconnect', async () => {
    expect((await env.admin.request('DELETE', `${W}/hubspot/connection`)).status).toBe(204);
    const connection = await env.admin.get<{ health: { state: string; nextReconcileAt: string | null } }>(`${W}/hubspot/connection`);
    expect(connection.body.health).toMatchObject({ state: 'not_connected', nextReconcileAt: null });
    expect((await env.admin.get<Settings>(`${W}/hubspot/settings`)).body.nextReconcileAt).toBeNull();
  });
});
