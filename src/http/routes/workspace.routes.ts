// Workspaces, their members, API keys and the audit log. Creating a workspace is an instance
// admin's right (or everyone's with HUBSYNC_OPEN_WORKSPACE_CREATION); members are added by
// invitation (invitation.routes.ts); only admins read the member list.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../audit/index.js';
import { newApiKey, sha256 } from '../../auth/index.js';
import { AppError, newId, validationFailed } from '../../lib/index.js';
import { insertApiKey, listApiKeys, listMembersOfWorkspace, revokeApiKey, searchAuditLog, streamAuditLog, upsertMembership, type AuditFilter, type AuditLogRow } from '../../store/index.js';
import { changeRole, createWorkspace, removeMember } from '../../workspaces/index.js';
import { requireUser, workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { sendExport } from '../export-stream.js';
import { checkTimeRange, exportFormatQuery } from '../log-query.js';
import { iso, limitQuery, logCursor, logCursorQuery, noQuery, textQuery, timestampQuery, workspaceParam } from '../schemas.js';
import { invitationRoutes } from './invitation.routes.js';
import { passwordResetRoutes } from './password-reset.routes.js';

const role = z.enum(['admin', 'member']);

function auditEntryJson(row: AuditLogRow) {
  return {
    id: row.id,
    createdAt: iso(row.created_at),
    actor: { type: row.actor_type as 'user' | 'api_key' | 'system', id: row.actor_id, label: row.actor_label },
    action: row.action,
    target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** The audit export's CSV columns (actor and target flattened, details as JSON text). */
const AUDIT_CSV_COLUMNS = ['id', 'createdAt', 'actorType', 'actorId', 'actorLabel', 'action', 'targetType', 'targetId', 'details'];

export function workspaceRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(invitationRoutes(ctx));
    await app.register(passwordResetRoutes(ctx));

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
      { schema: { tags: ['users'], summary: 'Change a member role (admins only); 409 LAST_ADMIN for the only admin', params: workspaceParam.extend({ userId: z.string() }), body: z.object({ role }).strict() } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await ctx.db.transaction().execute((trx) => changeRole(trx, ctx.clock, access.actor, access.workspace, request.params.userId, request.body.role));
        return { id: request.params.userId, role: request.body.role };
      },
    );

    app.delete(
      '/api/workspaces/:workspace/users/:userId',
      { schema: { tags: ['users'], summary: 'Remove a member (admins only); 409 LAST_ADMIN for the only admin', params: workspaceParam.extend({ userId: z.string() }) } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await ctx.db.transaction().execute((trx) => removeMember(trx, ctx.clock, access.actor, access.workspace, request.params.userId));
        return reply.status(204).send();
      },
    );

    app.get('/api/workspaces/:workspace/api-keys', { schema: { tags: ['api keys'], summary: 'API keys (admins only; secrets are never shown again): who created each, when it was last used (recorded at most once a minute)', params: workspaceParam, querystring: noQuery } }, async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
      const keys = await listApiKeys(ctx.db, workspace.id);
      return {
        apiKeys: keys.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          createdAt: iso(k.createdAt),
          createdBy: k.creator,
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
          summary: 'Configuration changes, newest first, filtered (admins only); `format=csv|ndjson` downloads the whole filtered view',
          description:
            '`action` keeps the actions starting with it (`api_key.` for every API key change); `actorId` one user or API key; `targetType` with `targetId` one changed thing. `cursor` is the `nextCursor` of the page before. With `format`, every matching entry streams as CSV (a header row; `details` as JSON text) or NDJSON. 400 VALIDATION_FAILED (`details.field`) for a bad parameter.',
          params: workspaceParam,
          querystring: z
            .object({
              action: textQuery(100),
              actorId: z.string().min(1).max(100).optional(),
              targetType: z.string().min(1).max(50).optional(),
              targetId: z.string().min(1).max(100).optional(),
              from: timestampQuery.describe('From this time (inclusive)'),
              to: timestampQuery.describe('Up to this time (exclusive)'),
              cursor: logCursorQuery('aud'),
              limit: limitQuery(500, 50),
              format: exportFormatQuery,
            })
            .strict(),
        },
      },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const q = request.query;
        checkTimeRange(q.from, q.to);
        if (q.targetId !== undefined && q.targetType === undefined) throw validationFailed('querystring.targetType', 'is needed with targetId');
        const filter: AuditFilter = { workspaceId: workspace.id, action: q.action, actorId: q.actorId, targetType: q.targetType, targetId: q.targetId, from: q.from, to: q.to };
        if (q.format !== 'json') {
          const chunks = (async function* () {
            for await (const rows of streamAuditLog(ctx.db, filter)) {
              yield rows.map((row) => {
                const e = auditEntryJson(row);
                if (q.format !== 'csv') return e;
                return { id: e.id, createdAt: e.createdAt, actorType: e.actor.type, actorId: e.actor.id, actorLabel: e.actor.label, action: e.action, targetType: e.target?.type ?? null, targetId: e.target?.id ?? null, details: JSON.stringify(e.details) };
              });
            }
          })();
          return sendExport(reply, q.format, `audit-log-${request.params.workspace}`, AUDIT_CSV_COLUMNS, chunks);
        }
        const rows = await searchAuditLog(ctx.db, filter, { after: q.cursor, limit: q.limit + 1 });
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        return { entries: page.map(auditEntryJson), nextCursor: rows.length > q.limit && last ? logCursor(last.created_at, last.id) : null };
      },
    );
  };
}
