// Deal stage mapping through the public API against the sandbox over real HTTP: local stages in
// use are listed with the portal's live pipelines and a suggestion each; a saved mapping is
// checked against the live pipelines and audited; the push's resolver sends the saved mapping
// only (a suggestion just prefills the tab); a token without the deals read scope is refused
// naming it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';
import { inviteMember } from '../../test/support/service.js';
import { EMPTY_DEAL } from '../crm/deals/index.js';
import { findWorkspaceBySlug, insertDeals, replaceDealStageMappings, softDeleteDeal, type Db, type Deal } from '../store/index.js';
import { dealCurrentHash, dealStageResolver, loadDealValuesContext } from './deal-values.js';

const W = '/api/workspaces/default';
let env: SandboxedService;
let db: Db;
let workspaceId: string;
let renewals: { id: string; stages: { id: string; label: string }[] };

interface Ref {
  hubspotPipelineId: string;
  hubspotStageId: string;
}
interface View {
  pipelines: { id: string; label: string; stages: { id: string; label: string; closed: boolean; probability: number | null }[] }[];
  stages: { pipeline: string; stage: string; deals: number; mapping: Ref | null; suggested: Ref | null; problem: string | null }[];
  saved: boolean;
}

/** A deal saved through the deals repository as the service saves one, deleted after when asked. */
async function insertDeal(id: string, pipeline: string, stage: string | null, deleted = false): Promise<void> {
  const deal: Deal = {
    ...EMPTY_DEAL,
    id,
    workspaceId,
    externalId: null,
    name: `Deal ${id}`,
    pipeline,
    stage,
    fieldUpdatedAt: {},
    createdAt: 1,
    updatedAt: 1,
    version: 1,
    sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  };
  await insertDeals(db, [{ deal, currentHash: dealCurrentHash(deal, await loadDealValuesContext(db, workspaceId)) }]);
  if (deleted) expect(await softDeleteDeal(db, workspaceId, id, 2)).toBeDefined();
}

beforeAll(async () => {
  env = await startSandboxedService();
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  const added = env.sandbox.control.addDealPipeline(env.portalId, {
    label: 'Renewals',
    stages: [
      { label: 'Renewal due', probability: 0.5 },
      { label: 'Closed lost', probability: 0, isClosed: true },
    ],
  });
  renewals = { id: added.id, stages: added.stages.map((s) => ({ id: s.id, label: s.label })) };
  await insertDeal('deal_1', 'default', 'Won');
  await insertDeal('deal_2', 'default', 'Won');
  await insertDeal('deal_3', 'default', 'qualified to buy');
  await insertDeal('deal_4', 'default', 'Onboarding');
  await insertDeal('deal_5', 'renewals', 'closed-lost');
  await insertDeal('deal_6', 'default', null);
  await insertDeal('deal_7', 'default', 'Deleted stage', true);
});
afterAll(async () => env?.close());

it('lists the stages deals use with the live pipelines and a suggestion each', async () => {
  const { status, body } = await env.admin.get<View>(`${W}/hubspot/deal-stages`);
  expect(status).toBe(200);
  expect(body.saved).toBe(false);
  const sales = body.pipelines.find((p) => p.id === 'default')!;
  expect(sales.stages.find((s) => s.id === 'closedwon')).toEqual({ id: 'closedwon', label: 'Closed Won', closed: true, probability: 1 });
  expect(body.pipelines.map((p) => p.label)).toContain('Renewals');
  const lost = renewals.stages.find((s) => s.label === 'Closed lost')!.id;
  expect(body.stages.map(({ pipeline, stage, deals, mapping, suggested, problem }) => [pipeline, stage, deals, mapping, suggested, problem])).toEqual([
    ['default', 'Onboarding', 1, null, null, null],
    ['default', 'qualified to buy', 1, null, { hubspotPipelineId: 'default', hubspotStageId: 'qualifiedtobuy' }, null],
    ['default', 'Won', 2, null, { hubspotPipelineId: 'default', hubspotStageId: 'closedwon' }, null],
    ['renewals', 'closed-lost', 1, null, { hubspotPipelineId: renewals.id, hubspotStageId: lost }, null],
  ]);
});

