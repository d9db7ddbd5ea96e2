// Companies on the on-change push: an organization created or edited reaches HubSpot without
// Sync now, and a customer linked to it then is pushed with its association — companies drained
// before contacts by the same `sync.flush` jobs. Against the sandbox over real HTTP.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';

const W = '/api/workspaces/default';
const KEY = 'hubsync_organization_id';

let env: SandboxedService;

beforeAll(async () => {
  env = await startSandboxedService({ onChangePush: true });
  const r = await env.admin.request('PATCH', `${W}/hubspot/settings`, { syncCompanies: true, pushCompaniesOnChange: true, pushContactsOnChange: true });
  expect(r.status).toBe(200);
});
afterAll(async () => env?.close());

async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const companyOf = (organizationId: string) => env.sandbox.control.listObjects(env.portalId, 'companies').find((c) => c.properties[KEY] === organizationId);

it('pushes a new or edited organization without Sync now, then the customer linked to it with its association', async () => {
  const created = await env.admin.post<{ id: string }>(`${W}/organizations`, { name: 'On change Co', domain: 'onchange.example.com' });
  expect(created.status).toBe(201);
  const company = await eventually(() => companyOf(created.body.id), 'the company');
  expect(company.properties).toMatchObject({ name: 'On change Co', domain: 'onchange.example.com' });

  await env.admin.patch(`${W}/organizations/${created.body.id}`, { city: 'Oslo' });
  await eventually(() => (companyOf(created.body.id)?.properties['city'] === 'Oslo' ? true : undefined), 'the edit');

  const customer = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'onchange@example.com', organizationIds: [created.body.id] });
  const contactId = await eventually(async () => {
    const read = await env.admin.get<{ sync: { status: string; hubspotId: string | null } }>(`${W}/customers/${customer.body.id}`);
    return read.body.sync.status === 'synced' ? read.body.sync.hubspotId! : undefined;
  }, 'the contact');
  const response = await fetch(`${env.sandbox.baseUrl}/crm/v4/objects/contacts/${contactId}/associations/companies`, { headers: { authorization: `Bearer ${env.token}` } });
  const body = (await response.json()) as { results: { toObjectId: number; associationTypes: { typeId: number }[] }[] };
  expect(body.results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.typeId).sort((a, b) => a - b)])).toEqual([[company.id, [1, 279]]]);
}, 60_000);
