// The Webhooks page (admins): adding an endpoint shows its signing secret once (gone after a
// reload), a refused private URL is explained, and an endpoint's deliveries list with Replay
// adding a new delivery. Jobs are not worked, so deliveries stay pending while the page is read.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/index.js';
import { recordWebhookEvents } from '../../src/webhooks/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../test/support/service.js';
import { openBrowser, signIn, startUiService, type Browser, type UiService } from './support/browser.js';

let ui: UiService;
let strict: UiService;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ui = await startUiService({ HUBSYNC_WEBHOOKS_ALLOW_PRIVATE: 'on' }, { jobs: { work: false } });
  strict = await startUiService({}, { jobs: { work: false } });
  browser = await openBrowser();
  page = browser.page;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await strict?.close();
});

describe('Webhooks page', () => {
  it('adds an endpoint, shows its secret once, lists its deliveries and replays one', async () => {
    await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByLabel('URL').fill('http://127.0.0.1:9/hooks');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent()).toMatch(/whsec_/);
    const secret = /whsec_[\w-]+/.exec((await status.textContent()) ?? '')![0];
    await expect.poll(() => page.getByRole('table', { name: 'Webhook endpoints' }).textContent()).toContain('http://127.0.0.1:9/hooks');
    await page.reload();
    await page.getByRole('table', { name: 'Webhook endpoints' }).waitFor();
    expect(await page.content()).not.toContain(secret);

    const db = ui.service.database.db;
    const ws = (await db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
    await recordWebhookEvents(db, new ManualClock(Date.now()), ws, [{ type: 'run.finished', data: { runId: 'run_x' } }]);
    await page.getByRole('button', { name: 'Deliveries' }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    await expect.poll(() => deliveries.textContent()).toContain('run.finished');
    expect(await deliveries.getByRole('row').count()).toBe(2);
    await deliveries.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => deliveries.getByRole('row').count()).toBe(3);
    await expect.poll(() => deliveries.textContent()).toContain('replay');
  });

  it('explains a refused private URL when the instance does not allow them', async () => {
    const other = await openBrowser();
    try {
      await signIn(other.page, strict.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await other.page.goto(`${strict.url}/w/default/webhooks`);
      await other.page.getByLabel('URL').fill('http://127.0.0.1:9/hooks');
      await other.page.getByRole('button', { name: 'Add endpoint' }).click();
      await expect.poll(() => other.page.getByRole('alert').first().textContent()).toContain('HUBSYNC_WEBHOOKS_ALLOW_PRIVATE');
    } finally {
      await other.close();
    }
  });
});
