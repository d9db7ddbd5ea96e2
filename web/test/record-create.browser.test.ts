// Organizations and deals made in the UI (the New organization / New deal pages, reached from
// their lists), with the API's field error shown beside its input and the new record's page
// opened once created; and a CSV import cancelled while it runs — the page says how many rows
// were imported before it stopped, the server keeps exactly the saved batches and stops.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBrowser, signIn, startUiService, ADMIN_EMAIL, ADMIN_PASSWORD, type Browser, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';

let ui: UiService;
let browser: Browser;
let page: Page;
let acmeId: string;
let adaId: string;

async function created<T>(path: string, body: unknown): Promise<T> {
  const response = await ui.admin.post<T>(`${W}${path}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

beforeAll(async () => {
  ui = await startUiService();
  await created('/custom-fields', { key: 'segment', label: 'Segment', type: 'text', objectType: 'companies' });
  acmeId = (await created<{ id: string }>('/organizations', { name: 'Acme Corp', domain: 'acme.example' })).id;
  adaId = (await created<{ id: string }>('/customers', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' })).id;
  browser = await openBrowser();
  page = browser.page;
  await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await ui?.close();
});

it('creates an organization from the list, showing the API’s refusal of a field beside it', async () => {
  await page.goto(`${ui.url}/w/default/organizations`);
  await page.getByRole('link', { name: 'New organization' }).click();
  await page.waitForURL(/\/organizations\/new$/);
  await page.getByRole('heading', { name: 'New organization' }).waitFor();
  // No name: the API requires one, and says so beside the Name input.
  await page.getByLabel('Domain').fill('globex.example');
  await page.getByRole('button', { name: 'Create organization' }).click();
  const nameError = page.locator('#f-name-error');
  await nameError.waitFor();
  expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-describedby')).toBe('f-name-error');
  expect(await page.locator('.alert-error').count(), 'a field problem is shown beside its field only').toBe(0);

  await page.getByLabel('Name', { exact: true }).fill('Globex');
  await page.getByLabel('Employees').fill('250');
  await page.getByLabel('Segment').fill('EMEA');
  await page.getByLabel('Tags').fill('prospect');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.waitForURL(/\/organizations\/org_[^/]+$/);
  await page.getByRole('heading', { name: 'Globex' }).waitFor();
  const id = decodeURIComponent(page.url().split('/').at(-1)!);
  const saved = (await ui.admin.get<Record<string, unknown>>(`${W}/organizations/${encodeURIComponent(id)}`)).body;
  expect(saved).toMatchObject({ name: 'Globex', domain: 'globex.example', numberOfEmployees: 250, tags: ['prospect'], custom: { segment: 'EMEA' } });
});

it('creates a deal with its organization and customers; a bad amount is refused beside its input', async () => {
  await page.goto(`${ui.url}/w/default/deals`);
  await page.getByRole('link', { name: 'New deal' }).click();
  await page.getByRole('heading', { name: 'New deal' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Acme renewal');
  await page.getByLabel('Amount').fill('12 thousand');
  await page.getByLabel('Currency').fill('CHF');
  await page.getByLabel('Close date').fill('2027-03-31');
  await page.getByLabel('Stage').fill('qualified');
  await page.getByLabel('Find an organization').fill('Acme');
  await page.getByRole('button', { name: 'Choose Acme Corp' }).click();
  await page.getByRole('button', { name: 'Remove organization' }).waitFor();
  // Enter in a search box looks for a record; it does not send the form.
  await page.locator('#new-deal-customers-search').fill('Ada');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Add Ada Lovelace' }).click();
  await page.getByRole('list', { name: 'Chosen customers' }).getByText('Ada Lovelace').waitFor();
  await page.getByRole('button', { name: 'Create deal' }).click();
  await page.locator('#f-amount-error').waitFor();
  expect(page.url()).toMatch(/\/deals\/new$/);

  await page.getByLabel('Amount').fill('12000.50');
  await page.getByRole('button', { name: 'Create deal' }).click();
  await page.waitForURL(/\/deals\/deal_[^/]+$/);
  await page.getByRole('heading', { name: 'Acme renewal' }).waitFor();
  const id = decodeURIComponent(page.url().split('/').at(-1)!);
  const deal = (await ui.admin.get<Record<string, unknown>>(`${W}/deals/${encodeURIComponent(id)}`)).body;
  expect(deal).toMatchObject({ name: 'Acme renewal', amount: '12000.50', currency: 'CHF', closeDate: '2027-03-31', stage: 'qualified', organizationId: acmeId, customerIds: [adaId] });
  // The deal page shows its links.
  await page.getByRole('region', { name: 'Organization' }).getByRole('link', { name: 'Acme Corp' }).waitFor();
});

it('cancels a running CSV import: the rows saved before stay, the page says how many, the rest is not imported', async () => {
  const ROWS = 200_000;
  const lines = ['externalId,email,firstName'];
  for (let i = 1; i <= ROWS; i++) lines.push(`big-${i},big-${i}@example.com,Row ${i}`);
  const count = async () => {
    let total = 0;
    let after: string | null = null;
    do {
      const { body }: { body: { customers: unknown[]; nextCursor: string | null } } = await ui.admin.get<{ customers: unknown[]; nextCursor: string | null }>(`${W}/customers?q=big-&limit=500${after ? `&after=${after}` : ''}`);
      total += body.customers.length;
      after = body.nextCursor;
    } while (after);
    return total;
  };
  // The upload is throttled to 100 KB/s (Chromium's network emulation), so the 7 MB file takes over a
  // minute to arrive: the server cannot finish the import before the cancel, however loaded the
  // machine is (unthrottled, it read all 200,000 rows between the first saved row and the click once).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100 * 1024 });
  await page.goto(`${ui.url}/w/default/customers/import`);
  await page.setInputFiles('#import-file', { name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const createdCount = page.locator('[data-count="created"]');
  // Cancelled once the server has saved rows (the browser may see its counts only once the upload is done).
  const firstSaved = async () => (await ui.admin.get<{ customers: unknown[] }>(`${W}/customers?email=big-1@example.com`)).body.customers.length;
  await expect.poll(firstSaved, { timeout: 60_000, interval: 50 }).toBe(1);
  await page.getByRole('button', { name: 'Cancel import' }).dispatchEvent('click');

  await page.getByRole('heading', { name: 'Import cancelled' }).waitFor();
  const shown = Number((await createdCount.textContent())!.replace(/,/g, ''));
  const message = await page.getByTestId('import-cancelled').textContent();
  expect(message).toContain(`Import cancelled: ${shown.toLocaleString('en-US')} rows were imported before it stopped.`);
  expect(message).toMatch(shown > 0 ? /They are kept/ : /kept/);
  expect(message, 'cancelled while the file was still uploading').toContain('the file was still uploading');
  expect(await page.getByRole('button', { name: 'Cancel import' }).count()).toBe(0);

  // The server kept whole batches — at least what the page said — and stopped short of the end.
  const saved = await count();
  expect(saved % 500).toBe(0);
  expect(saved).toBeGreaterThanOrEqual(shown);
  expect(saved).toBeLessThan(ROWS);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await cdp.detach();
});
