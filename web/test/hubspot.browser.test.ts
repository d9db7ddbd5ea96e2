// Config → Integrations → HubSpot end to end, against the HubSpot sandbox over real HTTP:
// a new admin connects (after seeing the exact missing scope of a restricted token), saves a
// mapping, runs Sync now, watches the progress bar, and finds every status in the table.
// Each tab is photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

let sandbox: RunningSandbox;
let ui: UiService;
let page: Page;
let portalId: number;
let token: string;
let restrictedToken: string;
let close: SandboxedUi['close'];

const CUSTOMERS = 240;

beforeAll(async () => {
  // A little latency per HubSpot call so a run lasts long enough to be watched.
  // Not connected: the first test connects through the UI.
  ({ sandbox, ui, page, portalId, token, close } = await startSandboxedUi({ sandbox: { latencyMs: [200, 250] }, connect: false }));
  ({ token: restrictedToken } = sandbox.control.createPrivateAppToken({ portalId, scopes: ['crm.objects.contacts.read', 'crm.schemas.contacts.read'] }));
  const customers: Record<string, unknown>[] = Array.from({ length: CUSTOMERS }, (_, i) => ({
    externalId: `c-${i}`,
    firstName: `Customer${String(i).padStart(3, '0')}`,
    lastName: 'Sample',
    email: `customer${i}@example.com`,
    phone: `+35121000${String(i).padStart(4, '0')}`,
    companyName: 'Sample Café',
  }));
  // Spread over the first page of the table, so its screenshot shows every kind of row.
  customers.splice(3, 0, { externalId: 'bad-stage', firstName: 'Erin', lastName: 'Error', email: 'erin@example.com', lifecycleStage: 'not-a-stage' });
  customers.splice(5, 0, { externalId: 'no-mail', firstName: 'Nora', lastName: 'Nomail' });
  customers.splice(8, 0, { externalId: 'dupe', firstName: 'Dana', lastName: 'Double', email: 'customer0@example.com' });
  expect((await ui.admin.post('/api/workspaces/default/customers/bulk-upsert', { customers })).body['created']).toBe(CUSTOMERS + 3);
});

afterAll(async () => {
  await close?.();
});

