// Config → Integrations → HubSpot → Owners end to end, against the sandbox over real HTTP: an
// admin reads the portal's owners, sees the member with an owner's email suggested, links the
// suggestion, links another owner by hand, and finds both links in the API. Photographed into
// docs/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_EMAIL, screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let sandbox: SandboxedUi['sandbox'];
let portalId: number;

beforeAll(async () => {
  ({ ui, page, close, sandbox, portalId } = await startSandboxedUi());
});
afterAll(async () => {
  await close?.();
});

it('reads the owners, links the suggested member and another by hand', async () => {
  const mine = sandbox.control.addOwner(portalId, { email: ADMIN_EMAIL, firstName: 'Ada', lastName: 'Ministrator' });
  const other = sandbox.control.addOwner(portalId, { email: 'zoë.ünal@example.com', firstName: 'Zoë', lastName: 'Ünal' });
  await page.goto(`${ui.url}/w/default/integrations/hubspot/owners`);
  await page.getByRole('tab', { name: 'Owners', selected: true }).waitFor();
  await page.getByText('No owners read yet').waitFor();

  await page.getByRole('button', { name: 'Read owners from HubSpot' }).click();
  const table = page.getByRole('table', { name: 'HubSpot owners' });
  await table.waitFor();
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBe(sandbox.control.listOwners(portalId).length);
  const mineRow = table.locator(`tr[data-owner-id="${mine.id}"]`);
  expect(await mineRow.textContent()).toContain('Suggested: Administrator (same email)');
  expect(await table.locator(`tr[data-owner-id="${other.id}"]`).textContent()).toContain('Zoë Ünal');

  await page.getByRole('button', { name: 'Link 1 suggestion' }).click();
  await expect.poll(async () => mineRow.getByRole('combobox').inputValue()).not.toBe('');
  expect(await mineRow.textContent()).not.toContain('Suggested');

  // Moving the admin to the other owner by hand takes them from the first.
  await page.getByLabel('Member for Zoë Ünal').selectOption({ label: `Administrator (${ADMIN_EMAIL})` });
  await expect.poll(async () => mineRow.getByRole('combobox').inputValue()).toBe('');
  const owners = (await ui.admin.get<{ owners: { ownerId: string; userId: string | null }[] }>(`${W}/hubspot/owners`)).body.owners;
  const adminId = owners.find((o) => o.ownerId === other.id)!.userId;
  expect(adminId).not.toBeNull();
  expect(owners.find((o) => o.ownerId === mine.id)!.userId).toBeNull();
  await screenshot(page, 'hubspot-owners.png');
});
