// Workspaces, their members, API keys and the audit log. Creating a workspace is an instance
// admin's right (or everyone's with HUBSYNC_OPEN_WORKSPACE_CREATION); members are added by
// invitation (invitation.routes.ts); only admins read the member list.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../audit/index.js';
import { newApiKey, sha256 } from '../../auth/index.js';
import { AppError, newId } from '../../lib/index.js';
import { insertApiKey, listApiKeys, listAuditEntries, listMembersOfWorkspace, revokeApiKey, upsertMembership } from '../../store/index.js';
import { changeRole, createWorkspace, removeMember } from '../../workspaces/index.js';
import { requireUser, workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { idCursorQuery, iso, limitQuery, noQuery, textQuery, workspaceParam } from '../schemas.js';
import { invitationRoutes } from './invitation.routes.js';

const role = z.enum(['admin', 'member']);

export function workspaceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(invitationRoutes(ctx));

    app.post(
      '/api/workspaces',
      {
        schema: {
          tags: ['workspaces'],
          summary: 'Create a workspace (instance admins, or everyone when HUBSYNC_OPEN_WORKSPACE_CREATION=true); the creator becomes its admin',
          // The slug's rules are all checked by createWorkspace (the body limit bounds its size), so
          // a malformed slug of any length and a taken one get the very same answer.
          body: z.object({ slug: z.string(), name: z.string().min(1).max(200) }).strict(),
        },
      },
      async (request, reply) => {
        const caller = requireUser(request);
        if (!ctx.config.openWorkspaceCreation && !caller.user.isInstanceAdmin) {
          throw new AppError('FORBIDDEN', 'Only instance admins can create workspaces.');
        }
        const workspace = await ctx.db.transaction().execute(async (trx) => {
          const created = await createWorkspace(trx, ctx.clock, request.body);
          await upsertMembership(trx, { workspaceId: created.id, userId: caller.user.id, role: 'admin', createdAt: ctx.clock.now() });
          await audit(trx, ctx.clock, { workspaceId: created.id, actor: { type: 'user', id: caller.user.id, label: caller.user.email }, action: 'workspace.created' });
          return created;
        });
        return reply.status(201).send({ slug: workspace.slug, name: workspace.name, role: 'admin' });
      },
    );

    // Admins only: the list names every member's email, which members and API keys do not need.
    app.get('/api/workspaces/:workspace/users', { schema: { tags: ['users'], summary: 'Members of the workspace (admins only)', params: workspaceParam, querystring: noQuery } }, async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
      const members = await listMembersOfWorkspace(ctx.db, workspace.id);
      return { users: members.map((m) => ({ id: m.id, email: m.email, name: m.name, role: m.role, createdAt: iso(m.createdAt) })) };
    });

    app.patch(
      '/api/workspaces/:workspace/users/:userId',
      { schema: { tags: ['users'], summary: 'Change a member role (admins only)', params: workspaceParam.extend({ userId: z.string() }), body: z.object({ role }).strict() } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await ctx.db.transaction().execute((trx) => changeRole(trx, ctx.clock, access.actor, access.workspace, request.params.userId, request.body.role));
        return { id: request.params.userId, role: request.body.role };
      },
    );

    app.delete(
      '/api/workspaces/:workspace/users/:userId',
      { schema: { tags: ['users'], summary: 'Remove a member (admins only)', params: workspaceParam.extend({ userId: z.string() }) } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await ctx.db.transaction().execute((trx) => removeMember(trx, ctx.clock, access.actor, access.workspace, request.params.userId));
        return reply.status(204).send();
      },
    );

    app.get('/api/workspaces/:workspace/api-keys', { schema: { tags: ['api keys'], summary: 'API keys (admins only; secrets are never shown again)', params: workspaceParam, querystring: noQuery } }, async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
      const keys = await listApiKeys(ctx.db, workspace.id);
      return {
        apiKeys: keys.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          createdAt: iso(k.createdAt),
          lastUsedAt: k.lastUsedAt === null ? null : iso(k.lastUsedAt),
          revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
        })),
      };
    });

    app.post(
      '/api/workspaces/:workspace/api-keys',
      { schema: { tags: ['api keys'], summary: 'Create an API key for a host application; the key is shown once', params: workspaceParam, body: z.object({ name: z.string().min(1).max(100) }).strict() } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const { key, prefix } = newApiKey();
        const id = newId('key', ctx.clock);
        await ctx.db.transaction().execute(async (trx) => {
          await insertApiKey(trx, {
            id,
            workspaceId: access.workspace.id,
            name: request.body.name,
            prefix,
            keyHash: sha256(key),
            createdBy: access.actor.id,
            createdAt: ctx.clock.now(),
            lastUsedAt: null,
            revokedAt: null,
          });
          await audit(trx, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'api_key.created', target: { type: 'api_key', id }, details: { name: request.body.name, prefix } });
        });
        return reply.status(201).send({ id, name: request.body.name, prefix, key });
      },
    );

    app.delete(
      '/api/workspaces/:workspace/api-keys/:keyId',
      { schema: { tags: ['api keys'], summary: 'Revoke an API key', params: workspaceParam.extend({ keyId: z.string() }) } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const revoked = await revokeApiKey(ctx.db, access.workspace.id, request.params.keyId, ctx.clock.now());
        if (!revoked) throw new AppError('NOT_FOUND', 'API key was not found.');
        await audit(ctx.db, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'api_key.revoked', target: { type: 'api_key', id: request.params.keyId } });
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/workspaces/:workspace/audit-log',
      {
        schema: {
          tags: ['audit'],
          summary: 'Configuration changes, newest first (admins only)',
          params: workspaceParam,
          querystring: z.object({ action: textQuery(100), before: idCursorQuery('aud'), limit: limitQuery(500, 50) }).strict(),
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const entries = await listAuditEntries(ctx.db, { workspaceId: workspace.id, action: request.query.action, before: request.query.before, limit: request.query.limit + 1 });
        const page = entries.slice(0, request.query.limit);
        return {
          entries: page.map((e) => ({ id: e.id, actor: e.actor, action: e.action, target: e.target, details: e.details, createdAt: iso(e.createdAt) })),
          nextCursor: entries.length > request.query.limit ? page.at(-1)!.id : null,
        };
      },
    );
  };
}
