// Authorization links (rules in src/integration/authorization-links.ts): admins create, list and
// revoke them; the person holding one — with no hubsync account — resolves it (what it is for)
// and starts HubSpot's consent from it. The token is the credential of the public routes and
// travels in the request body, never in a URL a server would log.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AUTHORIZATION_LINK_DEFAULT_HOURS,
  AUTHORIZATION_LINK_MAX_HOURS,
  AUTHORIZATION_LINK_MIN_HOURS,
  createAuthorizationLink,
  resolveAuthorizationLink,
  revokeAuthorizationLink,
  startFromAuthorizationLink,
} from '../../integration/index.js';
import { AppError } from '../../lib/index.js';
import { authorizationLinkStatus, listAuthorizationLinks, type AuthorizationLink } from '../../store/index.js';
import { enabledObjectTypes, readSyncSettings } from '../../sync/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { workspaceParam } from '../schemas.js';
import { withLinkToken } from '../sign-in.js';

const iso = (ms: number) => new Date(ms).toISOString();

export const authorizationLinkSchema = z
  .object({
    id: z.string(),
    status: z.enum(['active', 'used', 'revoked', 'expired']),
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    usedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    /** What the approval connected (once used). */
    portalId: z.number().nullable(),
    connectedBy: z.string().nullable(),
  })
  .meta({ id: 'AuthorizationLink' });

export const createdAuthorizationLinkSchema = authorizationLinkSchema
  .extend({
    /** The link to pass on, with its one-time token in the fragment; shown in this answer only. */
    url: z.string(),
  })
  .meta({ id: 'CreatedAuthorizationLink' });

export const resolvedAuthorizationLinkSchema = z
  .object({
    workspace: z.object({ name: z.string() }),
    requestedBy: z.string(),
    expiresAt: z.string(),
    connectedPortalId: z.number().nullable(),
  })
  .meta({ id: 'ResolvedAuthorizationLink' });

const tokenBody = z.object({ token: z.string().min(1).max(200) }).strict();
const linkParams = workspaceParam.extend({ linkId: z.string().min(1).max(100) });

export function authorizationLinkRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const view = (link: AuthorizationLink): z.infer<typeof authorizationLinkSchema> => ({
    id: link.id,
    status: authorizationLinkStatus(link, ctx.clock.now()),
    createdBy: link.createdByLabel,
    createdAt: iso(link.createdAt),
    expiresAt: iso(link.expiresAt),
    usedAt: link.usedAt === null ? null : iso(link.usedAt),
    revokedAt: link.revokedAt === null ? null : iso(link.revokedAt),
    portalId: link.portalId,
    connectedBy: link.connectedBy,
  });

  return async (app) => {
    app.post(
      '/api/workspaces/:workspace/hubspot/authorization-links',
      {
        schema: {
          tags: ['hubspot'],
          summary: `Create a single-use link for whoever holds the HubSpot account to approve the app without a hubsync account (admins; audited; needs OAuth configured). expiresInHours: ${AUTHORIZATION_LINK_MIN_HOURS}–${AUTHORIZATION_LINK_MAX_HOURS}, default ${AUTHORIZATION_LINK_DEFAULT_HOURS}. The url is shown once`,
          params: workspaceParam,
          body: z
            .object({ expiresInHours: z.number().int().min(AUTHORIZATION_LINK_MIN_HOURS).max(AUTHORIZATION_LINK_MAX_HOURS).optional() })
            .strict()
            .nullish()
            .describe('Optional; 7 days unless expiresInHours is given'),
          response: { 201: createdAuthorizationLinkSchema },
        },
      },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        if (!ctx.hubspot.oauthAvailable) {
          throw new AppError('OAUTH_NOT_CONFIGURED', 'Authorization links need OAuth: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (a HubSpot app), then create the link.');
        }
        const { link, token } = await ctx.db.transaction().execute((trx) => createAuthorizationLink(trx, ctx.clock, access.actor, access.workspace, { expiresInHours: request.body?.expiresInHours }));
        const url = `${ctx.config.publicUrl.replace(/\/+$/, '')}/authorize#token=${encodeURIComponent(token)}`;
        return reply.status(201).send({ ...view(link), url });
      },
    );

    app.get(
      '/api/workspaces/:workspace/hubspot/authorization-links',
      {
        schema: {
          tags: ['hubspot'],
          summary: 'Authorization links of the workspace, newest first, with their status (admins; the links themselves are never shown again)',
          params: workspaceParam,
          response: { 200: z.object({ links: z.array(authorizationLinkSchema) }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { links: (await listAuthorizationLinks(ctx.db, workspace.id)).map(view) };
      },
    );

    app.delete(
      '/api/workspaces/:workspace/hubspot/authorization-links/:linkId',
      { schema: { tags: ['hubspot'], summary: 'Revoke an authorization link (admins; audited): it stops working at once', params: linkParams } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await revokeAuthorizationLink(ctx.db, ctx.clock, access.actor, access.workspace, request.params.linkId);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/authorization-links/resolve',
      {
        // The person holding the link has no hubsync account: the token in the body is the credential.
        config: { caller: 'optional' },
        schema: {
          tags: ['hubspot'],
          summary:
            'What an authorization link is for (the workspace, who asked, until when); refused with AUTHORIZATION_LINK_NOT_FOUND, _EXPIRED, _USED or _REVOKED when it cannot be used',
          body: tokenBody,
          response: { 200: resolvedAuthorizationLinkSchema },
        },
      },
      async (request) => {
        const resolved = await withLinkToken(ctx, request, () => resolveAuthorizationLink(ctx.db, ctx.clock, request.body.token));
        return { workspace: { name: resolved.workspace.name }, requestedBy: resolved.requestedBy, expiresAt: iso(resolved.expiresAt), connectedPortalId: resolved.connectedPortalId };
      },
    );

    app.post(
      '/api/authorization-links/start',
      {
        config: { caller: 'optional' },
        schema: {
          tags: ['hubspot'],
          summary: "HubSpot's authorize URL for the person holding an authorization link; the OAuth callback then connects the link's workspace and marks the link used",
          body: tokenBody,
          response: { 200: z.object({ url: z.string() }) },
        },
      },
      async (request) => {
        const url = await withLinkToken(ctx, request, () =>
          startFromAuthorizationLink(ctx.db, ctx.clock, ctx.hubspot, request.body.token, async (workspaceId) => enabledObjectTypes(await readSyncSettings(ctx.db, workspaceId))),
        );
        return { url };
      },
    );
  };
}
