// "Connect with HubSpot" (OAuth 2) end to end: the button appears only when OAuth is
// configured, leads to the sandbox's consent page, and comes back Connected.
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
  const redirect = `http://127.0.0.1:${port}/api/oauth/hubspot/callback`;
  const app = sandbox.control.createOAuthApp({ redirectUris: [redirect] });
  ui = await startUiService({
    HUBSYNC_PORT: String(port),
    HUBSPOT_BASE_URL: sandbox.baseUrl,
    HUBSPOT_CLIENT_ID: app.clientId,
    HUBSPOT_CLIENT_SECRET: app.clientSecret,
    HUBSPOT_REDIRECT_URL: redirect,
    HUBSPOT_AUTHORIZE_URL: `${sandbox.baseUrl}/oauth/authorize`,
  });
});

afterAll(async () => {
  await ui?.close();
  await sandbox?.close();
});

describe('Connect with HubSpot', () => {
  it('goes through HubSpot consent and comes back connected through OAuth', async () => {
    const { page, close } = await openBrowser();
    try {
      await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.goto(`${ui.url}/w/default/integrations/hubspot/connection`);
      await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Not connected');
      await page.getByRole('button', { name: 'Connect with HubSpot' }).click();
      // The sandbox's consent page stands in for HubSpot's.
      await page.getByRole('button', { name: 'Connect app' }).click();
      await page.waitForURL(/\/w\/default\/integrations\/hubspot\/connection\?connected=oauth$/);
      await page.getByText('HubSpot is connected through OAuth.').waitFor();
      await expect.poll(() => page.getByTestId('connection-status').textContent()).toContain('Connected');
      await page.getByText(String(portalId), { exact: true }).waitFor();
      await page.getByText('OAuth', { exact: true }).waitFor();
    } finally {
      await close();
    }
  });
});
