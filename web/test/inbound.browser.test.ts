// Two-way sync in the UI, against the HubSpot sandbox over real HTTP: the Inbound section of
// HubSpot → Settings (two-way on, the lifecycle stage filter with a custom stage, the poll
// interval, the three switches; saved values after a reload; the API's errors beside their
// fields; read-only for members), and the Conflicts card of the record pages — a conflict the
// real pull decided on a customer, conflicts stored on an organization and a deal (linking the
// sync run that decided them), and the empty state. The section and the card are photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConflicts, type Db } from '../../src/store/index.js';
import { workspaceIdOf } from '../../test/support/crm-records.js';
import { runEnded, syncNow, waitForRun } from '../../test/support/sandboxed.js';
import { inviteMember } from '../../test/support/service.js';
import { openBrowser, screenshot, signIn, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
const SETTINGS = '/w/default/integrations/hubspot/settings';
const MEMBER_EMAIL = 'member@example.com';
const MEMBER_PASSWORD = 'member-password-123';

let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let sandbox: SandboxedUi['sandbox'];
let token: string;
let db: Db;

interface Settings {
  twoWay: boolean;
  inboundLifecycleStages: string[];
  pollIntervalMinutes: number;
  writeThrough: boolean;
  propagateDeletes: boolean;
  archiveOnHubSpotDelete: boolean;
}

beforeAll(async () => {
  ({ ui, page, close, sandbox, token } = await startSandboxedUi());
  db = ui.service.context.db;
  await inviteMember(ui.admin, ui.url, 'default', { email: MEMBER_EMAIL, name: 'Mia Member', role: 'member', password: MEMBER_PASSWORD });
});

afterAll(async () => {
  await close?.();
});

const settings = async () => (await ui.admin.get<Settings>(`${W}/hubspot/settings`)).body;
/** Clicks Save settings; resolves with the status of the PATCH it sent. */
const save = async () => {
  const answered = page.waitForResponse((r) => r.url().endsWith(`${W}/hubspot/settings`) && r.request().method() === 'PATCH');
  await page.getByRole('button', { name: 'Save settings' }).click();
  return (await answered).status();
};
const stage = (label: string) => page.getByLabel(label, { exact: true });

describe('HubSpot → Settings → Inbound', () => {
  it('shows the defaults: two-way off, Customer and Subscriber imported, a poll every 5 minutes, the switches off', async () => {
    await page.goto(`${ui.url}${SETTINGS}`);
    await page.getByRole('heading', { name: 'Inbound' }).waitFor();
    expect(await page.getByLabel("Two-way sync: bring HubSpot's changes in").isChecked()).toBe(false);
    const checked = await Promise.all(['Subscriber', 'Lead', 'Marketing qualified lead', 'Sales qualified lead', 'Opportunity', 'Customer', 'Evangelist', 'Other'].map((l) => stage(l).isChecked()));
    expect(checked).toEqual([true, false, false, false, false, true, false, false]);
    expect(await page.getByLabel('Poll interval (minutes)').inputValue()).toBe('5');
    for (const label of ["Write-through: save a linked record's edit in HubSpot first", 'Archive in HubSpot what is deleted here', 'Delete here what is archived in HubSpot']) {
      expect(await page.getByLabel(label).isChecked(), label).toBe(false);
    }
    // Each switch says what it does.
    expect(await page.getByLabel('Delete here what is archived in HubSpot').getAttribute('aria-describedby')).toBe('archive-on-hubspot-delete-hint');
    expect(await page.locator('#archive-on-hubspot-delete-hint').textContent()).toContain('only unlinked');
  });

  it('saves two-way on, a changed filter with a custom stage, a new interval and write-through; a reload shows them', async () => {
    await page.getByLabel("Two-way sync: bring HubSpot's changes in").check();
    await stage('Subscriber').uncheck();
    await stage('Lead').check();
    await page.getByLabel('Custom stage id').fill('1234567');
    await page.getByLabel('Custom stage id').press('Enter');
    await page.getByTestId('custom-stage').filter({ hasText: '1234567' }).waitFor();
    await page.getByLabel('Poll interval (minutes)').fill('15');
    await page.getByLabel("Write-through: save a linked record's edit in HubSpot first").check();
    expect(await save()).toBe(200);
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await settings()).toMatchObject({
      twoWay: true,
      inboundLifecycleStages: ['customer', 'lead', '1234567'],
      pollIntervalMinutes: 15,
      writeThrough: true,
      propagateDeletes: false,
      archiveOnHubSpotDelete: false,
    });

    await page.reload();
    await page.getByRole('heading', { name: 'Inbound' }).waitFor();
    expect(await page.getByLabel("Two-way sync: bring HubSpot's changes in").isChecked()).toBe(true);
    expect(await stage('Subscriber').isChecked()).toBe(false);
    expect(await stage('Lead').isChecked()).toBe(true);
    expect(await stage('Customer').isChecked()).toBe(true);
    expect(await page.getByTestId('custom-stage').allTextContents()).toEqual([expect.stringContaining('1234567')]);
    expect(await page.getByLabel('Poll interval (minutes)').inputValue()).toBe('15');
    expect(await page.getByLabel("Write-through: save a linked record's edit in HubSpot first").isChecked()).toBe(true);
    await page.getByRole('heading', { name: 'Inbound' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'hubspot-settings-inbound.png');
  });

  it('puts the API’s refusal of an interval out of range and of a stage that is no stage value beside the field, and saves nothing', async () => {
    const interval = page.getByLabel('Poll interval (minutes)');
    const intervalError = page.locator('#poll-interval-error');
    for (const bad of ['1441', '0', '']) {
      await interval.fill(bad);
      expect(await save()).toBe(400);
      await expect.poll(() => intervalError.textContent(), { message: `interval ${JSON.stringify(bad)}` }).toContain('from 1 to 1440');
      expect(await interval.getAttribute('aria-invalid')).toBe('true');
    }
    // The error is beside the field, not in the form's general alert.
    expect(await page.getByText('The settings were not saved.').count()).toBe(0);

    await interval.fill('30');
    await page.getByLabel('Custom stage id').fill('Not a stage!');
    await page.getByRole('button', { name: 'Add stage' }).click();
    expect(await save()).toBe(400);
    const stagesError = page.locator('#inbound-stages-error');
    await expect.poll(() => stagesError.textContent()).toContain('"not a stage!" is not a lifecycle stage value');
    expect(await intervalError.count()).toBe(0);
    expect((await settings()).pollIntervalMinutes).toBe(15);

    await page.getByRole('button', { name: 'Remove stage Not a stage!' }).click();
    expect(await save()).toBe(200);
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect(await stagesError.count()).toBe(0);
    expect(await settings()).toMatchObject({ pollIntervalMinutes: 30, inboundLifecycleStages: ['customer', 'lead', '1234567'] });
  });

  it('shows members the inbound settings read-only', async () => {
    const member = await openBrowser();
    try {
      await signIn(member.page, ui.url, MEMBER_EMAIL, MEMBER_PASSWORD);
      await member.page.goto(`${ui.url}${SETTINGS}`);
      await member.page.getByRole('heading', { name: 'Inbound' }).waitFor();
      const twoWay = member.page.getByLabel("Two-way sync: bring HubSpot's changes in");
      expect([await twoWay.isChecked(), await twoWay.isDisabled()]).toEqual([true, true]);
      expect(await member.page.getByLabel('Lead', { exact: true }).isDisabled()).toBe(true);
      expect(await member.page.getByLabel('Poll interval (minutes)').isDisabled()).toBe(true);
      expect(await member.page.getByLabel('Poll interval (minutes)').inputValue()).toBe('30');
      expect(await member.page.getByLabel('Custom stage id').count()).toBe(0);
      expect(await member.page.getByRole('button', { name: /Remove stage/ }).count()).toBe(0);
      expect(await member.page.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
      await member.page.getByText('Only workspace admins can change these settings.').waitFor();
    } finally {
      await member.close();
    }
  });
});

describe('the Conflicts card of a record page', () => {
  it('shows the field the pull overrode on a customer: both values, both times, HubSpot as the winner, and the pull', async () => {
    // Write-through would send the local edit to HubSpot at once: off, so both sides diverge.
    expect((await ui.admin.patch(`${W}/hubspot/settings`, { writeThrough: false, twoWay: true })).status).toBe(200);
    const made = await ui.admin.post<{ id: string }>(`${W}/customers`, { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', lifecycleStage: 'customer' });
    expect(await syncNow(ui.admin)).toMatchObject({ status: 'succeeded' });
    const hubspotId = (await ui.admin.get<{ sync: { hubspotId: string } }>(`${W}/customers/${made.body.id}`)).body.sync.hubspotId;

    // Here first, HubSpot later: HubSpot's value wins.
    expect((await ui.admin.patch(`${W}/customers/${made.body.id}`, { firstName: 'Ada (here)' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const patched = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/${hubspotId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { firstname: 'Ada (HubSpot)' } }),
    });
    expect(patched.status).toBe(200);
    const reconcile = await ui.admin.post<{ id: string }>(`${W}/sync/reconcile`);
    expect(reconcile.status).toBe(202);
    expect(await waitForRun(ui.admin, reconcile.body.id, runEnded)).toMatchObject({ status: 'succeeded' });
    const conflicts = (await ui.admin.get<{ conflicts: { runId: string }[] }>(`${W}/customers/${made.body.id}/conflicts`)).body.conflicts;
    expect(conflicts).toHaveLength(1);

    await page.goto(`${ui.url}/w/default/customers/${made.body.id}`);
    const card = page.getByRole('table', { name: 'Conflicts' });
    const row = card.locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').first().textContent()).toBe('First namefirstname');
    expect(await row.getByTestId('conflict-local').textContent()).toMatch(/^Ada \(here\)changed /);
    expect(await row.getByTestId('conflict-hubspot').textContent()).toMatch(/^Ada \(HubSpot\)changed /);
    expect(await row.getByTestId('conflict-winner').textContent()).toBe('HubSpot');
    // The value that lost is struck through, the winner stands out.
    expect(await row.getByTestId('conflict-local').locator('.conflict-lost').count()).toBe(1);
    expect(await row.getByTestId('conflict-hubspot').locator('.conflict-won').count()).toBe(1);
    // The record shows the winner.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ada (HubSpot) Lovelace');
    await screenshot(page, 'customer-conflicts.png');

    // A pull's own id has no page in the sync log: it is shown, not linked.
    expect(await row.getByTestId('conflict-run').textContent()).toContain(conflicts[0]!.runId);
    expect(await row.getByTestId('conflict-run').getByRole('link').count()).toBe(0);
  });

  it('shows stored conflicts on an organization (with a custom field’s label) and a deal with a link to their run, and says so when there are none', async () => {
    const workspaceId = await workspaceIdOf(db, 'default');
    expect((await ui.admin.post(`${W}/custom-fields`, { objectType: 'companies', key: 'tier', label: 'Tier', type: 'text' })).status).toBe(201);
    const organization = (await ui.admin.post<{ id: string }>(`${W}/organizations`, { name: 'Acme AG' })).body.id;
    const deal = (await ui.admin.post<{ id: string }>(`${W}/deals`, { name: 'Renewal' })).body.id;
    const at = Date.UTC(2026, 2, 3, 10, 0);
    // Decided in a sync run: the card links to it.
    const run = (await ui.admin.get<{ runs: { id: string }[] }>(`${W}/sync/runs?limit=1`)).body.runs[0]!;
    const row = { workspace_id: workspaceId, hubspot_id: '77', local_changed_at: at - 60_000, hubspot_changed_at: at - 120_000, winner: 'local', run_id: run.id, at };
    await insertConflicts(db, [
      { ...row, id: 'cfl_org1', object_type: 'companies', record_id: organization, field: 'custom.tier', property: 'tier', local_value: 'Gold', hubspot_value: 'Silver' },
      { ...row, id: 'cfl_deal1', object_type: 'deals', record_id: deal, field: 'closeDate', property: 'closedate', local_value: '2026-04-30', hubspot_value: '' },
    ]);

    await page.goto(`${ui.url}/w/default/organizations/${organization}`);
    const orgRow = page.getByRole('table', { name: 'Conflicts' }).locator('tbody tr');
    await expect.poll(() => orgRow.count()).toBe(1);
    expect(await orgRow.locator('td').first().textContent()).toBe('Tiertier');
    expect(await orgRow.getByTestId('conflict-winner').textContent()).toBe('hubsync');
    expect(await orgRow.getByTestId('conflict-local').locator('.conflict-won').textContent()).toBe('Gold');

    await page.goto(`${ui.url}/w/default/deals/${deal}`);
    const dealRow = page.getByRole('table', { name: 'Conflicts' }).locator('tbody tr');
    await expect.poll(() => dealRow.count()).toBe(1);
    expect(await dealRow.locator('td').first().textContent()).toBe('Close dateclosedate');
    expect(await dealRow.getByTestId('conflict-hubspot').textContent()).toMatch(/^\(empty\)changed /);
    await dealRow.getByRole('link', { name: 'Open the run' }).click();
    await page.waitForURL(new RegExp(`/sync-log/${run.id}$`));
    await page.getByRole('heading', { name: /^Sync run of / }).waitFor();

    const quiet = (await ui.admin.post<{ id: string }>(`${W}/deals`, { name: 'Quiet' })).body.id;
    await page.goto(`${ui.url}/w/default/deals/${quiet}`);
    await page.getByText('No conflicts. Two-way sync lists a value here').waitFor();
    expect(await page.getByRole('table', { name: 'Conflicts' }).count()).toBe(0);
  });
});
