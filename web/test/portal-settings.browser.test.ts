// Seed 001's Platform Settings on the Connection tab, against the sandbox over real HTTP: the
// Portal ID entered beside the key is checked against the token's account (another portal is
// refused with both named), the right one connects, and the "Sync Contacts" / "Sync Companies"
// toggles next to it change the workspace's settings.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let portalId: number;
let token: string;

beforeAll(async () => {
  ({ ui, page, close, portalId, token } = await startSandboxedUi({ connect: false }));
});
afterAll(async () => {
  await close?.();
});

it('refuses a token of another portal, connects with the right Portal ID, and toggles what syncs', async () => {
  await page.goto(`${ui.url}/w/default/integrations/hubspot/connection`);
  await page.getByLabel('Access token').fill(token);
  await page.getByLabel('Portal ID').fill('999999');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`This token belongs to HubSpot portal ${portalId}, but the Portal ID entered is 999999`).waitFor();
  expect((await ui.admin.get<{ status: string }>(`${W}/hubspot/connection`)).body.status).toBe('not_connected');

  await page.getByLabel('Portal ID').fill(String(portalId));
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Connected to HubSpot portal ${portalId}`).waitFor();

  const companies = page.getByRole('checkbox', { name: /Sync Companies/ });
  expect(await companies.isChecked()).toBe(false);
  // The toggle is the saved setting: it turns once the PATCH is answered, so click and wait (check() wants it at once).
  await companies.click();
  await expect.poll(() => companies.isChecked()).toBe(true);
  await expect.poll(async () => (await ui.admin.get<{ syncCompanies: boolean }>(`${W}/hubspot/settings`)).body.syncCompanies).toBe(true);
  const contacts = page.getByRole('checkbox', { name: /Sync Contacts/ });
  const before = await contacts.isChecked();
  await contacts.click();
  await expect.poll(() => contacts.isChecked()).toBe(!before);
  await expect.poll(async () => (await ui.admin.get<{ pushContactsOnChange: boolean }>(`${W}/hubspot/settings`)).body.pushContactsOnChange).toBe(!before);
});
