// Organizations in the UI, end to end: the list (search by name and by domain), one
// organization's fields, custom fields, edit with the status the API then reports (Needs update
// for one linked to a company in HubSpot, with the link into HubSpot; Not synced for one that
// is not), its members with the Primary mark, removing and adding a member, and a customer's
// page showing its organizations. Photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
interface Org {
  id: string;
  customerIds?: string[];
  sync: { status: string; statusLabel: string; hubspotId: string | null };
}
interface Cus {
  id: string;
  organizationIds: string[];
}

let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let sandbox: SandboxedUi['sandbox'];
let portalId: number;
const orgs: Record<string, Org> = {};
const people: Record<string, Cus> = {};

async function created<T>(path: string, body: unknown): Promise<T> {
  const response = await ui.admin.post<T>(`${W}${path}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function link(org: string, person: string, primary: boolean): Promise<void> {
  expect((await ui.admin.request('PUT', `${W}/organizations/${orgs[org]!.id}/customers/${people[person]!.id}`, { primary })).status).toBe(204);
}

const readOrg = async (org: string) => (await ui.admin.get<Org>(`${W}/organizations/${orgs[org]!.id}`)).body;
const readCustomer = async (person: string) => (await ui.admin.get<Cus>(`${W}/customers/${people[person]!.id}`)).body;

beforeAll(async () => {
  ({ ui, page, close, sandbox, portalId } = await startSandboxedUi());
  await created('/custom-fields', { objectType: 'companies', key: 'tier', label: 'Tier', type: 'single_choice', options: [{ value: 'gold', label: 'Gold' }, { value: 'silver', label: 'Silver' }] });
  orgs['buecher'] = await created<Org>('/organizations', { name: 'Bücher AG', domain: 'https://www.bücher.example/shop', industry: 'Retail', city: 'Zürich', numberOfEmployees: 40, custom: { tier: 'gold' } });
  orgs['acme'] = await created<Org>('/organizations', { name: 'Acme Corp', domain: 'acme.example', industry: 'Manufacturing' });
  orgs['zephyr'] = await created<Org>('/organizations', { name: 'Zephyr Labs' });
  people['ada'] = await created<Cus>('/customers', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
  people['ben'] = await created<Cus>('/customers', { firstName: 'Ben', lastName: 'Okafor', email: 'ben@example.com' });
  people['cleo'] = await created<Cus>('/customers', { firstName: 'Cleo', lastName: 'Martins', email: 'cleo@example.com' });
  await link('buecher', 'ada', true);
  await link('acme', 'ben', true);
  await link('buecher', 'ben', false);

  // Bücher AG as a past push would have left it: a company in the portal, linked and up to
  // date. (The companies push lands separately; this writes only what it would record.)
  const [companyId] = sandbox.control.seedObjects(portalId, 'companies', [{ name: 'Bücher AG', domain: 'xn--bcher-kva.example' }]);
  await ui.service.context.db
    .updateTable('organizations')
    .set({ hubspot_id: companyId!, sync_status: 'synced', synced_hash: sql<string>`current_hash`, synced_at: Date.now() })
    .where('id', '=', orgs['buecher'].id)
    .execute();
  orgs['buecher'] = await readOrg('buecher');
  expect(orgs['buecher'].sync).toMatchObject({ status: 'synced', hubspotId: companyId });
});

afterAll(async () => {
  await close?.();
});

it('lists organizations and searches them by name and by domain', async () => {
  await page.goto(`${ui.url}/w/default/customers`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }).click();
  await page.getByRole('heading', { name: 'Organizations' }).waitFor();
  const table = page.getByRole('table', { name: 'Organizations' });
  const rows = table.locator('tbody tr');
  await expect.poll(() => rows.count()).toBe(3);
  const buecherRow = rows.filter({ hasText: 'Bücher AG' });
  expect(await buecherRow.textContent()).toContain('https://www.bücher.example/shop');
  expect(await buecherRow.textContent()).toContain('Retail');
  expect(await buecherRow.locator('.badge').textContent()).toBe('Synced');
  expect(await rows.filter({ hasText: 'Zephyr Labs' }).locator('.badge').textContent()).toBe('Not synced');
  await screenshot(page, 'organizations.png');

  const search = page.getByLabel('Search organizations');
  await search.fill('bücher');
  await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('Bücher AG')]);
  // The domain finds the organization too (Acme's name does not hold it).
  await search.fill('acme.example');
  await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('Acme Corp')]);
  await search.fill('nothing-like-this');
  await page.getByText('No organizations match this search.').waitFor();
});

it('shows an organization, links it to HubSpot, and edits it into Needs update as the API reports', async () => {
  await page.getByLabel('Search organizations').fill('Bücher');
  await page.getByRole('link', { name: 'Bücher AG' }).click();
  await page.getByRole('heading', { name: 'Bücher AG' }).waitFor();
  const fields = page.locator('.field-list');
  await fields.getByText('Zürich').waitFor();
  await fields.getByText('Gold', { exact: true }).waitFor();
  expect(await fields.first().textContent()).toContain('40');
  await page.locator('.sync-card .badge', { hasText: 'Synced' }).waitFor();
  const hubspotLink = page.locator('.sync-card a', { hasText: orgs['buecher']!.sync.hubspotId! });
  expect(await hubspotLink.getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${portalId}/record/0-2/${orgs['buecher']!.sync.hubspotId}`);

  // Members: Ada has it as her primary organization, Ben as his second.
  const members = page.getByRole('table', { name: 'Members' });
  const ada = members.locator(`tr[data-customer-id="${people['ada']!.id}"]`);
  const ben = members.locator(`tr[data-customer-id="${people['ben']!.id}"]`);
  await ada.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await ben.getByRole('link', { name: 'Ben Okafor' }).waitFor();
  expect(await ada.locator('.tag-primary').count()).toBe(1);
  expect(await ben.locator('.tag-primary').count()).toBe(0);

  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Employees').fill('12.5');
  await page.getByLabel('Industry').fill('Books');
  await page.getByLabel('Tier').selectOption('silver');
  await page.getByRole('button', { name: 'Save' }).click();
  // A count that is not whole is refused by the API and shown next to its field; nothing was saved.
  await page.locator('#f-numberOfEmployees-error').waitFor();
  expect((await readOrg('buecher')).sync.status).toBe('synced');
  await page.getByLabel('Employees').fill('45');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Edit' }).waitFor();
  await page.locator('.field-list').getByText('Books').waitFor();
  await page.locator('.field-list').getByText('Silver', { exact: true }).waitFor();

  const after = await readOrg('buecher');
  expect(after.sync.status).toBe('needs_update');
  expect(await page.locator('.sync-card .badge').textContent()).toBe(after.sync.statusLabel);
  await screenshot(page, 'organization.png');
});

