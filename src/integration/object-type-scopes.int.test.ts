// Object types and their scopes, through the public API against the sandbox over real HTTP:
// a workspace syncs contacts only until an admin turns another type on; a private-app token
// that lacks a type's scopes still connects (contacts work) and the settings name exactly the
// scopes that type misses; the OAuth link asks only for the types the workspace has enabled.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { syncNow } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../test/support/service.js';
import { OBJECT_TYPE_SCOPES, OWNERS_SCOPE } from './object-scopes.js';

const W = '/api/workspaces/default';
const REDIRECT = 'http://127.0.0.1/api/oauth/hubspot/callback';
const CONTACT_SCOPES = [...OBJECT_TYPE_SCOPES.contacts];

let sandbox: RunningSandbox;
let ts: TestService;
let admin: ApiClient;

interface TypeState {
  objectType: string;
  enabled: boolean;
  requiredScopes: string[];
  missingScopes: string[];
}
interface Settings {
  syncCompanies: boolean;
  syncDeals: boolean;
  syncActivities: boolean;
  objectTypes: TypeState[];
}

beforeAll(async () => {
  sandbox = await startSandbox();
  const app = sandbox.control.createOAuthApp({ redirectUris: [REDIRECT] });
  ts = await startTestService({
    env: {
      HUBSPOT_BASE_URL: sandbox.baseUrl,
      HUBSPOT_CLIENT_ID: app.clientId,
      HUBSPOT_CLIENT_SECRET: app.clientSecret,
      HUBSPOT_REDIRECT_URL: REDIRECT,
      HUBSPOT_AUTHORIZE_URL: `${sandbox.baseUrl}/oauth/authorize`,
    },
  });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  await ts?.close();
  await sandbox?.close();
});

const settings = async () => (await admin.get<Settings>(`${W}/hubspot/settings`)).body;
const stateOf = (s: Settings, type: string) => s.objectTypes.find((t) => t.objectType === type)!;
const oauthScopes = async () => {
  const started = await admin.post<{ url: string }>(`${W}/hubspot/oauth/start`, {});
  expect(started.status).toBe(200);
  const url = new URL(started.body.url);
  return { scope: url.searchParams.get('scope')!.split(' ').sort(), optional: url.searchParams.get('optional_scope')!.split(' ').sort() };
};

it('syncs contacts only until an admin turns a type on, and asks OAuth for the enabled types only', async () => {
  const initial = await settings();
  expect(initial).toMatchObject({ syncCompanies: false, syncDeals: false, syncActivities: false });
  expect(initial.objectTypes.map((t) => [t.objectType, t.enabled, t.missingScopes])).toEqual([
    ['contacts', true, []],
    ['companies', false, []],
    ['deals', false, []],
    ['notes', false, []],
  ]);
  expect(stateOf(initial, 'deals').requiredScopes).toEqual(['crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.deals.read', 'crm.schemas.deals.write']);

  // Seed 004: the install asks for contacts and nothing it does not use.
  const before = await oauthScopes();
  expect(before.scope).toEqual(['oauth', ...CONTACT_SCOPES].sort());
  expect(before.optional).toEqual(['crm.schemas.contacts.write', OWNERS_SCOPE].sort());
  expect(before.scope.some((s) => s.includes('deals') || s.includes('companies'))).toBe(false);

  const saved = await admin.patch<Settings>(`${W}/hubspot/settings`, { syncCompanies: true });
  expect(saved.status).toBe(200);
  expect(stateOf(saved.body, 'companies').enabled).toBe(true);
  const after = await oauthScopes();
  expect(after.scope).toEqual(['oauth', ...new Set([...CONTACT_SCOPES, ...OBJECT_TYPE_SCOPES.companies])].sort());
  expect(after.scope.some((s) => s.includes('deals'))).toBe(false);

  const audit = await admin.get<{ entries: { details: { changes: Record<string, unknown> } }[] }>(`${W}/audit-log?action=hubspot.sync_settings_changed`);
  expect(audit.body.entries[0]!.details.changes).toEqual({ syncCompanies: { from: false, to: true } });
});

it('connects a token without the deals scopes and names exactly the ones deals miss; contacts keep working', async () => {
  const { portalId } = sandbox.control.createPortal({});
  const granted = [...CONTACT_SCOPES, ...OBJECT_TYPE_SCOPES.companies, 'crm.objects.deals.read'];
  const { token } = sandbox.control.createPrivateAppToken({ portalId, scopes: granted });
  const connected = await admin.request<{ status: string }>('PUT', `${W}/hubspot/connection`, { accessToken: token });
  expect(connected.status).toBe(200);
  expect(connected.body.status).toBe('connected');

  const saved = await admin.patch<Settings>(`${W}/hubspot/settings`, { syncDeals: true, syncActivities: true });
  expect(saved.status).toBe(200);
  expect(saved.body.objectTypes.map((t) => [t.objectType, t.enabled, t.missingScopes])).toEqual([
    ['contacts', true, []],
    ['companies', true, []],
    ['deals', true, ['crm.objects.deals.write', 'crm.schemas.deals.read', 'crm.schemas.deals.write']],
    ['notes', true, []],
  ]);

  // Contacts still sync with this token.
  await admin.post(`${W}/customers`, { email: 'scoped@example.com', firstName: 'Scoped' });
  expect((await syncNow(admin)).status).toBe('succeeded');
  expect(sandbox.control.listObjects(portalId, 'contacts').map((c) => c.properties['email'])).toEqual(['scoped@example.com']);
});

it('lets members read the object types but only admins change them', async () => {
  const member = await inviteMember(admin, ts.url, 'default', { email: 'reader@example.com', role: 'member', password: 'reader-password-1' });
  expect((await member.get<Settings>(`${W}/hubspot/settings`)).status).toBe(200);
  const refused = await member.patch(`${W}/hubspot/settings`, { syncDeals: false });
  expect(refused.status).toBe(403);
  const bad = await admin.patch<{ error: { code: string } }>(`${W}/hubspot/settings`, { syncDeals: 'yes' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  expect((await settings()).syncDeals).toBe(true);
});
