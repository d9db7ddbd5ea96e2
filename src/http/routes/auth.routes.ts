// Sign in, sign out, "who am I", and changing one's own password.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../audit/index.js';
import { hashPassword, MAX_PASSWORD_LENGTH, passwordProblem } from '../../auth/index.js';
import { AppError, validationFailed } from '../../lib/index.js';
import { deleteOtherSessions, deleteSession, findUserByEmail, findUserById, listMembershipsOfUser, updateUserPassword } from '../../store/index.js';
import { requireUser, SESSION_COOKIE } from '../caller.js';
import type { AppContext } from '../context.js';
import { loginAttempt, openSession, verifyThrottled } from '../sign-in.js';

export const meSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  csrfToken: z.string(),
  workspaces: z.array(z.object({ slug: z.string(), name: z.string(), role: z.enum(['admin', 'member']) })),
});

/** The /me answer for a user and their session's CSRF token. */
export async function meView(ctx: AppContext, user: { id: string; email: string; name: string }, csrfToken: string): Promise<z.infer<typeof meSchema>> {
  return {
    user: { id: user.id, email: user.email, name: user.name },
    csrfToken,
    workspaces: (await listMembershipsOfUser(ctx.db, user.id)).map((m) => ({ slug: m.workspace.slug, name: m.workspace.name, role: m.role })),
  };
}

export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/auth/login',
      {
        config: { caller: 'optional' },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with email and password; sets the session cookie',
          body: z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1000) }).strict(),
          response: { 200: meSchema },
        },
      },
      async (request, reply) => {
        const email = request.body.email.trim().toLowerCase();
        const user = await findUserByEmail(ctx.db, email);
        const ok = await verifyThrottled(ctx, loginAttempt(request, email), request.body.password, user?.passwordHash);
        if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong.');
        const csrfToken = await openSession(ctx, request, reply, user.id);
        return meView(ctx, user, csrfToken);
      },
    );

    app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'Sign out' } }, async (request, reply) => {
      const caller = requireUser(request);
      await deleteSession(ctx.db, caller.sessionHash);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    });

    app.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The signed-in user, their workspaces and CSRF token', response: { 200: meSchema } } }, async (request) => {
      const caller = requireUser(request);
      return meView(ctx, caller.user, caller.csrfToken);
    });

    app.post(
      '/api/auth/password',
      {
        schema: {
          tags: ['auth'],
          summary: "Change one's own password; the user's other sessions are signed out",
          body: z.object({ currentPassword: z.string().min(1).max(1000), newPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict(),
        },
      },
      async (request, reply) => {
        const caller = requireUser(request);
        const user = await findUserById(ctx.db, caller.user.id);
        if (!user) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        // A stolen session must not become a way to guess the password: same throttle as sign-in.
        if (!(await verifyThrottled(ctx, loginAttempt(request, user.email), request.body.currentPassword, user.passwordHash))) {
          throw new AppError('INVALID_CREDENTIALS', 'currentPassword: is wrong', { field: 'currentPassword' });
        }
        const problem = passwordProblem(request.body.newPassword, user.email);
        if (problem) throw validationFailed('newPassword', problem);
        await updateUserPassword(ctx.db, user.id, await hashPassword(request.body.newPassword));
        const signedOut = await deleteOtherSessions(ctx.db, user.id, caller.sessionHash);
        await audit(ctx.db, ctx.clock, { workspaceId: null, actor: { type: 'user', id: user.id, label: user.email }, action: 'user.password_changed', target: { type: 'user', id: user.id }, details: { otherSessionsSignedOut: signedOut } });
        return reply.status(204).send();
      },
    );
  };
}
