// Two-way sync in the UI, against the real service and the sandbox: before the first two-way
// reconcile the Synchronization tab previews it (counts per side, the conflicts and the value
// that wins) without changing anything, and its button runs it; the run's progress shows what
// came from HubSpot, and the sync log shows the run's inbound counts and its attempts by
// direction, filtered by direction and by record.
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
});
