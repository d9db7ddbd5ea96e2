// Closed Won and association changes arriving by webhook, end to end on the test database
// (SQLite or PostgreSQL): the sandbox's HubSpot app delivers signed webhooks to the running
// service, whose `sync.webhook` job reads the records by id. A `deal.propertyChange` of
// `dealstage` into the won stage of a custom pipeline brings the deal's contact in although its
// lifecycle stage is outside the import filter, with a company no pull had read yet, and the sync
// log says why; a `contact.associationChange` links a customer to its new organization.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectThroughOAuth, startSandboxedService, type SandboxedService } from '../../../test/support/sandboxed.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';

const W = '/api/workspaces/default';

let env: SandboxedService;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  env = await startSandboxedService({
    oauth: { subscriptions: [{ subscriptionType: 'deal.propertyChange', propertyName: 'dealstage' }, { subscriptionType: 'contact.associationChange' }] },
    sandbox: { webhookBatchDelayMs: 20 },
    connect: false,
  });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  // Companies and deals on before connecting: the app then asks for their scopes too.
  expect((await env.admin.patch(`${W}/hubspot/settings`, { syncCompanies: true, syncDeals: true })).status).toBe(200);
  await connectThroughOAuth(env.sandbox, env.ts.url, env.admin, env.portalId);
  env.sandbox.control.setWebhooks(env.app!.clientId, { webhookUrl: `${env.ts.url}/api/hubspot/webhooks` });
});
afterEach(async () => env?.close());

async function hubspot(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.sandbox.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}
const toContact = (id: string) => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] });
async function create(type: 'contacts' | 'companies' | 'deals', properties: Record<string, string>, associations: unknown[] = []): Promise<string> {
  return String((await hubspot('POST', `/crm/v3/objects/${type}`, { properties, associations }))['id']);
}
const byLink = (table: 'customers' | 'organizations' | 'deals', hubspotId: string) => db.selectFrom(table).selectAll().where('workspace_id', '=', workspaceId).where('hubspot_id', '=', hubspotId).executeTakeFirst();
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const drained = async () => (await db.selectFrom('inbound_changes').selectAll().execute()).length === 0;
async function organizationsOf(customerId: string): Promise<string[]> {
  const rows = await db.selectFrom('customer_organizations as l').innerJoin('organizations as o', 'o.id', 'l.organization_id').select('o.hubspot_id').where('l.customer_id', '=', customerId).execute();
  return rows.map((r) => r.hubspot_id!).sort();
}

