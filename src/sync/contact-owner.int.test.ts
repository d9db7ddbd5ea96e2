// A customer's owner pushed as its contact's `hubspot_owner_id`, through the public API against
// the sandbox over real HTTP: the linked HubSpot owner is sent; an owner linked to no HubSpot
// owner is left out with a note on the success; linking it makes the customer Needs update and
// the next run sends it; removing the owner clears it in HubSpot; a customer never given an
// owner here leaves the owner HubSpot holds alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { ADMIN_EMAIL, inviteMember } from '../../test/support/service.js';

const W = '/api/workspaces/default';
const OWNER = 'hubspot_owner_id';

interface Attempt {
  recordId: string;
  objectType: string;
  outcome: string;
  message: string | null;
}

let env: SandboxedService;
let adminId: string;
let repId: string;
let adminOwner: string;
let repOwner: string;

const contactOf = (email: string) => env.sandbox.control.listObjects(env.portalId, 'contacts').find((c) => c.properties['email'] === email);
const statusOf = async (id: string) => (await env.admin.get<{ sync: { status: string } }>(`${W}/customers/${id}`)).body.sync.status;
const attempts = async (runId: unknown) => (await env.admin.get<{ attempts: Attempt[] }>(`${W}/sync/runs/${String(runId)}/attempts?limit=500`)).body.attempts;
const link = async (ownerId: string, userId: string | null) => expect((await env.admin.request('PUT', `${W}/hubspot/owners/${ownerId}`, { userId })).status).toBe(200);

async function createCustomer(body: Record<string, unknown>): Promise<string> {
  const created = await env.admin.post<{ id: string }>(`${W}/customers`, body);
  expect(created.status).toBe(201);
  return created.body.id;
}

beforeAll(async () => {
  env = await startSandboxedService();
  await inviteMember(env.admin, env.ts.url, 'default', { email: 'rep@example.com', role: 'member', password: 'sales-rep-password-1' });
  const users = (await env.admin.get<{ users: { id: string; email: string }[] }>(`${W}/users`)).body.users;
  adminId = users.find((u) => u.email === ADMIN_EMAIL)!.id;
  repId = users.find((u) => u.email === 'rep@example.com')!.id;
  adminOwner = env.sandbox.control.addOwner(env.portalId, { email: ADMIN_EMAIL, firstName: 'Ada' }).id;
  repOwner = env.sandbox.control.addOwner(env.portalId, { email: 'rep@example.com', firstName: 'Rep' }).id;
  expect((await env.admin.post(`${W}/hubspot/owners/refresh`)).status).toBe(200);
  await link(adminOwner, adminId);
});
afterAll(async () => env?.close());

it('pushes the linked owner; an owner linked to no HubSpot owner is left out with a note; a customer never owned here keeps the owner HubSpot holds', async () => {
  // A contact HubSpot already holds, owned there by the rep's HubSpot owner.
  env.sandbox.control.seedObjects(env.portalId, 'contacts', [{ email: 'kept@example.com', [OWNER]: repOwner }]);
  const owned = await createCustomer({ email: 'owned@example.com', ownerUserId: adminId });
  const unlinked = await createCustomer({ email: 'unlinked@example.com', ownerUserId: repId });
  const kept = await createCustomer({ email: 'kept@example.com', firstName: 'Kept' });

  const run = await syncNow(env.admin);

  expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
  expect(contactOf('owned@example.com')!.properties[OWNER]).toBe(adminOwner);
  expect(contactOf('unlinked@example.com')!.properties[OWNER] ?? '').toBe('');
  expect(contactOf('kept@example.com')!.properties).toMatchObject({ firstname: 'Kept', [OWNER]: repOwner });
  const log = await attempts(run['id']);
  expect(log.find((a) => a.recordId === unlinked)).toMatchObject({ objectType: 'contacts', outcome: 'success', message: expect.stringContaining('linked to no HubSpot owner') });
  expect(log.find((a) => a.recordId === owned)).toMatchObject({ outcome: 'success', message: null });
  // The stored hash is the one the run sent: all three read Synced.
  for (const id of [owned, unlinked, kept]) expect(await statusOf(id)).toBe('synced');
});

it('linking the owner makes its customers Needs update, and the next run sends the owner', async () => {
  const unlinked = (await env.admin.get<{ customers: { id: string }[] }>(`${W}/customers?email=unlinked@example.com`)).body.customers[0]!.id;
  await link(repOwner, repId);
  expect(await statusOf(unlinked)).toBe('needs_update');

  const run = await syncNow(env.admin);

  expect(run).toMatchObject({ status: 'succeeded', processed: 1, failed: 0 });
  expect(contactOf('unlinked@example.com')!.properties[OWNER]).toBe(repOwner);
  expect(await statusOf(unlinked)).toBe('synced');
  expect((await attempts(run['id'])).find((a) => a.recordId === unlinked)!.message).toBeNull();
});

it('removing the owner here clears it in HubSpot', async () => {
  const owned = (await env.admin.get<{ customers: { id: string }[] }>(`${W}/customers?email=owned@example.com`)).body.customers[0]!.id;
  expect((await env.admin.patch(`${W}/customers/${owned}`, { ownerUserId: null })).status).toBe(200);
  expect(await statusOf(owned)).toBe('needs_update');

  expect(await syncNow(env.admin)).toMatchObject({ status: 'succeeded', processed: 1, failed: 0 });

  expect(contactOf('owned@example.com')!.properties[OWNER] ?? '').toBe('');
  expect(await statusOf(owned)).toBe('synced');
});

it('keeps hubspot_owner_id out of the contacts mapping: not offered, and refused when asked', async () => {
  const view = await env.admin.get<{ properties: { name: string }[]; fields: { field: string; property: string | null }[] }>(`${W}/hubspot/mapping?objectType=contacts`);
  expect(view.status).toBe(200);
  expect(view.body.properties.map((p) => p.name)).not.toContain(OWNER);
  const mappings = { ...Object.fromEntries(view.body.fields.map((f) => [f.field, f.property])), companyName: OWNER };
  const saved = await env.admin.request('PUT', `${W}/hubspot/mapping?objectType=contacts`, { mappings });
  expect(saved.status).toBe(422);
  expect(JSON.stringify(saved.body)).toContain('filled by hubsync itself');
});
