// The admin UI without HubSpot: signing in and out, customers (search, pages, edit with field
// errors, its owner), custom fields, the audit log, the workspace switcher, and what members may not see.
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUiRoutes } from '../../src/http/web-ui.js';
import { inviteMember } from '../../test/support/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, openBrowser, screenshot, signIn, startUiService, type UiService } from './support/browser.js';

const MEMBER_EMAIL = 'member@example.com';
const MEMBER_PASSWORD = 'member-password-123';

let ui: UiService;

beforeAll(async () => {
  ui = await startUiService();
  const api = ui.admin;
  expect((await api.post('/api/workspaces/default/custom-fields', { key: 'plan', label: 'Plan', type: 'single_choice', options: [{ value: 'free', label: 'Free' }, { value: 'pro', label: 'Pro' }] })).status).toBe(201);
  const customers = Array.from({ length: 30 }, (_, i) => ({
    externalId: `c-${i}`,
    firstName: `Person${String(i).padStart(2, '0')}`,
    lastName: 'Example',
    email: `person${i}@example.com`,
    city: 'Lisbon',
    custom: { plan: i % 2 ? 'pro' : 'free' },
  }));
  customers.push({ externalId: 'zoe', firstName: 'Zoë', lastName: 'Quinn', email: 'zoe@example.com', city: 'Porto', custom: { plan: 'pro' } });
  const upserted = await api.post('/api/workspaces/default/customers/bulk-upsert', { customers });
  expect(upserted.body['created']).toBe(31);
  await inviteMember(api, ui.url, 'default', { email: MEMBER_EMAIL, name: 'Mia Member', role: 'member', password: MEMBER_PASSWORD });
});

afterAll(async () => {
  await ui?.close();
});

