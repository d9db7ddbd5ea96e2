// HubSpot owners through the public API against the sandbox over real HTTP: read from the
// portal (active and archived), suggested by email, linked and moved by admins (audited), an
// owner HubSpot archived reported instead of pushed, and a token without the owners scope
// refused with the scope named.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, inviteMember, type ApiClient } from '../../test/support/service.js';
import { findWorkspaceBySlug } from '../store/index.js';
import { ownerIdsFor } from './owners.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
let member: ApiClient;
let memberId: string;
let adminId: string;

interface Owner {
  ownerId: string;
  email: string | null;
  archived: boolean;
  userId: string | null;
  suggestedUserId: string | null;
}
type Owners = { owners: Owner[] };

beforeAll(async () => {
  env = await startSandboxedService();
  member = await inviteMember(env.admin, env.ts.url, 'default', { email: 'Sales.Rep@example.com', role: 'member', password: 'sales-rep-password-1' });
  const members = (await env.admin.get<{ users: { id: string; email: string }[] }>(`${W}/users`)).body.users;
  adminId = members.find((m) => m.email === ADMIN_EMAIL)!.id;
  memberId = members.find((m) => m.email === 'Sales.Rep@example.com')!.id;
});
afterAll(async () => env?.close());

const byEmail = (owners: Owner[], email: string) => owners.find((o) => o.email === email)!;

it('reads active and archived owners, suggests members by email, and links the suggestions', async () => {
  expect((await env.admin.get<Owners>(`${W}/hubspot/owners`)).body.owners).toEqual([]);
  const control = env.sandbox.control;
  const rep = control.addOwner(env.portalId, { email: 'sales.rep@EXAMPLE.com', firstName: 'Sal', lastName: 'Rep' });
  control.addOwner(env.portalId, { email: ADMIN_EMAIL, firstName: 'Ada', lastName: 'Min' });
  control.addOwner(env.portalId, { email: 'stranger@example.com', firstName: 'Stran', lastName: 'Ger' });
  const gone = control.addOwner(env.portalId, { email: 'left@example.com', firstName: 'Left', lastName: 'Company' });
  control.archiveOwner(env.portalId, gone.id);
  const inHubSpot = control.listOwners(env.portalId);

  const read = await env.admin.post<Owners>(`${W}/hubspot/owners/refresh`);
  expect(read.status).toBe(200);
  expect(read.body.owners.map((o) => o.ownerId).sort()).toEqual(inHubSpot.map((o) => o.id).sort());
  expect(byEmail(read.body.owners, 'left@example.com').archived).toBe(true);
  expect(byEmail(read.body.owners, 'sales.rep@EXAMPLE.com')).toMatchObject({ ownerId: rep.id, userId: null, suggestedUserId: memberId });
  expect(byEmail(read.body.owners, ADMIN_EMAIL).suggestedUserId).toBe(adminId);
  expect(byEmail(read.body.owners, 'stranger@example.com').suggestedUserId).toBeNull();

  const linked = await env.admin.post<Owners>(`${W}/hubspot/owners/link-suggested`);
  expect(linked.status).toBe(200);
  expect(byEmail(linked.body.owners, 'sales.rep@EXAMPLE.com')).toMatchObject({ userId: memberId, suggestedUserId: null });
  expect(byEmail(linked.body.owners, ADMIN_EMAIL).userId).toBe(adminId);
  expect(linked.body.owners.filter((o) => o.userId !== null)).toHaveLength(2);
});

