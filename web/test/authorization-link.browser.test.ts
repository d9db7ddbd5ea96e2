// Authorization links end to end (issue 17): the admin creates a link on the Connection tab; in
// a fresh browser that never signed in (a 390 px phone) the person holding HubSpot opens it,
// approves with the keyboard in the sandbox's consent page and lands on "Connected"; the admin's
// tab then shows Connected and the link Used. A second opening is refused, and a revoked link
// says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freePort, openBrowser, signIn, startUiService, type UiService } from './support/browser.js';

let sandbox: RunningSandbox;
let ui: UiService;
let portalId: number;

beforeAll(async () => {
  sandbox = await startSandbox();
  ({ portalId } = sandbox.control.createPortal({ tier: 'pro' }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = sandbox.control.createOAuthApp({ redirectUris: [`${base}/api/oauth/hubspot/callback`] });
  ui = await startUiService({
    HUBSYNC_PORT: String(port),
    HUBSYNC_PUBLIC_URL: base,
    HUBSPOT_BASE_URL: sandbox.baseUrl,
    HUBSPOT_CLIENT_ID: app.clientId,
    HUBSPOT_CLIENT_SECRET: app.clientSecret,
    HUBSPOT_REDIRECT_URL: `${base}/api/oauth/hubspot/callback`,
    HUBSPOT_AUTHORIZE_URL: `${sandbox.baseUrl}/oauth/authorize`,
  });
});

afterAll(async () => {
  await ui?.close();
  await sandbox?.close();
});

describe('Authorization links', () => {
  it('connects the workspace through a link opened by someone who is not signed in', async () => {
    const admin = await openBrowser();
    const person = await openBrowser({ width: 390, height: 844 });
    try {
      const page = admin.page;
      await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(`${ui.url}/w/default/integrations/hubspot/connection`);
      await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Not connected');
      const section = page.getByRole('region', { name: 'Authorization links' });
      await section.getByText('No authorization link yet.').waitFor();
      await section.getByLabel('Valid for').selectOption({ label: '1 day' });
      await section.getByRole('button', { name: 'Create link' }).click();
      const shown = section.getByTestId('authorization-link-url');
      await shown.waitFor();
      const link = await shown.inputValue();
      expect(link).toMatch(new RegExp(`^${ui.url}/authorize#token=`));
      const row = section.getByRole('table', { name: 'Authorization links' }).getByRole('row').nth(1);
      await expect.poll(() => row.textContent()).toContain('Active');

      // The person holding HubSpot: a fresh phone-sized browser, never signed in.
      const phone = person.page;
      await phone.goto(link);
      const heading = phone.getByRole('heading', { name: /asks you to connect HubSpot$/ });
      await heading.waitFor();
      expect(await phone.getByText(ADMIN_EMAIL).count()).toBeGreaterThan(0);
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      // By keyboard: Tab reaches Approve, Enter presses it.
      await phone.getByRole('button', { name: 'Approve in HubSpot' }).waitFor();
      const focused = () => phone.evaluate('document.activeElement ? document.activeElement.textContent : null');
      for (let i = 0; i < 10 && (await focused()) !== 'Approve in HubSpot'; i++) await phone.keyboard.press('Tab');
      expect(await focused()).toBe('Approve in HubSpot');
      await phone.keyboard.press('Enter');
      // The sandbox's consent page stands in for HubSpot's.
      await phone.getByRole('button', { name: 'Connect app' }).click();
      await phone.waitForURL(/\/authorize\/done\?workspace=/);
      await phone.getByRole('heading', { name: 'Connected' }).waitFor();
      await phone.getByText('You can close this page.').waitFor();
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

      // The same link a second time is refused.
      await phone.goto(link);
      await phone.getByRole('heading', { name: 'This link was already used' }).waitFor();

      // The admin's tab: Connected through OAuth to the portal the person chose; the link is Used.
      await page.reload();
      await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected');
      await page.getByText(String(portalId), { exact: true }).waitFor();
      await expect.poll(() => row.textContent()).toContain('Used');

      // Another link, revoked: opening it says so.
      await section.getByRole('button', { name: 'Create link' }).click();
      await expect.poll(async () => (await shown.inputValue()) !== link).toBe(true);
      const revokedLink = await shown.inputValue();
      await expect.poll(() => row.textContent()).toContain('Active');
      await row.getByRole('button', { name: /^Revoke/ }).click();
      await expect.poll(() => row.textContent()).toContain('Revoked');
      await phone.goto(revokedLink);
      await phone.getByRole('heading', { name: 'This link was revoked' }).waitFor();
    } finally {
      await person.close();
      await admin.close();
    }
  });
});
