// The Connection tab's sync health shows how many changed records wait to be pushed, with the
// real count from the pending-changes set. The service runs without working its jobs (as a
// `serve --web-only` would with no worker), so the changes stay pending while the page is read;
// then this process starts working them and the line goes back to "None".
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { workSyncJobs } from '../../src/sync/index.js';
import { startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

let sandbox: RunningSandbox;
let ui: UiService;
let page: Page;
let portalId: number;
let close: SandboxedUi['close'];

const W = '/api/workspaces/default';

beforeAll(async () => {
  ({ sandbox, ui, page, portalId, close } = await startSandboxedUi({ jobs: { work: false } }));
  // The UI test service turns on-change push off; this test is about what it leaves pending.
  expect((await ui.admin.patch(`${W}/hubspot/settings`, { pushContactsOnChange: true })).status).toBe(200);
});

afterAll(async () => {
  await close?.();
});

const pendingLine = () => page.getByTestId('pending-changes').textContent();

async function openConnectionTab(): Promise<void> {
  await page.goto(`${ui.url}/w/default/integrations/hubspot/connection`);
  await page.getByRole('tab', { name: 'Connection', selected: true }).waitFor();
}

describe('Connection tab: pending changes', () => {
  it('reads None while nothing waits', async () => {
    await openConnectionTab();
    await expect.poll(pendingLine).toBe('None');
  });

  it('says how many changed records wait to be pushed, once per record', async () => {
    const created = await ui.admin.post<{ id: string }>(`${W}/customers`, { email: 'one@example.com', firstName: 'One' });
    expect(created.status).toBe(201);
    for (let v = 1; v <= 5; v++) expect((await ui.admin.patch(`${W}/customers/${created.body.id}`, { firstName: `One v${v}` })).status).toBe(200);
    await openConnectionTab();
    await expect.poll(pendingLine).toBe('1 changed record waiting to be pushed');

    const customers = Array.from({ length: 2 }, (_, i) => ({ externalId: `more-${i}`, email: `more${i}@example.com`, firstName: `More${i}` }));
    expect((await ui.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['created']).toBe(2);
    await openConnectionTab();
    await expect.poll(pendingLine).toBe('3 changed records waiting to be pushed');
    const api = await ui.admin.get<{ health: { pendingChanges: number } }>(`${W}/hubspot/connection`);
    expect(api.body.health.pendingChanges).toBe(3);
  });

  it('goes back to None on the open page once a worker has pushed them', async () => {
    const { service } = ui;
    await workSyncJobs({ db: service.database.db, clock: service.context.clock, push: service.context.push, jobs: service.jobs });
    // The tab re-reads the count while changes are pending.
    await expect.poll(pendingLine, { timeout: 60_000 }).toBe('None');
    expect(sandbox.control.listObjects(portalId, 'contacts').map((c) => c.properties['firstname']).sort()).toEqual(['More0', 'More1', 'One v5']);
  });
});