describe('Config → Integrations → HubSpot', () => {
  it('names the exact missing scope of a restricted token, then connects with a full one', async () => {
    await page.getByRole('link', { name: 'HubSpot' }).click();
    await page.getByRole('tab', { name: 'Connection', selected: true }).waitFor();
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Not connected');

    await page.getByLabel('Access token').fill(restrictedToken);
    await page.getByRole('button', { name: 'Save' }).click();
    const failure = page.locator('#token-outcome [role=alert]');
    await failure.waitFor();
    expect(await failure.textContent()).toContain('crm.objects.contacts.write');
    await screenshot(page, 'hubspot-connection-missing-scope.png');
    await expect.poll(() => page.getByTestId('connection-status').textContent()).not.toContain('Connected');

    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Connected to HubSpot portal ${portalId}.`).waitFor();
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected');
    await page.getByText(String(portalId), { exact: true }).waitFor();
    await page.getByText('API calls today').waitFor();

    // The eye button reveals the stored token and hides it again.
    await page.getByRole('button', { name: 'Reveal token' }).click();
    await expect.poll(() => page.getByTestId('stored-token').textContent()).toBe(token);
    await page.getByRole('button', { name: 'Hide token' }).click();
    await expect.poll(() => page.getByTestId('stored-token').textContent()).not.toBe(token);
    await screenshot(page, 'hubspot-connection.png');
  });

  it('shows suggested defaults with Email locked, and saves a mapping', async () => {
    await page.getByRole('tab', { name: 'Field mapping' }).click();
    await page.getByText('These are suggested defaults.').waitFor();
    const email = page.getByLabel('Email', { exact: true });
    expect(await email.isDisabled()).toBe(true);
    await page.getByText('is permanently mapped to the HubSpot email property').waitFor();
    expect(await page.getByLabel('First name').inputValue()).toBe('firstname');
    expect(await page.getByLabel('Phone').inputValue()).toBe('phone');

    await page.getByLabel('Company name').selectOption('company');
    await page.getByLabel('City').selectOption('');
    await screenshot(page, 'hubspot-field-mapping.png');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Mapping saved.').waitFor();
    expect(await page.getByText('These are suggested defaults.').count()).toBe(0);
    expect(await page.getByLabel('Company name').inputValue()).toBe('company');
    expect(await page.getByLabel('City').inputValue()).toBe('');
  });

  it('rejects a mapping HubSpot cannot take, with the message next to the field', async () => {
    // City is free text; a number, date, yes/no or choice property cannot hold it.
    const view = await ui.admin.get<{ properties: { name: string; type: string }[] }>('/api/workspaces/default/hubspot/mapping');
    const notText = view.body.properties.find((p) => p.type !== 'string' && p.type !== 'phone_number');
    expect(notText, 'the portal offers a property that is not text').toBeDefined();
    await page.getByLabel('City').selectOption(notText!.name);
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('#map-city-error');
    await error.waitFor();
    expect((await error.textContent())?.length).toBeGreaterThan(3);
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(await error.count()).toBe(0);
  });

  it('runs Sync now with a live progress bar and shows every status in the table', async () => {
    await page.getByRole('tab', { name: 'Synchronization' }).click();
    const summary = page.getByRole('list', { name: 'Sync summary' });
    await summary.getByText('will be created').waitFor();
    await expect.poll(() => summary.textContent()).toContain(`${CUSTOMERS + 1}will be created`);
    await expect.poll(() => summary.textContent()).toContain("1can't be synced (no email)");
    await screenshot(page, 'hubspot-synchronization-before.png');

    await page.getByRole('button', { name: 'Sync now' }).click();
    const bar = page.getByRole('progressbar', { name: 'Sync progress' });
    await bar.waitFor();
    // Watch the bar move while the run goes.
    const seen = new Set<number>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const now = Number(await bar.getAttribute('aria-valuenow'));
      const max = Number(await bar.getAttribute('aria-valuemax'));
      seen.add(now);
      if ((await page.getByText('Sync finished').count()) > 0 && now === max) break;
      await page.waitForTimeout(100);
    }
    await page.getByText('Sync finished').waitFor();
    const max = Number(await bar.getAttribute('aria-valuemax'));
    expect(max).toBeGreaterThanOrEqual(CUSTOMERS);
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBe(max);
    expect(seen.size, `progress values seen: ${[...seen].join(', ')}`).toBeGreaterThan(1);
    expect(await page.getByRole('button', { name: 'Sync now' }).isEnabled()).toBe(true);

    // The table refreshed when the run ended.
    const table = page.getByRole('table', { name: 'Customers and their sync status' });
    await table.locator('.badge', { hasText: 'Synced' }).first().waitFor();
    await expect.poll(() => summary.textContent()).toContain(`${CUSTOMERS}already synced`);

    await page.getByRole('combobox', { name: 'Status' }).selectOption('no_email');
    await table.getByRole('link', { name: 'Nora Nomail' }).waitFor();
    await table.locator('.badge', { hasText: 'No email' }).waitFor();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('duplicate');
    await table.getByRole('link', { name: 'Dana Double' }).waitFor();
    await table.locator('.badge', { hasText: 'Duplicate' }).waitFor();
    // HubSpot refuses Erin's lifecycle stage: Error, with HubSpot's message in the table.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('error');
    const erin = table.locator('tr', { hasText: 'Erin Error' });
    await erin.locator('.badge', { hasText: 'Error' }).waitFor();
    expect((await erin.locator('.error-text').first().textContent())?.length).toBeGreaterThan(5);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await page.getByLabel('Search customers').fill('Customer007');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await table.locator('.badge', { hasText: 'Synced' }).waitFor();
    await page.getByLabel('Search customers').fill('');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(25);

    // A changed customer reads Needs update; its name links to the customer page.
    const customer = (await ui.admin.get<{ customers: { id: string }[] }>('/api/workspaces/default/customers?q=Customer007')).body.customers[0]!;
    expect((await ui.admin.patch(`/api/workspaces/default/customers/${customer.id}`, { companyName: 'Renamed Ltd' })).status).toBe(200);
    await page.reload();
    await table.locator('tr', { hasText: 'Customer007 Sample' }).locator('.badge', { hasText: 'Needs update' }).waitFor();
    await screenshot(page, 'hubspot-synchronization.png');
    await page.getByLabel('Search customers').fill('Customer007');
    await table.locator('.badge', { hasText: 'Needs update' }).waitFor();
    await table.getByRole('link', { name: 'Customer007 Sample' }).click();
    await page.getByRole('heading', { name: 'Customer007 Sample' }).waitFor();
    await page.locator('.badge', { hasText: 'Needs update' }).waitFor();
    const hubspotId = page.locator('.facts div', { hasText: 'HubSpot id' }).locator('dd');
    expect(await hubspotId.textContent()).toMatch(/^\d+$/);
    // The id links to the contact in HubSpot.
    const contactId = (await ui.admin.get<{ sync: { hubspotId: string } }>(`/api/workspaces/default/customers/${customer.id}`)).body.sync.hubspotId;
    expect(await hubspotId.getByRole('link').getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${portalId}/record/0-1/${contactId}`);
  });

  it('updates changed contacts on the next run and marks a failed update Outdated with its error', async () => {
    const found = await ui.admin.get<{ customers: { id: string }[] }>('/api/workspaces/default/customers?q=Customer008');
    expect((await ui.admin.patch(`/api/workspaces/default/customers/${found.body.customers[0]!.id}`, { lifecycleStage: 'not-a-stage' })).status).toBe(200);
    await page.getByRole('link', { name: 'HubSpot' }).click();
    await page.getByRole('tab', { name: 'Synchronization' }).click();
    const summary = page.getByRole('list', { name: 'Sync summary' });
    await expect.poll(() => summary.textContent()).toContain('2will be updated');
    await page.getByRole('button', { name: 'Sync now' }).click();
    const table = page.getByRole('table', { name: 'Customers and their sync status' });
    await page.getByRole('combobox', { name: 'Status' }).selectOption('outdated');
    const row = table.locator('tr', { hasText: 'Customer008 Sample' });
    await row.locator('.badge', { hasText: 'Outdated' }).waitFor();
    expect((await row.locator('.error-text').first().textContent())?.length).toBeGreaterThan(5);
    await page.getByText('Sync finished').waitFor();
    expect(await page.getByText('1 updated').count()).toBe(1);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await page.getByLabel('Search customers').fill('Customer007');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await table.locator('tr', { hasText: 'Customer007 Sample' }).locator('.badge', { hasText: 'Synced' }).waitFor();
  });

  it('fits a narrow screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${ui.url}/w/default/integrations/hubspot/sync`);
      await page.getByRole('button', { name: 'Sync now' }).waitFor();
      await page.getByRole('table', { name: 'Customers and their sync status' }).locator('.badge').first().waitFor();
      // Nothing wider than the screen.
      // (runs in the page, where `document` exists; this file is compiled without the DOM library)
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'HubSpot' }).waitFor();
      await page.getByRole('button', { name: 'Menu' }).click();
      await screenshot(page, 'hubspot-synchronization-narrow.png');
      for (const [path, ready] of [
        ['integrations/hubspot/connection', 'Access token'],
        ['integrations/hubspot/mapping', 'Company name'],
        ['customers', 'Search customers'],
        ['audit-log', 'Audit log'],
      ] as const) {
        await page.goto(`${ui.url}/w/default/${path}`);
        await page.getByLabel(ready).or(page.getByRole('table', { name: ready })).first().waitFor();
        expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(390);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('lists the run in the sync log and drills into its record attempts', async () => {
    await page.getByRole('link', { name: 'Sync log' }).click();
    const runs = page.getByRole('table', { name: 'Sync runs' });
    await expect.poll(() => runs.getByText('Succeeded').count()).toBe(2);
    await runs.locator('tbody tr').first().getByRole('link').click();
    const attempts = page.getByRole('table', { name: 'Record attempts' });
    await attempts.locator('tbody tr').first().waitFor();
    await attempts.getByText('Success').first().waitFor();
    await screenshot(page, 'sync-log-run.png');
  });

  it('moves between tabs with the arrow keys, and disconnects after a confirmation', async () => {
    await page.goto(`${ui.url}/w/default/integrations/hubspot/connection`);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected');
    // The tabs work from the keyboard: arrow keys move between them.
    await page.getByRole('tab', { name: 'Connection' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/\/integrations\/hubspot\/mapping$/);
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Field mapping');
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(/\/integrations\/hubspot\/connection$/);
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect HubSpot?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await dialog.count()).toBe(0);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected');
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Not connected');
  });
});
