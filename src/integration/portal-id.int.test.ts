// Seed 001's Platform Settings: the Portal ID typed beside the key is checked against the
// token's account, over real HTTP to the sandbox: another portal's token is refused and names
// both portals, the right one connects, and a Portal ID that is not digits is a 400.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';

const CONNECTION = '/api/workspaces/default/hubspot/connection';
let env: SandboxedService;

beforeAll(async () => {
  env = await startSandboxedService({ connect: false });
});
afterAll(async () => env?.close());

it('refuses a token of another portal than the Portal ID entered, and stores nothing', async () => {
  const res = await env.admin.request<{ error: { code: string; message: string; details: { field: string } } }>('PUT', CONNECTION, { accessToken: env.token, portalId: '12345' });
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('HUBSPOT_PORTAL_MISMATCH');
  expect(res.body.error.message).toBe(`This token belongs to HubSpot portal ${env.portalId}, but the Portal ID entered is 12345. Use a token from portal 12345, or correct the Portal ID.`);
  expect(res.body.error.details.field).toBe('portalId');
  expect((await env.admin.get<{ status: string }>(CONNECTION)).body.status).toBe('not_connected');
});

it('refuses a Portal ID that is not digits', async () => {
  const res = await env.admin.request<{ error: { code: string } }>('PUT', CONNECTION, { accessToken: env.token, portalId: 'abc' });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
});

it('connects when the Portal ID is the token’s account', async () => {
  const res = await env.admin.request<{ status: string; portalId: number }>('PUT', CONNECTION, { accessToken: env.token, portalId: ` ${env.portalId} ` });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'connected', portalId: env.portalId });
});
