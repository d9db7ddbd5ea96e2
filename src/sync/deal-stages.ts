// Deal stages: each local (pipeline, stage) a deal uses is mapped to one of the portal's deal
// pipelines and stages, read live from HubSpot's pipelines API (issue 13, point 2). Until an
// admin saves a mapping, a stage whose key or label matches a HubSpot stage (ignoring case,
// spaces and punctuation; "won"/"lost" meaning closed won/lost) is suggested to prefill the tab.
// The push sends the saved mapping only (dealStageResolver in deal-values.ts); a deal whose stage
// is not mapped fails with a message saying where to map it. Saving the mapping refreshes the
// statuses of the deals whose stage now resolves differently.
import { audit, type Actor } from '../audit/index.js';
import type { Pipeline } from '../hubspot/index.js';
import { hubspotProblem, requireScopes, type HubSpotGateway } from '../integration/index.js';
import { AppError, type Clock } from '../lib/index.js';
import type { Db, DealStageMapping, Workspace } from '../store/index.js';
import { dealIdsInStages, listDealStageMappings, localDealStages, replaceDealStageMappings } from '../store/index.js';
import { refreshDealSyncStates, type HubSpotStageRef } from './deal-values.js';

/** Reading the portal's deal pipelines needs this scope. */
const PIPELINES_SCOPE = 'crm.objects.deals.read';

export type { HubSpotStageRef };

export interface DealStagesView {
  /** The portal's deal pipelines and their stages, in HubSpot's order (archived ones left out). */
  pipelines: { id: string; label: string; stages: { id: string; label: string; closed: boolean; probability: number | null }[] }[];
  /** Every local stage in use or mapped, with its saved mapping and the suggestion. */
  stages: {
    pipeline: string;
    stage: string;
    deals: number;
    mapping: HubSpotStageRef | null;
    suggested: HubSpotStageRef | null;
    /** Set when the saved mapping points at a pipeline or stage HubSpot no longer has. */
    problem: string | null;
  }[];
  saved: boolean;
}

const normalize = (value: string) => value.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
const SYNONYMS: Record<string, string> = { won: 'closedwon', lost: 'closedlost' };

function live(pipelines: readonly Pipeline[]): Pipeline[] {
  return pipelines
    .filter((p) => !p.archived)
    .map((p) => ({ ...p, stages: p.stages.filter((s) => !s.archived).sort((a, b) => a.displayOrder - b.displayOrder) }))
    .sort((a, b) => a.displayOrder - b.displayOrder);
}

/** The HubSpot stage a local stage most plausibly is, or null. */
export function suggestStage(pipelines: readonly Pipeline[], pipeline: string, stage: string): HubSpotStageRef | null {
  const candidates = live(pipelines);
  const key = normalize(pipeline);
  const target =
    candidates.find((p) => normalize(p.id) === key || normalize(p.label) === key) ??
    (key === 'default' ? (candidates.find((p) => p.id === 'default') ?? candidates[0]) : undefined);
  if (!target) return null;
  const wanted = normalize(stage);
  const keys = [wanted, SYNONYMS[wanted]].filter((k): k is string => k !== undefined);
  const match = target.stages.find((s) => keys.includes(normalize(s.id)) || keys.includes(normalize(s.label)));
  return match ? { hubspotPipelineId: target.id, hubspotStageId: match.id } : null;
}

function stageExists(pipelines: readonly Pipeline[], ref: HubSpotStageRef): boolean {
  return live(pipelines).some((p) => p.id === ref.hubspotPipelineId && p.stages.some((s) => s.id === ref.hubspotStageId));
}

async function readPipelines(db: Db, gateway: HubSpotGateway, workspaceId: string): Promise<Pipeline[]> {
  await requireScopes(db, workspaceId, [PIPELINES_SCOPE], {
    subject: "the portal's deal pipelines",
    needsConnection: "deal stages are mapped to the connected portal's pipelines.",
    remedy: 'Add it (with the other deals scopes) to the private app, or reconnect with HubSpot after turning deals on.',
  });
  const client = await gateway.clientFor(workspaceId);
  try {
    return await client.pipelines.list('deals', { priority: 'interactive' });
  } catch (error) {
    throw hubspotProblem(error, "read the portal's deal pipelines");
  }
}