it('removes a member and adds one found by name as primary; the customer page shows its organizations', async () => {
  const members = page.getByRole('table', { name: 'Members' });
  await members.getByRole('button', { name: 'Remove Ben Okafor' }).click();
  await expect.poll(() => members.locator('tbody tr').count()).toBe(1);
  expect((await readOrg('buecher')).customerIds).toEqual([people['ada']!.id]);
  expect((await readCustomer('ben')).organizationIds).toEqual([orgs['acme']!.id]);

  await page.getByLabel('Find a customer').fill('cleo');
  await page.getByLabel('Make it their primary organization').check();
  await page.getByRole('button', { name: 'Add Cleo Martins' }).click();
  const cleo = members.locator(`tr[data-customer-id="${people['cleo']!.id}"]`);
  await cleo.locator('.tag-primary').waitFor();
  expect((await readCustomer('cleo')).organizationIds).toEqual([orgs['buecher']!.id]);

  // Ben's page: Acme Corp (primary) only. Ada's: Bücher AG, primary, and back again.
  await page.goto(`${ui.url}/w/default/customers/${people['ben']!.id}`);
  const benOrgs = page.locator('section[aria-labelledby="organizations-heading"] li');
  await expect.poll(() => benOrgs.allTextContents()).toEqual([expect.stringMatching(/^Acme Corp.*Primary/)]);

  await page.goto(`${ui.url}/w/default/customers/${people['ada']!.id}`);
  const adaOrgs = page.locator('section[aria-labelledby="organizations-heading"]');
  await adaOrgs.getByRole('link', { name: 'Bücher AG' }).waitFor();
  expect(await adaOrgs.locator('.tag-primary').count()).toBe(1);
  await link('zephyr', 'ada', false);
  await page.reload();
  await adaOrgs.getByRole('link', { name: 'Zephyr Labs' }).waitFor();
  expect(await adaOrgs.locator('li').allTextContents()).toEqual([expect.stringMatching(/Bücher AG.*Primary/), expect.not.stringContaining('Primary')]);
  await adaOrgs.getByRole('link', { name: 'Bücher AG' }).click();
  await page.getByRole('heading', { name: 'Bücher AG' }).waitFor();
});

it('edits an organization that is not in HubSpot, which stays Not synced', async () => {
  await page.goto(`${ui.url}/w/default/organizations/${orgs['zephyr']!.id}`);
  await page.getByRole('heading', { name: 'Zephyr Labs' }).waitFor();
  await page.getByText('Not in HubSpot yet').waitFor();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Domain').fill('zephyr.example');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Edit' }).waitFor();
  await page.locator('.field-list').getByText('zephyr.example').waitFor();
  const after = await readOrg('zephyr');
  expect(after.sync.status).toBe('not_synced');
  expect(await page.locator('.sync-card .badge').textContent()).toBe('Not synced');
});