it('saves a mapping checked against the live pipelines, audited; the push’s resolver sends only the saved mapping', async () => {
  const due = renewals.stages.find((s) => s.label === 'Renewal due')!.id;
  const wrongPipeline = await env.admin.request<{ error: { code: string; details: { field: string } } }>('PUT', `${W}/hubspot/deal-stages`, {
    mappings: [{ pipeline: 'default', stage: 'Onboarding', hubspotPipelineId: 'default', hubspotStageId: due }],
  });
  expect([wrongPipeline.status, wrongPipeline.body.error.code, wrongPipeline.body.error.details.field]).toEqual([400, 'VALIDATION_FAILED', 'mappings.0.hubspotStageId']);
  const unknownPipeline = await env.admin.request<{ error: { details: { field: string } } }>('PUT', `${W}/hubspot/deal-stages`, {
    mappings: [{ pipeline: 'default', stage: 'Won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' }, { pipeline: 'default', stage: 'Onboarding', hubspotPipelineId: 'nope', hubspotStageId: 'x' }],
  });
  expect(unknownPipeline.body.error.details.field).toBe('mappings.1.hubspotPipelineId');
  const twice = await env.admin.request<{ error: { details: { field: string } } }>('PUT', `${W}/hubspot/deal-stages`, {
    mappings: [
      { pipeline: 'default', stage: 'Won', hubspotPipelineId: 'default', hubspotStageId: 'closedwon' },
      { pipeline: 'default', stage: 'Won', hubspotPipelineId: 'default', hubspotStageId: 'closedlost' },
    ],
  });
  expect(twice.body.error.details.field).toBe('mappings.1');
  expect((await env.admin.get<View>(`${W}/hubspot/deal-stages`)).body.saved).toBe(false);

  const saved = await env.admin.request<View>('PUT', `${W}/hubspot/deal-stages`, {
    mappings: [
      { pipeline: 'default', stage: 'Onboarding', hubspotPipelineId: renewals.id, hubspotStageId: due },
      { pipeline: 'default', stage: 'Won', hubspotPipelineId: 'default', hubspotStageId: 'contractsent' },
    ],
  });
  expect(saved.status).toBe(200);
  expect(saved.body.saved).toBe(true);
  expect(saved.body.stages.find((s) => s.stage === 'Onboarding')!.mapping).toEqual({ hubspotPipelineId: renewals.id, hubspotStageId: due });
  const audit = await env.admin.get<{ entries: { details: { from: unknown[]; to: unknown[] } }[] }>(`${W}/audit-log?action=hubspot.deal_stages_saved`);
  expect(audit.body.entries).toHaveLength(1);
  expect(audit.body.entries[0]!.details.from).toEqual([]);
  expect(audit.body.entries[0]!.details.to).toHaveLength(2);

  const resolve = await dealStageResolver(db, workspaceId);
  // The saved mapping is what the push sends (Won would suggest closedwon).
  expect(resolve('default', 'Won')).toEqual({ hubspotPipelineId: 'default', hubspotStageId: 'contractsent' });
  expect(resolve('default', 'Onboarding')).toEqual({ hubspotPipelineId: renewals.id, hubspotStageId: due });
  // A suggestion is not sent until it is saved; an unknown stage has nothing to send.
  expect(resolve('default', 'qualified to buy')).toBeNull();
  expect(resolve('default', 'Never heard of')).toBeNull();

  // A mapping to a stage HubSpot no longer has is reported in the view (HubSpot refuses the deal's push with its own message).
  await replaceDealStageMappings(db, workspaceId, [{ pipeline: 'default', stage: 'Won', hubspotPipelineId: 'default', hubspotStageId: 'gone' }], Date.now());
  expect((await env.admin.get<View>(`${W}/hubspot/deal-stages`)).body.stages.find((s) => s.stage === 'Won')!.problem).toBe('HubSpot no longer has stage gone in pipeline default: map it again.');
});

it('refuses members, and a token without crm.objects.deals.read before calling HubSpot', async () => {
  const member = await inviteMember(env.admin, env.ts.url, 'default', { email: 'stages-member@example.com', role: 'member', password: 'stages-member-pw-1' });
  expect((await member.get(`${W}/hubspot/deal-stages`)).status).toBe(403);
  const { token } = env.sandbox.control.createPrivateAppToken({ portalId: env.portalId, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'] });
  expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
  const before = env.sandbox.control.counts();
  const refused = await env.admin.get<{ error: { code: string; details: { missingScopes: string[] } } }>(`${W}/hubspot/deal-stages`);
  expect([refused.status, refused.body.error.code, refused.body.error.details.missingScopes]).toEqual([422, 'HUBSPOT_MISSING_SCOPES', ['crm.objects.deals.read']]);
  expect(env.sandbox.control.counts()).toEqual(before);
});
