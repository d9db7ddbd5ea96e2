// A Sync now whose job no worker has taken yet reads "Waiting for a worker" on the
// Synchronization tab and in the sync log, and Cancel ends it at once. The service runs
// without working its jobs (a `serve --web-only` with no worker running).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

let sandbox: RunningSandbox;
let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];

const W = '/api/workspaces/default';
const sandboxRequests = () => Object.values(sandbox.control.counts().byRoute).reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

beforeAll(async () => {
  ({ sandbox, ui, page, close } = await startSandboxedUi({ jobs: { work: false } }));
  const customers = Array.from({ length: 5 }, (_, i) => ({ externalId: `w-${i}`, email: `waiting${i}@example.com`, firstName: `Waiting${i}` }));
  expect((await ui.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['created']).toBe(5);
});

afterAll(async () => {
  await close?.();
});

describe('a run waiting for a worker', () => {
  it('reads "Waiting for a worker" on the Synchronization tab and in the sync log', async () => {
    sandbox.control.resetCounts();
    await page.goto(`${ui.url}/w/default/integrations/hubspot/sync`);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.locator('.run-head strong', { hasText: 'Waiting for a worker' }).waitFor();

    await page.goto(`${ui.url}/w/default/sync-log`);
    await expect.poll(() => page.locator('.run-pill-queued').first().textContent()).toBe('Waiting for a worker');
  });

  it('is cancelled at once from the Synchronization tab, with no HubSpot call', async () => {
    await page.goto(`${ui.url}/w/default/integrations/hubspot/sync`);
    await page.locator('.run-head strong', { hasText: 'Waiting for a worker' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.run-head strong', { hasText: 'Sync cancelled' }).waitFor();
    const runs = await ui.admin.get<{ runs: { status: string; phase: string }[] }>(`${W}/sync/runs`);
    expect(runs.body.runs[0]).toMatchObject({ status: 'cancelled', phase: 'done' });
    expect(sandboxRequests()).toBe(0);
  });
});
