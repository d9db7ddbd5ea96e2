// Config → Integrations → HubSpot → Owners (admins): the portal's owners as last read, read them
// again, and link each to the member of the workspace it is.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { linkSuggestedOwners, readOwners, refreshOwners, setOwnerUser } from '../../sync/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { workspaceParam } from '../schemas.js';

export const ownerSchema = z
  .object({
    ownerId: z.string(),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    hubspotUserId: z.string().nullable(),
    archived: z.boolean(),
    userId: z.string().nullable(),
    suggestedUserId: z.string().nullable(),
  })
  .meta({ id: 'HubSpotOwner' });

const ownersResponse = z.object({ owners: z.array(ownerSchema) });
const ownerParams = workspaceParam.extend({ ownerId: z.string().regex(/^\d{1,20}$/, 'must be a HubSpot owner id (digits)') });

export function ownerRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/hubspot/owners',
      { schema: { tags: ['hubspot'], summary: "The portal's owners as last read, each with its linked member and a suggestion by email (admins)", params: workspaceParam, response: { 200: ownersResponse } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { owners: await readOwners(ctx.db, workspace.id) };
      },
    );

    app.post(
      '/api/workspaces/:workspace/hubspot/owners/refresh',
      { schema: { tags: ['hubspot'], summary: "Read the portal's owners from HubSpot again (admins; needs crm.objects.owners.read)", params: workspaceParam, response: { 200: ownersResponse } } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { owners: await refreshOwners(ctx.db, ctx.clock, ctx.hubspot, access.workspace, access.actor) };
      },
    );

    app.put(
      '/api/workspaces/:workspace/hubspot/owners/:ownerId',
      {
        schema: {
          tags: ['hubspot'],
          summary: 'Link an owner to a member (taking the member from any other owner), or unlink it with null (admins; audited)',
          params: ownerParams,
          body: z.object({ userId: z.string().min(1).max(64).nullable() }).strict(),
          response: { 200: ownersResponse },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { owners: await setOwnerUser(ctx.db, ctx.clock, access.workspace, access.actor, request.params.ownerId, request.body.userId) };
      },
    );

    app.post(
      '/api/workspaces/:workspace/hubspot/owners/link-suggested',
      { schema: { tags: ['hubspot'], summary: 'Link every owner to the member with its email, where that is unambiguous (admins; audited)', params: workspaceParam, response: { 200: ownersResponse } } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { owners: await linkSuggestedOwners(ctx.db, ctx.clock, access.workspace, access.actor) };
      },
    );
  };
}