describe('webhooks', () => {
  it('a deal moved to Closed Won in a custom pipeline brings its contact in, outside the import filter, with a company no pull read yet', async () => {
    const pipeline = env.sandbox.control.addDealPipeline(env.portalId, {
      label: 'Partners',
      stages: [
        { id: 'talks', label: 'Talks', probability: 0.3 },
        { id: 'contract', label: 'Contract signed', probability: 1, isClosed: true },
      ],
    });
    const mapped = await env.admin.request('PUT', `${W}/hubspot/deal-stages`, {
      mappings: [
        { pipeline: 'default', stage: 'talks', hubspotPipelineId: pipeline.id, hubspotStageId: 'talks' },
        { pipeline: 'default', stage: 'won', hubspotPipelineId: pipeline.id, hubspotStageId: 'contract' },
      ],
    });
    expect(mapped.status).toBe(200);
    const lead = await create('contacts', { email: 'prospect@example.com', firstname: 'Pia', lifecyclestage: 'marketingqualifiedlead' });
    const deal = await create('deals', { dealname: 'Partnership', pipeline: pipeline.id, dealstage: 'talks' }, [toContact(lead)]);
    // No poll: the initial reconcile's pull, then webhooks only.
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440 })).status).toBe(200);
    await env.ts.service.context.pull.pull(workspaceId);
    expect(await byLink('customers', lead)).toBeUndefined();
    expect(await byLink('deals', deal)).toBeDefined();

    // A company made since (no company webhook, no pull): the import reads it by id.
    const company = await create('companies', { name: 'Pia GmbH', domain: 'pia.example' });
    await hubspot('PUT', `/crm/v4/objects/contacts/${lead}/associations/default/companies/${company}`);
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect(await byLink('customers', lead)).toBeUndefined();
    const pipelineReads = calls('GET /crm/v3/pipelines/deals');
    const companyReads = calls('POST /crm/v3/objects/companies/batch/read');

    await hubspot('PATCH', `/crm/v3/objects/deals/${deal}`, { properties: { dealstage: 'contract' } });
    await expect.poll(async () => (await byLink('customers', lead))?.email ?? null, { timeout: 10_000 }).toBe('prospect@example.com');
    const customer = (await byLink('customers', lead))!;
    expect(customer).toMatchObject({ lifecycle_stage: 'marketingqualifiedlead', sync_status: 'synced' });
    expect(await byLink('organizations', company)).toMatchObject({ name: 'Pia GmbH', sync_status: 'synced' });
    expect(await organizationsOf(customer.id)).toEqual([company]);
    const won = (await byLink('deals', deal))!;
    expect(won).toMatchObject({ stage: 'won', sync_status: 'synced' });
    expect((await db.selectFrom('deal_customers').select('customer_id').where('deal_id', '=', won.id).execute()).map((r) => r.customer_id)).toEqual([customer.id]);
    expect(calls('GET /crm/v3/pipelines/deals') - pipelineReads).toBe(1);
    expect(calls('POST /crm/v3/objects/companies/batch/read') - companyReads).toBe(1);

    // The sync log says why the contact came in, on a webhook run.
    const attempts = await db.selectFrom('sync_attempts').innerJoin('sync_runs', 'sync_runs.id', 'sync_attempts.run_id').select(['sync_attempts.message', 'sync_attempts.operation', 'sync_attempts.direction', 'sync_runs.trigger']).where('sync_attempts.hubspot_id', '=', lead).execute();
    expect(attempts).toEqual([{ message: expect.stringMatching(/^Imported because HubSpot deal \d+ "Partnership" reached Closed Won \(stage "Contract signed" of pipeline "Partners"\)/), operation: 'create', direction: 'pull', trigger: 'webhook' }]);
  });

  it('with deals not synced, a deal reaching Closed Won still brings its contact in; the deal stays out', async () => {
    // The connection can read deals (granted while they were on), but they are not synced now.
    expect((await env.admin.patch(`${W}/hubspot/settings`, { syncDeals: false, twoWay: true, pollIntervalMinutes: 1440 })).status).toBe(200);
    const lead = await create('contacts', { email: 'late@example.com', firstname: 'Lara', lifecyclestage: 'lead' });
    const deal = await create('deals', { dealname: 'Quiet', pipeline: 'default', dealstage: 'qualifiedtobuy' }, [toContact(lead)]);
    await env.ts.service.context.pull.pull(workspaceId);
    expect(await byLink('customers', lead)).toBeUndefined();

    await hubspot('PATCH', `/crm/v3/objects/deals/${deal}`, { properties: { dealstage: 'closedwon' } });
    await expect.poll(async () => (await byLink('customers', lead))?.lifecycle_stage ?? null, { timeout: 10_000 }).toBe('lead');
    expect(await byLink('deals', deal)).toBeUndefined();
    // A stage change into a stage that is not won brings nobody.
    const other = await create('contacts', { email: 'open@example.com', lifecyclestage: 'lead' });
    const open = await create('deals', { dealname: 'Open', pipeline: 'default', dealstage: 'qualifiedtobuy' }, [toContact(other)]);
    await hubspot('PATCH', `/crm/v3/objects/deals/${open}`, { properties: { dealstage: 'contractsent' } });
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect.poll(drained, { timeout: 10_000 }).toBe(true);
    expect(await byLink('customers', other)).toBeUndefined();
  });

  it('an association made in HubSpot links the customer to the organization, read by id', async () => {
    expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true, pollIntervalMinutes: 1440 })).status).toBe(200);
    const contact = await create('contacts', { email: 'cust@example.com', lifecyclestage: 'customer' });
    const company = await create('companies', { name: 'Cust AG', domain: 'cust.example' });
    await env.ts.service.context.pull.pull(workspaceId);
    const customer = (await byLink('customers', contact))!;
    expect(await organizationsOf(customer.id)).toEqual([]);
    const reads = calls('POST /crm/v4/associations/contacts/companies/batch/read');
    const searches = calls('POST /crm/v3/objects/contacts/search');

    await hubspot('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${company}`);
    await expect.poll(async () => organizationsOf(customer.id), { timeout: 10_000 }).toEqual([company]);
    expect(calls('POST /crm/v4/associations/contacts/companies/batch/read') - reads).toBe(1);
    expect(calls('POST /crm/v3/objects/contacts/search')).toBe(searches);
    expect((await byLink('customers', contact))!.sync_status).toBe('synced');

    // …and removed again.
    await hubspot('DELETE', `/crm/v4/objects/contacts/${contact}/associations/companies/${company}`);
    await expect.poll(async () => organizationsOf(customer.id), { timeout: 10_000 }).toEqual([]);
    expect((await byLink('customers', contact))!.sync_status).toBe('synced');
  });
});
