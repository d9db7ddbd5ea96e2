// Config → Integrations → HubSpot → Deal stages (admins): each local deal stage mapped to one of
// the portal's deal pipelines and stages, read live, with suggestions.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readDealStages, saveDealStages } from '../../sync/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { workspaceParam } from '../schemas.js';

const stageRef = z.object({ hubspotPipelineId: z.string(), hubspotStageId: z.string() });

export const dealStagesSchema = z
  .object({
    pipelines: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        stages: z.array(z.object({ id: z.string(), label: z.string(), closed: z.boolean(), probability: z.number().nullable() })),
      }),
    ),
    stages: z.array(
      z.object({ pipeline: z.string(), stage: z.string(), deals: z.number().int(), mapping: stageRef.nullable(), suggested: stageRef.nullable(), problem: z.string().nullable() }),
    ),
    saved: z.boolean(),
  })
  .meta({ id: 'HubSpotDealStages' });

const localKey = z.string().trim().min(1).max(100);
const hubspotId = z.string().trim().min(1).max(100);

export function dealStageRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/hubspot/deal-stages',
      { schema: { tags: ['hubspot'], summary: "Local deal stages, the portal's pipelines (live) and each stage's mapping and suggestion (admins)", params: workspaceParam, response: { 200: dealStagesSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return readDealStages(ctx.db, ctx.hubspot, workspace.id);
      },
    );

    app.put(
      '/api/workspaces/:workspace/hubspot/deal-stages',
      {
        schema: {
          tags: ['hubspot'],
          summary: 'Save the complete deal stage mapping, each pair checked against the live pipelines (admins; audited)',
          params: workspaceParam,
          body: z
            .object({ mappings: z.array(z.object({ pipeline: localKey, stage: localKey, hubspotPipelineId: hubspotId, hubspotStageId: hubspotId }).strict()).max(1000) })
            .strict(),
          response: { 200: dealStagesSchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return saveDealStages(ctx.db, ctx.clock, ctx.hubspot, access.workspace, access.actor, request.body.mappings);
      },
    );
  };
}
