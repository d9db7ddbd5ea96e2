// The token pasted on the connection route goes into an HTTP header when it is checked with
// HubSpot. One that no header can carry (a line break, a control or non-ASCII character) is a
// 400 naming accessToken, not a 502 from the HTTP library failing; whitespace around a pasted
// token is still trimmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../../test/support/service.js';

const CONNECTION = '/api/workspaces/default/hubspot/connection';
let sandbox: RunningSandbox;
let ts: TestService;
let admin: ApiClient;

beforeAll(async () => {
  sandbox = await startSandbox();
  ts = await startTestService({ env: { HUBSPOT_BASE_URL: sandbox.baseUrl } });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  await ts?.close();
  await sandbox?.close();
});

describe('PUT …/hubspot/connection with a malformed token', () => {
  it('answers 400 VALIDATION_FAILED naming accessToken, without calling HubSpot', async () => {
    const { token } = sandbox.control.createPrivateAppToken({});
    const half = Math.floor(token.length / 2);
    const broken = [
      `${token.slice(0, half)}\n${token.slice(half)}`,
      `${token.slice(0, half)}\r\nX-Injected: 1`,
      `${token}\u0000`,
      `${token.slice(0, half)}\u0007${token.slice(half)}`,
      `${token}é`,
      `${token.slice(0, half)} ${token.slice(half)}`,
      '\u200b',
    ];
    sandbox.control.resetCounts();
    for (const accessToken of broken) {
      const r = await admin.request('PUT', CONNECTION, { accessToken });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'accessToken' } } });
      expect(r.body.error.message).toMatch(/^accessToken: /);
    }
    expect(sandbox.control.counts().total).toBe(0);
    expect((await admin.get(CONNECTION)).body).toMatchObject({ status: 'not_connected' });
  });

  it('still trims whitespace and line breaks around a pasted token', async () => {
    const { token, portalId } = sandbox.control.createPrivateAppToken({});
    const r = await admin.request('PUT', CONNECTION, { accessToken: `  ${token}\r\n` });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'connected', portalId });
  });
});
