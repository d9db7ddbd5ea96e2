// Single-workspace deployments: HUBSPOT_API_KEY connects the default workspace at start-up,
// and a token from a portal other than HUBSPOT_PORTAL_ID is refused with a clear message.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService } from '../../test/support/service.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => sandbox?.close());

it('connects the default workspace from the environment', async () => {
  const { token, portalId } = sandbox.control.createPrivateAppToken({});
  const ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl, HUBSPOT_API_KEY: token, HUBSPOT_PORTAL_ID: String(portalId) } });
  try {
    const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const connection = await admin.get('/api/workspaces/default/hubspot/connection');
    expect(connection.body).toMatchObject({ status: 'connected', source: 'environment', portalId });
  } finally {
    await ts.close();
  }
});

it('refuses a token whose portal differs from HUBSPOT_PORTAL_ID', async () => {
  const { token, portalId } = sandbox.control.createPrivateAppToken({});
  await expect(startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl, HUBSPOT_API_KEY: token, HUBSPOT_PORTAL_ID: '999' } })).rejects.toThrow(
    `This token belongs to HubSpot portal ${portalId}, but HUBSPOT_PORTAL_ID is 999`,
  );
});