export async function readDealStages(db: Db, gateway: HubSpotGateway, workspaceId: string): Promise<DealStagesView> {
  const [pipelines, used, saved] = await Promise.all([readPipelines(db, gateway, workspaceId), localDealStages(db, workspaceId), listDealStageMappings(db, workspaceId)]);
  const pairs = new Map<string, { pipeline: string; stage: string; deals: number }>();
  for (const s of saved) pairs.set(`${s.pipeline}\u0000${s.stage}`, { pipeline: s.pipeline, stage: s.stage, deals: 0 });
  for (const u of used) pairs.set(`${u.pipeline}\u0000${u.stage}`, u);
  const stages = [...pairs.values()]
    .sort((a, b) => a.pipeline.localeCompare(b.pipeline) || a.stage.localeCompare(b.stage))
    .map((pair) => {
      const mapped = saved.find((s) => s.pipeline === pair.pipeline && s.stage === pair.stage);
      const mapping = mapped ? { hubspotPipelineId: mapped.hubspotPipelineId, hubspotStageId: mapped.hubspotStageId } : null;
      return {
        ...pair,
        mapping,
        suggested: suggestStage(pipelines, pair.pipeline, pair.stage),
        problem: mapping && !stageExists(pipelines, mapping) ? `HubSpot no longer has stage ${mapping.hubspotStageId} in pipeline ${mapping.hubspotPipelineId}: map it again.` : null,
      };
    });
  return {
    pipelines: live(pipelines).map((p) => ({
      id: p.id,
      label: p.label,
      stages: p.stages.map((s) => ({ id: s.id, label: s.label, closed: s.metadata['isClosed'] === 'true', probability: s.metadata['probability'] === undefined ? null : Number(s.metadata['probability']) })),
    })),
    stages,
    saved: saved.length > 0,
  };
}

/** Saves the complete mapping, each pair checked against the live pipelines; audited with the old and new mapping. */
export async function saveDealStages(db: Db, clock: Clock, gateway: HubSpotGateway, workspace: Workspace, actor: Actor, mappings: readonly DealStageMapping[]): Promise<DealStagesView> {
  const pipelines = await readPipelines(db, gateway, workspace.id);
  const seen = new Set<string>();
  mappings.forEach((m, i) => {
    const pair = `${m.pipeline}\u0000${m.stage}`;
    if (seen.has(pair)) throw new AppError('VALIDATION_FAILED', `mappings.${i}: pipeline "${m.pipeline}", stage "${m.stage}" is mapped twice.`, { field: `mappings.${i}` });
    seen.add(pair);
    const pipeline = live(pipelines).find((p) => p.id === m.hubspotPipelineId);
    if (!pipeline) throw new AppError('VALIDATION_FAILED', `mappings.${i}.hubspotPipelineId: HubSpot has no deal pipeline "${m.hubspotPipelineId}".`, { field: `mappings.${i}.hubspotPipelineId` });
    if (!pipeline.stages.some((s) => s.id === m.hubspotStageId)) {
      throw new AppError('VALIDATION_FAILED', `mappings.${i}.hubspotStageId: pipeline "${pipeline.label}" has no stage "${m.hubspotStageId}".`, { field: `mappings.${i}.hubspotStageId` });
    }
  });
  await db.transaction().execute(async (trx) => {
    const before = await listDealStageMappings(trx, workspace.id);
    await replaceDealStageMappings(trx, workspace.id, mappings, clock.now());
    // The deals whose stage now resolves differently send other values: their statuses follow.
    const target = (m: DealStageMapping | undefined) => (m ? `${m.hubspotPipelineId}\u0000${m.hubspotStageId}` : null);
    const changed = [...before, ...mappings].filter((m) => {
      const find = (list: readonly DealStageMapping[]) => list.find((o) => o.pipeline === m.pipeline && o.stage === m.stage);
      return target(find(before)) !== target(find(mappings));
    });
    await refreshDealSyncStates(trx, workspace.id, await dealIdsInStages(trx, workspace.id, changed));
    await audit(trx, clock, { workspaceId: workspace.id, actor, action: 'hubspot.deal_stages_saved', details: { from: before, to: mappings } });
  });
  return readDealStages(db, gateway, workspace.id);
}
