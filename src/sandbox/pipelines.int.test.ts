// Deal pipelines over real HTTP: the default pipeline with its stages' metadata, pipelines
// added through the control API, the `pipeline`/`dealstage` options that follow them, and
// deals whose stage must belong to their pipeline (sent, stored or default).

import { describe, expect, it } from 'vitest';
import { sandboxCaller, useSandbox } from './testing.js';

type Stage = { id: string; label: string; displayOrder: number; metadata: { isClosed: string; probability: string }; archived: boolean };
type Pipeline = { id: string; label: string; displayOrder: number; stages: Stage[]; archived: boolean };
type Err = { category: string; message: string };

const sb = useSandbox();
const { call, anon: control } = sb;

async function addRenewals(): Promise<Pipeline> {
  const res = await control<Pipeline>('POST', `/_sandbox/portals/${sb.portalId}/pipelines/deals`, {
    label: 'Renewals',
    stages: [
      { label: 'Up for renewal', probability: 0.5 },
      { id: 'renewed', label: 'Renewed', probability: 1, isClosed: true },
      { label: 'Churned', probability: 0, isClosed: true },
    ],
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('deal pipelines', () => {
  it('every portal has the default Sales Pipeline with closed/probability metadata', async () => {
    const res = await call<{ results: Pipeline[] }>('GET', '/crm/v3/pipelines/deals');
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(1);
    const sales = res.body.results[0]!;
    expect(sales).toMatchObject({ id: 'default', label: 'Sales Pipeline', archived: false });
    expect(sales.stages.map((s) => s.id)).toEqual(['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost']);
    expect(sales.stages.find((s) => s.id === 'closedwon')!.metadata).toEqual({ isClosed: 'true', probability: '1.0' });
    expect(sales.stages.find((s) => s.id === 'closedlost')!.metadata).toEqual({ isClosed: 'true', probability: '0.0' });
    expect(sales.stages.find((s) => s.id === 'contractsent')!.metadata).toEqual({ isClosed: 'false', probability: '0.9' });
  });

  it('a pipeline added through the control API is served and its ids become property options', async () => {
    const renewals = await addRenewals();
    expect(renewals.id).toMatch(/^\d+$/);
    expect(renewals.stages.map((s) => s.metadata)).toEqual([
      { isClosed: 'false', probability: '0.5' },
      { isClosed: 'true', probability: '1' },
      { isClosed: 'true', probability: '0' },
    ]);
    const list = await call<{ results: Pipeline[] }>('GET', '/crm/v3/pipelines/deals');
    expect(list.body.results.map((p) => p.id)).toEqual(['default', renewals.id]);
    expect((await call<Pipeline>('GET', `/crm/v3/pipelines/deals/${renewals.id}`)).body.label).toBe('Renewals');
    expect((await call<{ results: Stage[] }>('GET', `/crm/v3/pipelines/deals/${renewals.id}/stages`)).body.results).toHaveLength(3);
    const pipelineProp = await call<{ options: { value: string }[] }>('GET', '/crm/v3/properties/deals/pipeline');
    expect(pipelineProp.body.options.map((o) => o.value)).toEqual(['default', renewals.id]);
    const stageProp = await call<{ options: { value: string }[] }>('GET', '/crm/v3/properties/deals/dealstage');
    expect(stageProp.body.options.map((o) => o.value)).toContain('renewed');
    // A second portal does not see it.
    const other = sandboxCaller(sb.baseUrl, sb.control.createPrivateAppToken({ tier: 'unlimited' }).token);
    expect((await other<{ results: Pipeline[] }>('GET', '/crm/v3/pipelines/deals')).body.results).toHaveLength(1);
    // Taken ids and empty pipelines are refused.
    expect((await control('POST', `/_sandbox/portals/${sb.portalId}/pipelines/deals`, { label: 'X', stages: [{ id: 'renewed', label: 'R', probability: 1 }] })).status).toBe(409);
    expect((await control('POST', `/_sandbox/portals/${sb.portalId}/pipelines/deals`, { label: 'X', stages: [] })).status).toBe(400);
  });

  it('a deal stage must exist and belong to the pipeline sent, the deal\'s own, or the default one', async () => {
    const renewals = await addRenewals();
    const unknown = await call<Err>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D', pipeline: 'default', dealstage: 'nosuchstage' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.category).toBe('VALIDATION_ERROR');
    expect(unknown.body.message).toContain('"error":"INVALID_OPTION"');
    expect(unknown.body.message).toContain('"name":"dealstage"');
    const unknownPipeline = await call<Err>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D', pipeline: 'nope', dealstage: 'closedwon' } });
    expect(unknownPipeline.status).toBe(400);
    expect(unknownPipeline.body.message).toContain('"name":"pipeline"');
    const wrongPipeline = await call<Err>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D', pipeline: renewals.id, dealstage: 'closedwon' } });
    expect(wrongPipeline.status).toBe(400);
    // No pipeline sent: the default pipeline's stages.
    expect((await call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D', dealstage: 'renewed' } })).status).toBe(400);
    expect((await call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'D', dealstage: 'closedwon' } })).status).toBe(201);

    const deal = await call<{ id: string }>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'R', pipeline: renewals.id, dealstage: 'renewed' } });
    expect(deal.status).toBe(201);
    // A stage-only update is checked against the deal's own pipeline.
    expect((await call('PATCH', `/crm/v3/objects/deals/${deal.body.id}`, { properties: { dealstage: 'closedwon' } })).status).toBe(400);
    const moved = await call('PATCH', `/crm/v3/objects/deals/${deal.body.id}`, { properties: { dealstage: renewals.stages[2]!.id } });
    expect(moved.status).toBe(200);
    const batch = await call<{ errors?: unknown[] }>('POST', '/crm/v3/objects/deals/batch/update', { inputs: [{ id: deal.body.id, properties: { dealstage: 'closedlost' } }] });
    expect(batch.status).toBe(207);
    expect((await call('PATCH', `/crm/v3/objects/deals/${deal.body.id}`, { properties: { pipeline: 'default', dealstage: 'closedlost' } })).status).toBe(200);
  });

  it('deals carry HubSpot\'s calculated hs_is_closed and hs_is_closed_won from their stage', async () => {
    const renewals = await addRenewals();
    type Deal = { id: string; properties: Record<string, string | null> };
    const flags = async (id: string) => {
      const res = await call<Deal>('GET', `/crm/v3/objects/deals/${id}?properties=hs_is_closed,hs_is_closed_won`);
      return [res.body.properties['hs_is_closed'], res.body.properties['hs_is_closed_won']];
    };
    const open = await call<Deal>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'O', pipeline: 'default', dealstage: 'appointmentscheduled' } });
    expect(await flags(open.body.id)).toEqual(['false', 'false']);
    expect((await call('PATCH', `/crm/v3/objects/deals/${open.body.id}`, { properties: { dealstage: 'closedwon' } })).status).toBe(200);
    expect(await flags(open.body.id)).toEqual(['true', 'true']);
    await call('PATCH', `/crm/v3/objects/deals/${open.body.id}`, { properties: { dealstage: 'closedlost' } });
    expect(await flags(open.body.id)).toEqual(['true', 'false']);
    const renewed = await call<Deal>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'R', pipeline: renewals.id, dealstage: 'renewed' } });
    expect(await flags(renewed.body.id)).toEqual(['true', 'true']);
    const noStage = await call<Deal>('POST', '/crm/v3/objects/deals', { properties: { dealname: 'N' } });
    expect(await flags(noStage.body.id)).toEqual([null, null]);
    // Read-only: a write is refused; search finds won deals.
    expect((await call('PATCH', `/crm/v3/objects/deals/${noStage.body.id}`, { properties: { hs_is_closed_won: 'true' } })).status).toBe(400);
    const won = await call<{ results: Deal[] }>('POST', '/crm/v3/objects/deals/search', { filterGroups: [{ filters: [{ propertyName: 'hs_is_closed_won', operator: 'EQ', value: 'true' }] }] });
    expect(won.body.results.map((d) => d.id)).toEqual([renewed.body.id]);
  });
});
