// Local deal stages and their HubSpot counterparts (migration 011's deal_stage_mappings): the
// (pipeline, stage) pairs live deals use, and the saved mapping of each to a portal pipeline
// and stage.
import type { Db } from './database.js';

export interface DealStageMapping {
  pipeline: string;
  stage: string;
  hubspotPipelineId: string;
  hubspotStageId: string;
}

/** The (pipeline, stage) pairs live deals use, with how many deals are in each. */
export async function localDealStages(db: Db, workspaceId: string): Promise<{ pipeline: string; stage: string; deals: number }[]> {
  const rows = await db
    .selectFrom('deals')
    .select(['pipeline', 'stage', (eb) => eb.fn.countAll<number | string>().as('deals')])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .where('stage', 'is not', null)
    .groupBy(['pipeline', 'stage'])
    .orderBy('pipeline')
    .orderBy('stage')
    .execute();
  return rows.map((row) => ({ pipeline: row.pipeline, stage: row.stage!, deals: Number(row.deals) }));
}

export async function listDealStageMappings(db: Db, workspaceId: string): Promise<DealStageMapping[]> {
  const rows = await db.selectFrom('deal_stage_mappings').selectAll().where('workspace_id', '=', workspaceId).orderBy('pipeline').orderBy('stage').execute();
  return rows.map((row) => ({ pipeline: row.pipeline, stage: row.stage, hubspotPipelineId: row.hubspot_pipeline_id, hubspotStageId: row.hubspot_stage_id }));
}

/** Replaces the workspace's whole mapping (stages left out are unmapped). */
export async function replaceDealStageMappings(db: Db, workspaceId: string, mappings: readonly DealStageMapping[], now: number): Promise<void> {
  await db.deleteFrom('deal_stage_mappings').where('workspace_id', '=', workspaceId).execute();
  if (mappings.length === 0) return;
  await db
    .insertInto('deal_stage_mappings')
    .values(mappings.map((m) => ({ workspace_id: workspaceId, pipeline: m.pipeline, stage: m.stage, hubspot_pipeline_id: m.hubspotPipelineId, hubspot_stage_id: m.hubspotStageId, updated_at: now })))
    .execute();
}
