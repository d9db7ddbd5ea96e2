// Two-way sync in the UI, against the real service and the sandbox: before the first two-way
// reconcile the Synchronization tab previews it (counts per side, the conflicts and the value
// that wins) without changing anything, and its button runs it; the run's progress shows what
// came from HubSpot, and the sync log shows the run's inbound counts and its attempts by
// direction, filtered by direction and by record. The sync log's search finds one email's
// attempts across runs (by keyboard), its export links download the rows the table shows, and
// its tables fit at 1,280 px and 390 px.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

let sandbox: RunningSandbox;
let ui: UiService;
let page: Page;
let portalId: number;
let token: string;
let close: SandboxedUi['close'];

const W = '/api/workspaces/default';

async function waitForRunEnd(runId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const run = await ui.admin.get(`${W}/sync/runs/${runId}`);
    if (run.body['status'] !== 'running') return run.body;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const customerId = async (email: string) => (await ui.service.database.db.selectFrom('customers').select('id').where('email_lower', '=', email).executeTakeFirstOrThrow()).id;
const runCount = async () => (await ui.admin.get<{ runs: unknown[] }>(`${W}/sync/runs`)).body.runs.length;

beforeAll(async () => {
  ({ sandbox, ui, page, portalId, token, close } = await startSandboxedUi());
  // Pushed once while two-way was off, then edited on both sides (HubSpot last).
  const made = await ui.admin.post<{ id: string }>(`${W}/customers`, { email: 'conflict@example.com', firstName: 'Before' });
  const first = await ui.admin.post<{ id: string }>(`${W}/sync/runs`);
  expect(await waitForRunEnd(first.body.id)).toMatchObject({ status: 'succeeded', created: 1 });
  await ui.admin.patch(`${W}/customers/${made.body.id}`, { firstName: 'Edited here' });
  await new Promise((r) => setTimeout(r, 20));
  const hubspotId = (await ui.service.database.db.selectFrom('customers').select('hubspot_id').where('id', '=', made.body.id).executeTakeFirstOrThrow()).hubspot_id!;
  const patched = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/${hubspotId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { firstname: 'Edited in HubSpot' } }),
  });
  expect(patched.status).toBe(200);
  sandbox.control.seedContacts(portalId, [{ email: 'remote@example.com', firstname: 'Remote', lifecyclestage: 'customer' }]);
  await ui.admin.post(`${W}/customers`, { email: 'local@example.com', firstName: 'Local' });
  expect((await ui.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
});

afterAll(async () => {
  await close?.();
});

