// Syncing more than contacts, seen in the UI: with deals and activities turned on, the Field
// mapping tab offers a Deals mapping (deal fields → deal properties; stage, pipeline and owner
// explained as coming from elsewhere), and the Synchronization tab shows what a Sync now will
// do per object type and, during and after the run, each type's own counts.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
let sandbox: RunningSandbox;
let ui: UiService;
let page: Page;
let portalId: number;
let close: SandboxedUi['close'];

beforeAll(async () => {
  ({ sandbox, ui, page, portalId, close } = await startSandboxedUi({ sandbox: { latencyMs: [50, 80] } }));
  expect((await ui.admin.patch(`${W}/hubspot/settings`, { syncDeals: true, syncActivities: true, pushContactsOnChange: false })).status).toBe(200);
  const stages = await ui.admin.get<{ pipelines: { id: string; stages: { id: string }[] }[] }>(`${W}/hubspot/deal-stages`);
  const pipeline = stages.body.pipelines[0]!;
  expect((await ui.admin.request('PUT', `${W}/hubspot/deal-stages`, { mappings: [{ pipeline: 'default', stage: 'open', hubspotPipelineId: pipeline.id, hubspotStageId: pipeline.stages[0]!.id }] })).status).toBe(200);
  const customers = Array.from({ length: 30 }, (_, i) => ({ externalId: `c-${i}`, email: `buyer${i}@example.com`, firstName: `Buyer ${i}` }));
  const upserted = await ui.admin.post<{ results: { id: string }[] }>(`${W}/customers/bulk-upsert`, { customers });
  const ids = upserted.body.results.map((r) => r.id);
  const deals = Array.from({ length: 12 }, (_, i) => ({ externalId: `d-${i}`, name: `Renewal ${i}`, amount: '1200', currency: 'EUR', stage: 'open', customerIds: [ids[i]] }));
  expect((await ui.admin.post<{ failed: number }>(`${W}/deals/bulk-upsert`, { deals })).body.failed).toBe(0);
  const activities = ids.slice(0, 5).map((customerId, i) => ({ externalId: `a-${i}`, type: 'event_attended', occurredAt: '2026-11-20T10:00:00Z', title: `Summit day ${i}`, customerId }));
  expect((await ui.admin.post<{ failed: number }>(`${W}/activities/bulk`, { activities })).body.failed).toBe(0);
});

afterAll(async () => {
  await close?.();
});

describe('more object types than contacts', () => {
  it('maps deal fields on the Field mapping tab, apart from the contacts mapping', async () => {
    await page.getByRole('link', { name: 'HubSpot' }).click();
    await page.getByRole('tab', { name: 'Field mapping' }).click();
    await page.getByRole('heading', { name: 'Customer fields → HubSpot contact properties' }).waitFor();
    await page.getByRole('tab', { name: 'Deals' }).click();
    await page.getByRole('heading', { name: 'Deal fields → HubSpot deal properties' }).waitFor();
    await page.getByText('Pipeline and stage come from the Deal stages tab').waitFor();
    expect(await page.getByLabel('Deal name').inputValue()).toBe('dealname');
    expect(await page.getByLabel('Amount').inputValue()).toBe('amount');
    await page.getByLabel('Currency').selectOption('');
    await screenshot(page, 'hubspot-field-mapping-deals.png');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Mapping saved.').waitFor();
    const saved = await ui.admin.get<{ fields: { field: string; property: string | null }[] }>(`${W}/hubspot/mapping?objectType=deals`);
    expect(saved.body.fields.find((f) => f.field === 'currency')?.property).toBeNull();
    expect(saved.body.fields.find((f) => f.field === 'name')?.property).toBe('dealname');
    // The contacts mapping was not saved by it.
    expect((await ui.admin.get<{ saved: boolean }>(`${W}/hubspot/mapping`)).body.saved).toBe(false);
  });

  it('shows the summary per object type, then each type in the run', async () => {
    await page.getByRole('tab', { name: 'Synchronization' }).click();
    const summary = page.getByRole('table', { name: 'Sync summary per object type' });
    await summary.waitFor();
    const row = (name: string) => summary.getByRole('row', { name: new RegExp(`^${name}`) });
    expect(await row('Contacts').textContent()).toContain('30');
    expect(await row('Deals').textContent()).toContain('12');
    expect(await row('Notes').textContent()).toContain('5');

    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('Sync finished').waitFor({ timeout: 60_000 });
    const perType = page.getByRole('list', { name: 'Run per object type' });
    await perType.waitFor();
    expect(await perType.textContent()).toContain('Deals 12 of 12 · 12 created');
    expect(await perType.textContent()).toContain('Notes (activities) 5 of 5 · 5 created');
    await page.getByText('47 of 47 records').waitFor();
    await screenshot(page, 'hubspot-sync-object-types.png');
    expect(sandbox.control.listObjects(portalId, 'deals')).toHaveLength(12);
    expect(sandbox.control.listObjects(portalId, 'notes')).toHaveLength(5);
    // Currency was unmapped before the push: the deals carry none.
    expect(sandbox.control.listObjects(portalId, 'deals').every((d) => !d.properties['deal_currency_code'])).toBe(true);
  });
});
