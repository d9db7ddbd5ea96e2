// Organizations → Duplicates and the organization merge screen (issue 15, parts 2 and 7), in a
// real browser: two organizations with the same domain (written differently) and the same name
// are listed on the Organizations tab of the Duplicates page; Merge opens the merge screen (the
// same component as the customers'), one field's winner is switched, and after Merge the survivor
// holds that value, the other organization is gone, and the merge is in the merges list and the
// audit log. Photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
interface Org {
  id: string;
  name: string | null;
  industry: string | null;
  city: string | null;
}

let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
const tab = (name: string) => page.getByRole('navigation', { name: 'Record type' }).getByRole('link', { name, exact: true });
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ ui, page, close } = await startSandboxedUi());
  const made: [string, Record<string, unknown>][] = [
    ['older', { name: 'Acme Rockets', domain: 'acme-rockets.example', industry: 'Aerospace', city: 'Toulouse' }],
    ['newer', { name: 'ACME  rockets', domain: 'https://www.acme-rockets.example/about', industry: 'Manufacturing' }],
    ['other', { name: 'Zephyr Labs', domain: 'zephyr.example' }],
  ];
  for (const [key, body] of made) {
    const created = await ui.admin.post<Org>(`${W}/organizations`, body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids[key] = created.body.id;
  }
  // The older one's industry is the more recent change, so by default it keeps its own.
  expect((await ui.admin.request('PATCH', `${W}/organizations/${ids['older']}`, { industry: 'Aerospace & Defence' })).status).toBe(200);
});

afterAll(async () => {
  await close?.();
});

it('lists organization duplicates, merges a pair with one field switched, and records the merge', async () => {
  await page.goto(`${ui.url}/w/default/organizations`);
  await page.getByRole('link', { name: 'Duplicates' }).click();
  await page.waitForURL('**/w/default/organizations/duplicates');
  await page.getByRole('heading', { name: 'Duplicates', level: 1 }).waitFor();
  expect(await tab('Organizations').getAttribute('aria-current')).toBe('page');
  const domain = page.getByRole('region', { name: 'Same domain: acme-rockets.example' });
  const name = page.getByRole('region', { name: 'Same name: acme rockets' });
  await domain.waitFor();
  await name.waitFor();
  // Only the pair: Zephyr Labs shares nothing.
  expect(await page.getByRole('region').count()).toBe(2);
  expect(await domain.locator('tbody tr').count()).toBe(2);
  expect(await domain.locator('tbody tr').first().textContent()).toContain('oldest');
  await screenshot(page, 'organization-duplicates.png');

  // The Customers tab is the customers' report.
  await tab('Customers').click();
  await page.waitForURL('**/w/default/customers/duplicates');
  await page.getByText('No likely duplicates: no two customers share an email').waitFor();
  await tab('Organizations').click();
  await domain.waitFor();

  await domain.getByRole('link', { name: 'Merge' }).click();
  await page.waitForURL(`**/w/default/organizations/${ids['older']}/merge?with=${ids['newer']}`);
  await page.getByRole('heading', { name: 'Merge organizations', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Merge ACME  rockets into Acme Rockets' }).waitFor();
  const industry = page.getByRole('row', { name: /Industry/ }).getByRole('radio');
  // Default: the survivor's more recent value; switched to the merged-away one's.
  expect(await industry.nth(0).isChecked()).toBe(true);
  await industry.nth(1).click();
  await expect.poll(() => industry.nth(1).isChecked()).toBe(true);
  await screenshot(page, 'organization-merge.png');
  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  await page.waitForURL(`**/w/default/organizations/${ids['older']}?merged=1`);

  const survivor = await ui.admin.get<Org>(`${W}/organizations/${ids['older']}`);
  // Industry as switched; the name by default (the more recent), the city kept (the other has none).
  expect(survivor.body).toMatchObject({ name: 'ACME  rockets', industry: 'Manufacturing', city: 'Toulouse' });
  expect((await ui.admin.get(`${W}/organizations/${ids['newer']}`)).status).toBe(404);
  const merges = await ui.admin.get<{ merges: { recordType: string; survivorId: string; secondaryId: string; source: string; choices: Record<string, string> }[] }>(`${W}/merges?recordType=organizations`);
  expect(merges.body.merges).toEqual([expect.objectContaining({ recordType: 'organizations', survivorId: ids['older'], secondaryId: ids['newer'], source: 'local', choices: expect.objectContaining({ industry: 'other' }) })]);

  // The duplicates are gone from the report; the audit log names the merge.
  await page.goto(`${ui.url}/w/default/organizations/duplicates`);
  await page.getByText('No likely duplicates: no two organizations share a domain').waitFor();
  await page.goto(`${ui.url}/w/default/audit-log`);
  const row = page.getByRole('row', { name: /organization\.merged/ });
  await row.waitFor();
  expect(await row.textContent()).toContain(ids['newer']);
});
