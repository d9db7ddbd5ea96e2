// Customers made and changed in the UI, end to end: the New customer form (built-in and custom
// fields, tags, a primary organization) with the API's field error shown beside its input, the
// customer's page editing a field and its organizations, a customer made by keyboard alone at
// 390 px, and a CSV import through the file input — its counts, and the rejected rows'
// report downloaded and read. Photographed into docs/screenshots/ (customer-new.png,
// customer-import.png).
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBrowser, screenshot, signIn, startUiService, ADMIN_EMAIL, ADMIN_PASSWORD, type Browser, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
interface Cus {
  id: string;
  firstName: string | null;
  email: string | null;
  city: string | null;
  tags: string[];
  custom: Record<string, unknown>;
  organizationIds: string[];
}

let ui: UiService;
let browser: Browser;
let page: Page;
let acmeId: string;
let zephyrId: string;

async function created<T>(path: string, body: unknown): Promise<T> {
  const response = await ui.admin.post<T>(`${W}${path}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const byEmail = async (email: string) => (await ui.admin.get<{ customers: Cus[] }>(`${W}/customers?email=${encodeURIComponent(email)}`)).body.customers;

/** Whether the page scrolls sideways (it must not, at 390 px). */
const scrollsSideways = (p: Page) => p.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');

beforeAll(async () => {
  ui = await startUiService();
  await created('/custom-fields', { key: 'score', label: 'Score', type: 'number' });
  await created('/tags', { key: 'vip', label: 'VIP' });
  acmeId = (await created<{ id: string }>('/organizations', { name: 'Acme Corp', domain: 'acme.example' })).id;
  zephyrId = (await created<{ id: string }>('/organizations', { name: 'Zephyr Labs' })).id;
  browser = await openBrowser();
  page = browser.page;
  await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await ui?.close();
});

it('creates a customer with the form, showing the API’s refusal of a field beside it', async () => {
  await page.goto(`${ui.url}/w/default/customers`);
  await page.getByRole('link', { name: 'New customer' }).click();
  await page.getByRole('heading', { name: 'New customer' }).waitFor();
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Email').fill('grace-at-example');
  await page.getByLabel('City').fill('New York');
  await page.getByLabel('Tags').fill('vip');
  await page.getByLabel('Score').fill('42');
  await page.getByLabel('Find an organization').fill('Acme');
  await page.getByRole('button', { name: 'Choose Acme Corp' }).click();
  await page.getByText('Acme Corp', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Create customer' }).click();

  // The email's problem is said under the Email input, which points at it; nothing was created.
  const emailError = page.locator('#f-email-error');
  await emailError.waitFor();
  expect(await emailError.textContent()).toMatch(/email/i);
  expect(await page.getByLabel('Email').getAttribute('aria-describedby')).toBe('f-email-error');
  expect(await page.locator('.field-error').count()).toBe(1);
  expect(await byEmail('grace-at-example')).toEqual([]);
  await screenshot(page, 'customer-new.png');

  await page.getByLabel('Email').fill('grace@example.com');
  await page.getByRole('button', { name: 'Create customer' }).click();
  await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
  const [grace] = await byEmail('grace@example.com');
  expect(grace).toMatchObject({ firstName: 'Grace', city: 'New York', tags: ['vip'], custom: { score: 42 }, organizationIds: [acmeId] });
  expect(page.url()).toBe(`${ui.url}/w/default/customers/${grace!.id}`);
  await page.getByRole('list', { name: 'Organizations of this customer' }).getByRole('link', { name: 'Acme Corp' }).waitFor();
});

it('edits the customer and its organizations, and the page and the API show what was saved', async () => {
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('City').fill('Arlington');
  await page.getByLabel('Score').fill('43');
  await page.getByLabel('Email').fill('grace@');
  await page.getByRole('button', { name: 'Save' }).click();
  // Refused by the API: the message beside the Email input, nothing saved, the edits kept.
  await page.locator('#f-email-error').waitFor();
  expect((await byEmail('grace@example.com'))[0]).toMatchObject({ city: 'New York', custom: { score: 42 } });
  expect(await page.getByLabel('City').inputValue()).toBe('Arlington');

  await page.getByLabel('Email').fill('grace@example.com');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Fields', exact: true }).waitFor();
  await page.locator('.field-list').getByText('Arlington').waitFor();
  expect((await byEmail('grace@example.com'))[0]).toMatchObject({ city: 'Arlington', custom: { score: 43 } });

  // A second organization, made the primary one.
  await page.getByLabel('Find an organization').fill('Zephyr');
  await page.getByRole('button', { name: 'Add Zephyr Labs' }).click();
  await page.getByRole('button', { name: 'Make Zephyr Labs the primary organization' }).click();
  await expect.poll(async () => (await byEmail('grace@example.com'))[0]!.organizationIds).toEqual([zephyrId, acmeId]);
  const first = page.getByRole('list', { name: 'Organizations of this customer' }).locator('li').first();
  await expect.poll(() => first.textContent()).toContain('Zephyr Labs');
  expect(await first.locator('.tag-primary').count()).toBe(1);
});

it('makes a customer by keyboard alone at 390 px, without sideways scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.goto(`${ui.url}/w/default/customers`);
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    // Tab to the New customer link and follow it with Enter.
    const focusedText = () => page.evaluate<string>("document.activeElement?.textContent ?? ''");
    let tabs = 0;
    while ((await focusedText()) !== 'New customer' && tabs++ < 60) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New customer' }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    const focusedId = () => page.evaluate<string>("document.activeElement?.id ?? ''");
    tabs = 0;
    while ((await focusedId()) !== 'f-firstName' && tabs++ < 60) await page.keyboard.press('Tab');
    await page.keyboard.type('Kay');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('f-lastName');
    await page.keyboard.type('Board');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('f-email');
    await page.keyboard.type('kay@example.com');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Kay Board' }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    expect((await byEmail('kay@example.com'))[0]).toMatchObject({ firstName: 'Kay' });
    await page.goto(`${ui.url}/w/default/customers/import`);
    await page.getByRole('heading', { name: 'Import customers' }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

it('imports a CSV through the file input: counts, then the rejected rows downloaded as CSV', async () => {
  await created('/customers', { externalId: 'imp-1', email: 'imp-1@example.com', firstName: 'Before' });
  const csv = [
    'externalId,email,firstName,score',
    'imp-1,imp-1@example.com,After,1',
    'imp-2,imp-2@example.com,Two,2',
    'imp-3,not-an-email,Three,3',
    'imp-4,imp-4@example.com,Four,4',
    'imp-5,imp-5@example.com,"Five, Jr.",many',
    'imp-6,imp-6@example.com,Six,6',
  ].join('\n');
  await page.goto(`${ui.url}/w/default/customers`);
  await page.getByRole('link', { name: 'Import CSV' }).click();
  await page.getByRole('heading', { name: 'Import customers' }).waitFor();
  await page.setInputFiles('#import-file', { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: 'Import finished' }).waitFor();

  const count = (name: string) => page.locator(`[data-count="${name}"]`).textContent();
  expect(await count('rowsRead')).toBe('6');
  expect(await count('created')).toBe('3');
  expect(await count('updated')).toBe('1');
  expect(await count('rejected')).toBe('2');
  expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
  const rejectedList = page.getByRole('list', { name: 'Rejected rows' });
  expect(await rejectedList.locator('li').allTextContents()).toEqual([expect.stringMatching(/^Line 4: .*email/i), expect.stringMatching(/^Line 6: score: /)]);
  expect((await byEmail('imp-1@example.com'))[0]).toMatchObject({ firstName: 'After' });
  await screenshot(page, 'customer-import.png');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download rejected rows (2)' }).click()]);
  expect(download.suggestedFilename()).toBe('customers-rejected-rows.csv');
  const report = readFileSync(await download.path(), 'utf8').split('\r\n');
  expect(report[0]).toBe('line,externalId,email,firstName,score,error');
  expect(report[1]).toMatch(/^4,imp-3,not-an-email,Three,3,.*email/i);
  expect(report[2]).toBe('6,imp-5,imp-5@example.com,"Five, Jr.",many,"score: ""many"" is not a number"');
  expect(report[3]).toBe('');
  expect(report).toHaveLength(4);

  // The list shows the imported customers.
  await page.getByRole('link', { name: '← Customers' }).click();
  await page.getByRole('link', { name: 'Six' }).waitFor();
});
