// Password reset links: an admin makes one for a member (shown once), the member opens it and
// chooses a new password; rules in src/workspaces/password-reset-service.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../../auth/index.js';
import { AppError } from '../../lib/index.js';
import { acceptPasswordReset, createPasswordReset } from '../../workspaces/index.js';
import { requireUser, workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { iso, workspaceParam } from '../schemas.js';
import { withLinkToken } from '../sign-in.js';

export const createdPasswordResetSchema = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** The one-time secret, shown in this answer only. */
  token: z.string(),
  /** The link to pass on: the web UI's reset page with the token in the fragment. */
  url: z.string(),
});

export function passwordResetRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/workspaces/:workspace/users/:userId/password-reset',
      {
        schema: {
          tags: ['users'],
          summary: 'Make a one-time password reset link for a member (admins only; expires in 24 hours; replaces an earlier one)',
          description:
            'The member opens the link and chooses a new password; every session of the account then ends. 403 FORBIDDEN when the member is also in a workspace the caller does not administer, or is an instance admin and the caller is not.',
          params: workspaceParam.extend({ userId: z.string().max(100) }),
          response: { 201: createdPasswordResetSchema },
        },
      },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const caller = requireUser(request);
        const { reset, token, user } = await ctx.db
          .transaction()
          .execute((trx) => createPasswordReset(trx, ctx.clock, access.actor, caller.user, access.workspace, request.params.userId));
        const url = `${ctx.config.publicUrl.replace(/\/+$/, '')}/password-reset#token=${encodeURIComponent(token)}`;
        return reply.status(201).send({ id: reset.id, userId: user.id, email: user.email, createdAt: iso(reset.createdAt), expiresAt: iso(reset.expiresAt), token, url });
      },
    );

    app.post(
      '/api/password-resets/accept',
      {
        // The member is signed out (they forgot the password): the token in the body is the credential.
        config: { caller: 'optional' },
        schema: {
          tags: ['users'],
          summary: 'Choose a new password with a reset link’s token; the link is used up and every session of the account ends',
          description: '404 PASSWORD_RESET_INVALID for a used, replaced, expired or unknown token; 400 VALIDATION_FAILED (`details.field` = `password`) for a password the policy refuses (the link keeps working).',
          body: z.object({ token: z.string().min(1).max(200), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict(),
        },
      },
      async (request, reply) => {
        if (request.caller?.kind === 'api_key') throw new AppError('FORBIDDEN', 'This action needs a person, not an API key.');
        await withLinkToken(ctx, request, () => acceptPasswordReset(ctx.db, ctx.clock, request.body));
        return reply.status(204).send();
      },
    );
  };
}