describe('signing in', () => {
  it('refuses a wrong password with the API message, signs in, and signs out again', async () => {
    const { page, close } = await openBrowser();
    try {
      await page.goto(`${ui.url}/w/default/customers`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Email').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('Email or password is wrong.');
      // Keyboard only: Enter in the form signs in.
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByLabel('Password').press('Enter');
      // Back where the user was heading.
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/w/default/customers');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.goto(`${ui.url}/w/default/customers`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    } finally {
      await close();
    }
  });

  it('returns to sign-in, and then to the same page, when the session ends while the app is open', async () => {
    const { page, context, close } = await openBrowser();
    try {
      await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      // End the session from outside the page (as an expiry or a sign-out elsewhere would).
      const cookie = (await context.cookies(ui.url)).map((c) => `${c.name}=${c.value}`).join('; ');
      const me = (await (await fetch(`${ui.url}/api/auth/me`, { headers: { cookie } })).json()) as { csrfToken: string };
      expect((await fetch(`${ui.url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': me.csrfToken } })).status).toBe(204);
      await page.getByRole('link', { name: 'Sync log' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Email').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Sync log' }).waitFor();
    } finally {
      await close();
    }
  });
});

describe('customers', () => {
  it('lists, searches and pages through customers, and edits one with field errors shown next to the field', async () => {
    const { page, close } = await openBrowser();
    try {
      await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      const rows = page.locator('table tbody tr');
      await expect.poll(() => rows.count()).toBe(25);
      await expect.poll(() => page.getByText('Page 1').isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Next →' }).click();
      await page.getByText('Page 2').waitFor();
      await expect.poll(() => rows.count()).toBe(6);
      expect(await page.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true);
      await screenshot(page, 'customers.png');

      await page.getByLabel('Search customers').fill('zoe');
      await expect.poll(() => rows.count()).toBe(1);
      await page.getByRole('link', { name: 'Zoë Quinn' }).click();
      await page.getByRole('heading', { name: 'Zoë Quinn' }).waitFor();
      // Built-in and custom fields, and the sync status.
      await page.getByText('Porto').waitFor();
      await page.getByText('Pro', { exact: true }).waitFor();
      await page.locator('.badge', { hasText: 'Not synced' }).waitFor();
      await page.getByText('Not in HubSpot yet').waitFor();

      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Email').fill('not-an-email');
      await page.getByLabel('City').fill('Braga');
      await page.getByRole('button', { name: 'Save' }).click();
      const emailError = page.locator('#f-email-error');
      await emailError.waitFor();
      expect((await emailError.textContent())?.length).toBeGreaterThan(3);
      await page.getByLabel('Email').fill('zoe.quinn@example.com');
      await page.getByLabel('Plan').selectOption('free');
      // The owner: a member picked by name, shown by name, saved as the member's id.
      await page.getByLabel('Owner').selectOption({ label: 'Mia Member' });
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('button', { name: 'Edit' }).waitFor();
      await page.getByText('Braga').waitFor();
      await page.getByText('zoe.quinn@example.com').waitFor();
      await page.getByText('Free', { exact: true }).waitFor();
      await page.locator('dd', { hasText: 'Mia Member' }).waitFor();
      const users = (await ui.admin.get<{ users: { id: string; email: string }[] }>('/api/workspaces/default/users')).body.users;
      const saved = await ui.admin.get<{ customers: { ownerUserId: string | null }[] }>('/api/workspaces/default/customers?email=zoe.quinn@example.com');
      expect(saved.body.customers[0]!.ownerUserId).toBe(users.find((u) => u.email === MEMBER_EMAIL)!.id);
      await screenshot(page, 'customer.png');
    } finally {
      await close();
    }
  });
});

describe('custom fields', () => {
  it('creates, renames and archives a field, showing a bad key next to the Key field', async () => {
    const { page, close } = await openBrowser();
    try {
      await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Custom fields' }).click();
      await page.getByRole('heading', { name: 'Custom fields' }).waitFor();
      await page.getByLabel('Label').fill('Loyalty points');
      await page.getByLabel('Key').fill('Loyalty Points');
      await page.getByLabel('Type').selectOption('number');
      await page.getByRole('button', { name: 'Create field' }).click();
      await expect.poll(() => page.locator('#cf-key-error').textContent()).toContain('lower-case');
      await page.getByLabel('Key').fill('loyalty_points');
      await page.getByRole('button', { name: 'Create field' }).click();
      await page.getByText('Field “Loyalty points” created.').waitFor();
      const row = page.locator('tr', { hasText: 'loyalty_points' });
      await row.getByText('Active').waitFor();

      await page.getByRole('button', { name: 'Rename Loyalty points' }).click();
      await page.getByLabel('New label for loyalty_points').fill('Reward points');
      await row.getByRole('button', { name: 'Save' }).click();
      await row.getByText('Reward points').waitFor();
      await page.getByRole('button', { name: 'Archive Reward points' }).click();
      await row.getByText('Archived').waitFor();
      await page.getByRole('button', { name: 'Restore Reward points' }).waitFor();
      await screenshot(page, 'custom-fields.png');
    } finally {
      await close();
    }
  });
});

describe('audit log and workspaces', () => {
  it('shows configuration changes to admins and switches between workspaces', async () => {
    expect((await ui.admin.post('/api/workspaces', { slug: 'second', name: 'Second shop' })).status).toBe(201);
    const { page, close } = await openBrowser();
    try {
      await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByRole('cell', { name: 'custom_field.created' }).first().waitFor();
      await screenshot(page, 'audit-log.png');

      const switcher = page.getByRole('combobox', { name: 'Workspace' });
      await switcher.selectOption('second');
      await page.waitForURL(/\/w\/second\/audit-log$/);
      await page.getByText('Nothing has been changed yet.').or(page.getByRole('cell', { name: 'workspace.created' })).first().waitFor();
      await page.getByRole('link', { name: 'Customers' }).click();
      await page.getByText('No customers yet.').waitFor();
    } finally {
      await close();
    }
  });
});

describe('members', () => {
  it('cannot reach the Connection tab, Field mapping, custom fields or the audit log, but can use Synchronization', async () => {
    const { page, close } = await openBrowser();
    try {
      await signIn(page, ui.url, MEMBER_EMAIL, MEMBER_PASSWORD);
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      expect(await page.getByRole('link', { name: 'Custom fields' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);

      await page.goto(`${ui.url}/w/default/integrations/hubspot/connection`);
      await page.getByRole('heading', { name: "You don't have access" }).waitFor();
      expect(await page.getByLabel('Access token').count()).toBe(0);
      await screenshot(page, 'member-no-access.png');

      await page.getByRole('tab', { name: 'Field mapping' }).click();
      await page.getByRole('heading', { name: "You don't have access" }).waitFor();
      await page.getByRole('tab', { name: 'Synchronization' }).click();
      await page.getByRole('button', { name: 'Sync now' }).waitFor();

      for (const path of ['audit-log', 'custom-fields']) {
        await page.goto(`${ui.url}/w/default/${path}`);
        await page.getByRole('heading', { name: "You don't have access" }).waitFor();
      }
      await page.goto(`${ui.url}/w/not-mine/customers`);
      await page.getByText('You are not a member of the workspace').waitFor();
    } finally {
      await close();
    }
  });
});

describe('serving the UI', () => {
  it('answers deep links with the app, unknown API paths with the error envelope, and assets from the build', async () => {
    const page = await fetch(`${ui.url}/w/default/integrations/hubspot/sync`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${ui.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(1000);
    const api = await fetch(`${ui.url}/api/no-such-route`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
    // The API's own documentation keeps its routes.
    const docs = await fetch(`${ui.url}/api/docs/json`);
    expect(docs.status).toBe(200);
    expect(((await docs.json()) as { openapi?: string }).openapi).toBeDefined();
    const escape = await fetch(`${ui.url}/..%2f..%2fpackage.json`);
    expect(await escape.text()).not.toContain('"dependencies"');
  });

  it('says to run npm run build when there is no build', async () => {
    const app = Fastify();
    await app.register(webUiRoutes({ distDir: join(mkdtempSync(join(tmpdir(), 'hubsync-nodist-')), 'dist') }));
    const response = await app.inject({ method: 'GET', url: '/w/default/customers' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('npm run build');
    await app.close();
  });
});
