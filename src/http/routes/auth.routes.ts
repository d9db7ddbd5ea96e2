// Sign in, sign out, and "who am I" for the web UI.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newCsrfToken, newSessionToken, sha256, verifyPassword } from '../../auth/index.js';
import { AppError } from '../../lib/index.js';
import { deleteSession, findUserByEmail, insertSession, listMembershipsOfUser } from '../../store/index.js';
import { requireUser, SESSION_COOKIE } from '../caller.js';
import type { AppContext } from '../context.js';

const SESSION_TTL_MS = 14 * 24 * 3600_000;

const meSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  csrfToken: z.string(),
  workspaces: z.array(z.object({ slug: z.string(), name: z.string(), role: z.enum(['admin', 'member']) })),
});

export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const me = async (userId: string, user: { id: string; email: string; name: string }, csrfToken: string) => ({
      user: { id: user.id, email: user.email, name: user.name },
      csrfToken,
      workspaces: (await listMembershipsOfUser(ctx.db, userId)).map((m) => ({ slug: m.workspace.slug, name: m.workspace.name, role: m.role })),
    });

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
        const keys = [`email:${email}`, `ip:${request.ip}`];
        const wait = ctx.throttle.retryAfterMs(keys);
        if (wait > 0) {
          throw new AppError('LOGIN_THROTTLED', 'Too many failed sign-in attempts. Try again later.', { retryAfterSeconds: Math.ceil(wait / 1000) });
        }
        const user = await findUserByEmail(ctx.db, email);
        const ok = user ? await verifyPassword(request.body.password, user.passwordHash) : false;
        if (!user || !ok) {
          ctx.throttle.recordFailure(keys);
          throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong.');
        }
        ctx.throttle.recordSuccess([`email:${email}`]);
        const token = newSessionToken();
        const csrfToken = newCsrfToken();
        const now = ctx.clock.now();
        await insertSession(ctx.db, { tokenHash: sha256(token), userId: user.id, csrfToken, createdAt: now, expiresAt: now + SESSION_TTL_MS });
        reply.setCookie(SESSION_COOKIE, token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: ctx.config.publicUrl.startsWith('https://'),
          path: '/',
          maxAge: SESSION_TTL_MS / 1000,
        });
        return me(user.id, user, csrfToken);
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
      return me(caller.user.id, caller.user, caller.csrfToken);
    });
  };
}
