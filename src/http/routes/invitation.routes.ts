// Invitations: admins invite an email with a role and pass the one-time link on; the invitee
// accepts it (rules in src/workspaces/invitation-service.ts). The admin's answers never depend on
// whether an account exists for the email.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/index.js';
import { findInvitation, invitationStatus, listInvitations, type Invitation } from '../../store/index.js';
import { acceptInvitation, createInvitation, revokeInvitation } from '../../workspaces/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { iso, workspaceParam } from '../schemas.js';
import { loginAttempt, openSession, verifyThrottled, withLinkToken } from '../sign-in.js';
import { meSchema, meView } from './auth.routes.js';

const role = z.enum(['admin', 'member']);

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role,
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  createdAt: z.string(),
  expiresAt: z.string(),
});

export const createdInvitationSchema = invitationSchema.extend({
  /** The one-time secret, shown in this answer only. */
  token: z.string(),
  /** The link to pass on: the web UI's accept page with the token in the fragment. */
  url: z.string(),
});

export const acceptedSchema = meSchema.extend({ joined: z.object({ slug: z.string(), name: z.string(), role }) });

const invitationParams = workspaceParam.extend({ invitationId: z.string().max(100) });

export function invitationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const view = (invitation: Invitation): z.infer<typeof invitationSchema> => ({
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    status: invitationStatus(invitation, ctx.clock.now()),
    createdAt: iso(invitation.createdAt),
    expiresAt: iso(invitation.expiresAt),
  });

  return async (app) => {
    app.post(
      '/api/workspaces/:workspace/invitations',
      {
        schema: {
          tags: ['users'],
          summary: 'Invite an email with a role (admins only); answers a one-time link, the same whether or not the email has an account',
          params: workspaceParam,
          body: z.object({ email: z.email().max(254), role }).strict(),
          response: { 201: createdInvitationSchema },
        },
      },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const { invitation, token } = await ctx.db.transaction().execute((trx) => createInvitation(trx, ctx.clock, access.actor, access.workspace, request.body));
        const url = `${ctx.config.publicUrl.replace(/\/+$/, '')}/invitations/accept#token=${encodeURIComponent(token)}`;
        return reply.status(201).send({ ...view(invitation), token, url });
      },
    );

    app.get(
      '/api/workspaces/:workspace/invitations',
      { schema: { tags: ['users'], summary: 'Invitations of the workspace, newest first (admins only; tokens are never shown again)', params: workspaceParam } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { invitations: (await listInvitations(ctx.db, workspace.id)).map(view) };
      },
    );

    app.get(
      '/api/workspaces/:workspace/invitations/:invitationId',
      { schema: { tags: ['users'], summary: 'One invitation (admins only)', params: invitationParams, response: { 200: invitationSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const invitation = await findInvitation(ctx.db, workspace.id, request.params.invitationId);
        if (!invitation) throw new AppError('NOT_FOUND', 'Invitation was not found.');
        return view(invitation);
      },
    );

    app.delete(
      '/api/workspaces/:workspace/invitations/:invitationId',
      { schema: { tags: ['users'], summary: 'Revoke a pending invitation (admins only); its link stops working', params: invitationParams } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const invitation = await findInvitation(ctx.db, access.workspace.id, request.params.invitationId);
        if (!invitation) throw new AppError('NOT_FOUND', 'Invitation was not found.');
        await revokeInvitation(ctx.db, ctx.clock, access.actor, access.workspace, invitation);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/invitations/accept',
      {
        // The invitee may have no account yet: the token in the body is the credential.
        config: { caller: 'optional' },
        schema: {
          tags: ['users'],
          summary:
            'Accept an invitation: signed in as the invited email, or with that account’s password, or — for a new account — with a name and password; signs the invitee in',
          body: z.object({ token: z.string().min(1).max(200), name: z.string().min(1).max(200).optional(), password: z.string().min(1).max(1000).optional() }).strict(),
          response: { 200: acceptedSchema },
        },
      },
      async (request, reply) => {
        const caller = request.caller;
        if (caller?.kind === 'api_key') throw new AppError('FORBIDDEN', 'This action needs a person, not an API key.');
        const signedIn = caller?.kind === 'user' ? caller : undefined;
        const outcome = await withLinkToken(ctx, request, () =>
          acceptInvitation(ctx.db, ctx.clock, {
            token: request.body.token,
            name: request.body.name,
            password: request.body.password,
            signedIn: signedIn?.user,
            checkPassword: (user, password) => verifyThrottled(ctx, loginAttempt(request, user.email), password, user.passwordHash),
          }),
        );
        const csrfToken = outcome.needsSession || !signedIn ? await openSession(ctx, request, reply, outcome.user.id) : signedIn.csrfToken;
        return { ...(await meView(ctx, outcome.user, csrfToken)), joined: { slug: outcome.workspace.slug, name: outcome.workspace.name, role: outcome.role } };
      },
    );
  };
}
