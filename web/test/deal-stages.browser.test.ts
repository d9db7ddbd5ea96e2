// Config → Integrations → HubSpot → Deal stages end to end, against the sandbox over real HTTP:
// the stages deals use appear with the suggestion selected, an admin maps the one without a
// suggestion, saves, and the API holds the mapping. Photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findWorkspaceBySlug } from '../../src/store/index.js';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];

beforeAll(async () => {
  ({ ui, page, close } = await startSandboxedUi());
  const db = ui.service.database.db;
  const workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  const deal = { workspace_id: workspaceId, external_id: null, name: 'Deal', amount: null, currency: null, close_date: null, pipeline: 'default', owner_user_id: null, organization_id: null };
  const rest = { custom_values: '{}', field_updated_at: '{}', search_text: '', created_at: 1, updated_at: 1, deleted_at: null, version: 1, hubspot_id: null, sync_status: 'not_synced', sync_error: null, synced_hash: null, synced_at: null, last_attempt_at: null, current_hash: null };
  await db
    .insertInto('deals')
    .values([
      { ...deal, ...rest, id: 'deal_a', stage: 'Won' },
      { ...deal, ...rest, id: 'deal_b', stage: 'Kick-off call' },
    ])
    .execute();
});
afterAll(async () => {
  await close?.();
});

it('shows the suggested HubSpot stage, maps the other by hand and saves', async () => {
  await page.goto(`${ui.url}/w/default/integrations/hubspot/deal-stages`);
  await page.getByRole('tab', { name: 'Deal stages', selected: true }).waitFor();
  const won = page.getByLabel('HubSpot stage for Won (default)');
  await won.waitFor();
  expect(await won.inputValue()).toBe('default/closedwon');
  const kickoff = page.getByLabel('HubSpot stage for Kick-off call (default)');
  expect(await kickoff.inputValue()).toBe('');
  await kickoff.selectOption('default/appointmentscheduled');
  await page.getByRole('button', { name: 'Save deal stages' }).click();
  await page.getByText('Saved.', { exact: true }).waitFor();
  const saved = (await ui.admin.get<{ saved: boolean; stages: { stage: string; mapping: unknown }[] }>(`${W}/hubspot/deal-stages`)).body;
  expect(saved.saved).toBe(true);
  expect(Object.fromEntries(saved.stages.map((s) => [s.stage, s.mapping]))).toEqual({
    'Kick-off call': { hubspotPipelineId: 'default', hubspotStageId: 'appointmentscheduled' },
    Won: { hubspotPipelineId: 'default', hubspotStageId: 'closedwon' },
  });
  await screenshot(page, 'hubspot-deal-stages.png');
});
