// Config → Integrations → HubSpot → Settings end to end, against the HubSpot sandbox over real
// HTTP: an admin reads the default automatic-sync settings, meets the field errors of a cron
// with seconds and an unknown zone, saves a weekly schedule in Europe/Zurich, turns it off,
// runs Reconcile now, and finds each run's trigger in the sync log and the health on the
// Connection tab. The tab is photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { findWorkspaceBySlug } from '../../src/store/index.js';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let sandbox: SandboxedUi['sandbox'];
let portalId: number;

const W = '/api/workspaces/default';

beforeAll(async () => {
  // A little latency per HubSpot call so a reconcile lasts long enough to be watched.
  ({ ui, page, close, sandbox, portalId } = await startSandboxedUi({ sandbox: { latencyMs: [150, 200] } }));
  const customers = Array.from({ length: 150 }, (_, i) => ({ externalId: `r-${i}`, firstName: `Reconcile${i}`, email: `reconcile${i}@example.com` }));
  expect((await ui.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['created']).toBe(150);
});

afterAll(async () => {
  await close?.();
});

describe('Config → Integrations → HubSpot → Settings', () => {
  // The UI test service switches the default workspace's on-change push for contacts off (these
  // tests start their runs by hand); that a new workspace has it on is proven in
  // src/sync/sync-settings.int.test.ts.
  it('shows the stored toggles, the nightly 03:00 UTC default, its next run and jitter', async () => {
    await page.goto(`${ui.url}/w/default/integrations/hubspot/settings`);
    await page.getByRole('tab', { name: 'Settings', selected: true }).waitFor();
    expect(await page.getByLabel('Sync contacts when a customer changes').isChecked()).toBe(false);
    // The test service switched both off (tests count their own runs).
    expect(await page.getByLabel('Sync companies when an organization changes').isChecked()).toBe(false);
    expect(await page.getByLabel('Schedule', { exact: true }).inputValue()).toBe('nightly');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('UTC');
    await expect.poll(() => page.getByTestId('schedule-reading').textContent()).toBe('every day at 03:00, UTC');
    const saved = (await ui.admin.get<{ jitterSeconds: number; nextReconcileAt: string }>(`${W}/hubspot/settings`)).body;
    expect(await page.getByTestId('next-reconcile').textContent()).toBe(await formatLikeTheUi(page, saved.nextReconcileAt, 'UTC'));
    const jitter = await page.getByTestId('schedule-jitter').textContent();
    const [minutes, seconds] = [Math.floor(saved.jitterSeconds / 60), saved.jitterSeconds % 60];
    if (minutes > 0) expect(jitter).toContain(`${minutes} min`);
    if (seconds > 0) expect(jitter).toContain(`${seconds} s after each scheduled time`);
    expect(jitter).toContain('at most 10 minutes');
  });

  it('puts a cron with seconds and an unknown zone next to their fields, then saves a weekly schedule in Zurich', async () => {
    await page.getByLabel('Schedule', { exact: true }).selectOption('custom');
    await page.getByLabel('Cron expression').fill('0 30 9 * * 1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const cronError = page.locator('#schedule-cron-error');
    await cronError.waitFor();
    expect(await cronError.textContent()).toContain('seconds are not supported');

    await page.getByLabel('Cron expression').fill('30 9 * * 1');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const zoneError = page.locator('#schedule-timezone-error');
    await zoneError.waitFor();
    expect(await zoneError.textContent()).toContain('Mars/Olympus');

    await page.getByLabel('Time zone').fill('Europe/Zurich');
    await page.getByLabel('Sync companies when an organization changes').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByTestId('schedule-reading').textContent()).toBe('Mondays at 09:30, Europe/Zurich');
    expect(await zoneError.count()).toBe(0);
    const saved = await ui.admin.get<{ nextReconcileAt: string }>(`${W}/hubspot/settings`);
    // The next run on Zurich's wall clock: a Monday, 09:30 plus the jitter.
    const next = await page.getByTestId('next-reconcile').textContent();
    expect(next).toBe(await formatLikeTheUi(page, saved.body.nextReconcileAt, 'Europe/Zurich'));
    expect(next).toMatch(/Mon.*09:(3\d|40)/);
    expect(saved.body).toMatchObject({ reconcileSchedule: '30 9 * * 1', timezone: 'Europe/Zurich', pushContactsOnChange: false, pushCompaniesOnChange: true });
    // After a reload the form shows what was saved.
    await page.reload();
    await page.getByTestId('schedule-reading').waitFor();
    expect(await page.getByLabel('Schedule', { exact: true }).inputValue()).toBe('custom');
    expect(await page.getByLabel('Cron expression').inputValue()).toBe('30 9 * * 1');
    expect(await page.getByLabel('Sync companies when an organization changes').isChecked()).toBe(true);
    await screenshot(page, 'hubspot-settings.png');
  });

  it('turns the schedule off', async () => {
    await page.getByLabel('Schedule', { exact: true }).selectOption('off');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByTestId('schedule-reading').textContent()).toBe('Off: no scheduled reconcile');
    expect(await page.getByTestId('next-reconcile').textContent()).toBe('—');
    expect((await ui.admin.get(`${W}/hubspot/settings`)).body).toMatchObject({ reconcileSchedule: null, nextReconcileAt: null });
  });

  it('runs Reconcile now with its progress, and the sync log shows each run’s trigger', async () => {
    await page.getByRole('button', { name: 'Reconcile now' }).click();
    await page.getByRole('progressbar', { name: 'Sync progress' }).waitFor();
    await page.getByText('Sync finished').waitFor({ timeout: 60_000 });
    expect(await page.getByText('150 created').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Reconcile now' }).isEnabled()).toBe(true);

    // A run the scheduler would start, with its trigger, from code.
    const { context } = ui.service;
    const workspace = await findWorkspaceBySlug(context.db, 'default');
    // Something to push, so the start is a new run rather than the reconcile that just succeeded.
    const first = (await ui.admin.get<{ customers: { id: string }[] }>(`${W}/customers?limit=1`)).body.customers[0]!;
    await ui.admin.patch(`${W}/customers/${first.id}`, { firstName: 'Scheduled' });
    const { run: scheduled } = await context.push.start(workspace!.id, { kind: 'schedule', actor: SYSTEM_ACTOR });
    // The run is sent as a job; whichever worker takes it runs it.
    await expect.poll(async () => (await ui.admin.get<{ status: string }>(`${W}/sync/runs/${scheduled.id}`)).body.status, { timeout: 30_000 }).not.toBe('running');

    await page.getByRole('link', { name: 'Sync log' }).click();
    const rows = page.getByRole('table', { name: 'Sync runs' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).getByTestId('run-trigger').textContent()).toBe('Schedule');
    expect(await rows.nth(1).getByTestId('run-trigger').textContent()).toBe('Manual');
  });

  it('shows sync health, the last run and the next scheduled run on the Connection tab', async () => {
    await ui.admin.patch(`${W}/hubspot/settings`, { reconcileSchedule: '0 3 * * *' });
    await page.getByRole('link', { name: 'HubSpot' }).click();
    await page.getByRole('tab', { name: 'Connection', selected: true }).waitFor();
    await expect.poll(() => page.getByTestId('sync-health').textContent()).toBe('Healthy');
    expect(await page.getByTestId('last-run').textContent()).toContain('(Schedule)');
    const next = (await ui.admin.get<{ nextReconcileAt: string }>(`${W}/hubspot/settings`)).body.nextReconcileAt;
    expect(await page.getByTestId('next-run').textContent()).toBe(await formatLikeTheUi(page, next));
  });
});

describe('What is synced', () => {
  it('turns deals on, and names under the toggle the scopes a token without deals write access lacks', async () => {
    await page.goto(`${ui.url}/w/default/integrations/hubspot/settings`);
    await page.getByRole('tab', { name: 'Settings', selected: true }).waitFor();
    const deals = page.getByLabel('Sync deals');
    expect(await deals.isChecked()).toBe(false);
    expect(await page.getByLabel('Sync organizations as HubSpot companies').isChecked()).toBe(false);
    await deals.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => (await ui.admin.get<{ syncDeals: boolean }>(`${W}/hubspot/settings`)).body.syncDeals).toBe(true);
    expect((await ui.admin.get<{ syncCompanies: boolean }>(`${W}/hubspot/settings`)).body.syncCompanies).toBe(false);
    expect(await page.getByLabel('Sync deals').isChecked()).toBe(true);
    // The full-scope token lacks nothing.
    expect(await page.getByRole('alert').filter({ hasText: 'Not synced' }).count()).toBe(0);

    const scopes = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.objects.deals.read'];
    const { token } = sandbox.control.createPrivateAppToken({ portalId, scopes });
    expect((await ui.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
    await page.reload();
    const missing = page.getByRole('alert').filter({ hasText: 'Not synced' });
    await missing.waitFor();
    expect(await missing.textContent()).toContain('lacks crm.objects.deals.writecrm.schemas.deals.readcrm.schemas.deals.write');
    await screenshot(page, 'hubspot-settings-object-types.png');
  });
});

/** A time as the browser (its locale) renders it: in `zone` with the zone named, or like the UI's formatDate in the browser's zone. */
function formatLikeTheUi(page: Page, iso: string, zone?: string): Promise<string> {
  return page.evaluate(
    ([value, timeZone]) =>
      timeZone
        ? new Date(value).toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' })
        : new Date(value).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
    [iso, zone] as const,
  );
}