describe('the initial two-way reconcile and the sync log', () => {
  it('previews the initial reconcile on the Synchronization tab, changing nothing', async () => {
    const before = await ui.service.database.db.selectFrom('customers').select(['id', 'first_name', 'hubspot_id', 'sync_status']).orderBy('id').execute();
    await page.goto(`${ui.url}/w/default/integrations/hubspot/sync`);
    const preview = page.getByRole('region', { name: 'Initial two-way reconcile' });
    const sides = preview.getByRole('table', { name: 'What the reconcile would do' });
    await sides.waitFor();
    expect(await sides.getByRole('row', { name: /From HubSpot/ }).locator('td').allTextContents()).toEqual(['1', '0', '1', '0']);
    expect(await sides.getByRole('row', { name: /To HubSpot/ }).locator('td').allTextContents()).toEqual(['1', '—', '1', '0']);
    const conflicts = preview.getByRole('table', { name: 'Conflicts the reconcile would decide' });
    const row = conflicts.getByRole('row', { name: /firstName/ });
    expect(await row.locator('td').allTextContents()).toEqual([await customerId('conflict@example.com'), 'firstName', 'Edited here', 'Edited in HubSpot', 'HubSpot: Edited in HubSpot']);
    expect(await ui.service.database.db.selectFrom('customers').select(['id', 'first_name', 'hubspot_id', 'sync_status']).orderBy('id').execute()).toEqual(before);
    expect(await runCount()).toBe(1);
  });

  it('runs it from its button: the progress shows what came from HubSpot, and the preview goes away', async () => {
    await page.getByRole('button', { name: 'Run the initial reconcile' }).click();
    await page.locator('.run-head strong', { hasText: 'Sync finished' }).waitFor();
    expect(await page.getByTestId('run-inbound').textContent()).toMatch(/^From HubSpot: \d+ read · 1 created · 1 updated · 1 conflict$/);
    await expect.poll(() => page.getByRole('region', { name: 'Initial two-way reconcile' }).count()).toBe(0);
    expect((await ui.service.database.db.selectFrom('customers').select('first_name').where('email_lower', '=', 'conflict@example.com').executeTakeFirstOrThrow()).first_name).toBe('Edited in HubSpot');
  });

  it('shows the inbound counts in the sync log and the attempts by direction, filtered by direction and record', async () => {
    await page.goto(`${ui.url}/w/default/sync-log`);
    const newest = page.getByRole('table', { name: 'Sync runs' }).locator('tbody tr').first();
    await expect.poll(() => newest.getByTestId('run-inbound').textContent()).toMatch(/^\d+ read · 2 changed · 1 conflict$/);
    expect(await newest.getByTestId('run-inbound').getAttribute('title')).toMatch(/read · 1 created · 1 updated · 1 conflict$/);
    await newest.getByRole('link').click();
    await expect.poll(() => page.getByTestId('run-inbound').textContent()).toMatch(/read · 1 created · 1 updated · 1 conflict$/);

    const attempts = page.getByRole('table', { name: 'Record attempts' });
    const directions = () => attempts.locator('tbody tr td:nth-child(2)').allTextContents();
    await expect.poll(async () => (await directions()).sort()).toEqual(['From HubSpot', 'From HubSpot', 'To HubSpot', 'To HubSpot']);
    await page.getByLabel('Direction').selectOption('pull');
    await expect.poll(directions).toEqual(['From HubSpot', 'From HubSpot']);
    await page.getByLabel('Direction').selectOption('');
    await page.getByLabel('Record id').fill(await customerId('conflict@example.com'));
    const operations = () => attempts.locator('tbody tr td:nth-child(3)').allTextContents();
    await expect.poll(async () => [await directions(), await operations()]).toEqual([
      ['From HubSpot', 'To HubSpot'],
      ['update', 'update'],
    ]);
    // An id no record has: no attempt; something that is no id: the API's reason.
    await page.getByLabel('Record id').fill('cus_000000000000000000');
    await page.getByText('No record attempts match these filters in this run.').waitFor();
    await page.getByLabel('Record id').fill('not an id');
    await page.getByText(/is not a record id/).waitFor();
  });

  it('searches every attempt by email and outcome from the keyboard, and exports what it shows', async () => {
    await page.goto(`${ui.url}/w/default/sync-log`);
    const form = page.getByRole('search', { name: 'Search the sync log' });
    await form.getByLabel('Email').focus();
    await page.keyboard.type('CONFLICT@example.com');
    await form.getByLabel('Outcome').selectOption('success');
    await form.getByLabel('Email').press('Enter');
    const table = page.getByRole('table', { name: 'Sync log attempts' });
    const id = await customerId('conflict@example.com');
    // Its push in the first run, then its pull and push in the reconcile: newest first.
    await expect.poll(() => table.locator('tbody tr td:nth-child(3) .pill').allTextContents()).toEqual(['To HubSpot', 'From HubSpot', 'To HubSpot']);
    expect(new Set(await table.locator('tbody tr td:nth-child(2) .small').allTextContents())).toEqual(new Set(['conflict@example.com']));

    const csvLink = page.getByRole('link', { name: 'Export CSV' });
    const href = await csvLink.getAttribute('href');
    expect(href).toBe(`${W}/sync/attempts?email=conflict%40example.com&outcome=success&format=csv`);
    expect(await page.getByRole('link', { name: 'Export NDJSON' }).getAttribute('href')).toBe(`${W}/sync/attempts?email=conflict%40example.com&outcome=success&format=ndjson`);
    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,objectType,recordId,recordName,email,direction,operation,outcome,message,correlationId,hubspotId,runId,trigger,runApiCalls');
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual([id, id, id]);
    const api = await ui.admin.get<{ attempts: { id: string }[] }>(`${W}/sync/attempts?email=conflict%40example.com&outcome=success`);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(api.body.attempts.map((a) => a.id));

    // A bad value is the API's 400, shown in place; Clear brings every attempt back.
    await form.getByLabel('Run id').fill('nope');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.getByText(/runId: is not a cursor this API returned/).waitFor();
    await form.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(3);
  });

  it('fits its tables at 1,280 px (Duration included); at 390 px the page fits and the search form too', async () => {
    // How far each table (and the page) is wider than its box: more than 0 is cut off.
    const overflow = () =>
      page.evaluate<number[]>(
        "[...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth).concat(document.documentElement.scrollWidth - window.innerWidth)",
      );
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${ui.url}/w/default/sync-log`);
    await page.getByRole('table', { name: 'Sync log attempts' }).waitFor();
    await page.getByRole('columnheader', { name: 'Duration' }).waitFor();
    expect((await overflow()).map((px) => Math.max(0, px))).toEqual([0, 0, 0]);
    const duration = await page.getByTestId('run-duration').first().boundingBox();
    expect(duration!.x + duration!.width).toBeLessThanOrEqual(1280);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('table', { name: 'Sync log attempts' }).waitFor();
    // The page itself never scrolls sideways; a table wider than the phone scrolls in its own box.
    expect((await overflow()).at(-1)).toBeLessThanOrEqual(0);
    expect(await page.evaluate<string[]>("[...document.querySelectorAll('.table-wrap')].map((w) => getComputedStyle(w).overflowX)")).toEqual(['auto', 'auto']);
    const search = await page.getByRole('button', { name: 'Search' }).boundingBox();
    expect(search!.x + search!.width).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