it('moves a member to another owner and unlinks, audited; refuses unknown owners, non-members and non-admins', async () => {
  const owners = (await env.admin.get<Owners>(`${W}/hubspot/owners`)).body.owners;
  const stranger = byEmail(owners, 'stranger@example.com');
  const rep = byEmail(owners, 'sales.rep@EXAMPLE.com');
  const moved = await env.admin.request<Owners>('PUT', `${W}/hubspot/owners/${stranger.ownerId}`, { userId: memberId });
  expect(moved.status).toBe(200);
  expect(byEmail(moved.body.owners, 'stranger@example.com').userId).toBe(memberId);
  expect(byEmail(moved.body.owners, 'sales.rep@EXAMPLE.com').userId).toBeNull();
  const audit = await env.admin.get<{ entries: { details: Record<string, unknown> }[] }>(`${W}/audit-log?action=hubspot.owner_linked`);
  expect(audit.body.entries[0]!.details).toEqual({ ownerId: stranger.ownerId, from: null, to: memberId });

  const unlinked = await env.admin.request<Owners>('PUT', `${W}/hubspot/owners/${stranger.ownerId}`, { userId: null });
  expect(byEmail(unlinked.body.owners, 'stranger@example.com').userId).toBeNull();
  // With both unlinked, the suggestion by email comes back.
  expect(byEmail(unlinked.body.owners, 'sales.rep@EXAMPLE.com').suggestedUserId).toBe(memberId);

  const unknown = await env.admin.request<{ error: { code: string } }>('PUT', `${W}/hubspot/owners/999999999`, { userId: memberId });
  expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const stranger2 = await env.admin.request<{ error: { code: string; details: { field: string } } }>('PUT', `${W}/hubspot/owners/${rep.ownerId}`, { userId: 'usr_nobody' });
  expect([stranger2.status, stranger2.body.error.code, stranger2.body.error.details.field]).toEqual([400, 'VALIDATION_FAILED', 'userId']);
  const badId = await env.admin.request<{ error: { code: string } }>('PUT', `${W}/hubspot/owners/not-a-number`, { userId: null });
  expect([badId.status, badId.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  expect((await member.get(`${W}/hubspot/owners`)).status).toBe(403);
  expect((await member.request('PUT', `${W}/hubspot/owners/${rep.ownerId}`, { userId: memberId })).status).toBe(403);
});

it('pushes the linked owner id, and reports an owner HubSpot archived or a user linked to none instead', async () => {
  const owners = (await env.admin.get<Owners>(`${W}/hubspot/owners`)).body.owners;
  const rep = byEmail(owners, 'sales.rep@EXAMPLE.com');
  await env.admin.request('PUT', `${W}/hubspot/owners/${rep.ownerId}`, { userId: memberId });
  const workspace = (await findWorkspaceBySlug(env.ts.service.database.db, 'default'))!;
  const db = env.ts.service.database.db;
  expect(await ownerIdsFor(db, workspace.id, [memberId, adminId])).toEqual(
    new Map([
      [memberId, { ownerId: rep.ownerId }],
      [adminId, { ownerId: byEmail(owners, ADMIN_EMAIL).ownerId }],
    ]),
  );

  env.sandbox.control.archiveOwner(env.portalId, rep.ownerId);
  const reread = (await env.admin.post<Owners>(`${W}/hubspot/owners/refresh`)).body.owners;
  expect(byEmail(reread, 'sales.rep@EXAMPLE.com')).toMatchObject({ archived: true, userId: memberId });
  const resolved = await ownerIdsFor(db, workspace.id, [memberId, 'usr_unlinked']);
  expect(resolved.get(memberId)).toEqual({ problem: `Its owner's HubSpot owner ${rep.ownerId} no longer exists in HubSpot: pushed without an owner.` });
  expect(resolved.get('usr_unlinked')).toEqual({ problem: 'Its owner is linked to no HubSpot owner (Owners tab): pushed without an owner.' });
});

it('refuses to read owners with a token that lacks crm.objects.owners.read, naming it', async () => {
  const scopes = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'];
  const { token } = env.sandbox.control.createPrivateAppToken({ portalId: env.portalId, scopes });
  expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
  const before = env.sandbox.control.counts();
  const refused = await env.admin.post<{ error: { code: string; message: string; details: { missingScopes: string[] } } }>(`${W}/hubspot/owners/refresh`);
  expect(refused.status).toBe(422);
  expect(refused.body.error).toMatchObject({ code: 'HUBSPOT_MISSING_SCOPES', details: { missingScopes: ['crm.objects.owners.read'] } });
  expect(refused.body.error.message).toContain('crm.objects.owners.read');
  // Refused before calling HubSpot; the owners read earlier stay.
  expect(env.sandbox.control.counts()).toEqual(before);
  expect((await env.admin.get<Owners>(`${W}/hubspot/owners`)).body.owners.length).toBeGreaterThan(0);
});
