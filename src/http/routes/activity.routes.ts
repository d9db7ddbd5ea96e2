// Activities: append one (201, or 200 with the stored activity when its externalId is already
// there), append up to 1,000 at once, read one, and list a timeline newest first.
// Activities are never edited or deleted through the API.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACTIVITY_TYPES, appendActivities, appendActivity, type ActivityServiceDeps } from '../../crm/activities/index.js';
import { notFound } from '../../lib/index.js';
import { MAX_BULK_UPSERT } from '../../records/index.js';
import type { Activity } from '../../store/index.js';
import { findActivity, listActivities } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { choiceListQuery, iso, limitQuery, syncStateJson, syncStateSchema, textQuery, workspaceParam } from '../schemas.js';

const activityParams = workspaceParam.extend({ activityId: z.string().min(1).max(100) });

const activityBody = z
  .record(z.string(), z.unknown())
  .meta({ description: 'type, occurredAt, title, details, customerId, organizationId, dealId, externalId; ticket: { number, status, url } for support_ticket_updated' });

export const activitySchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    type: z.enum(ACTIVITY_TYPES),
    occurredAt: z.string(),
    title: z.string(),
    details: z.string().nullable(),
    ticket: z.object({ number: z.string(), status: z.string(), url: z.string() }).nullable(),
    customerId: z.string(),
    organizationId: z.string().nullable(),
    dealId: z.string().nullable(),
    createdAt: z.string(),
    sync: syncStateSchema,
  })
  .meta({ id: 'Activity' });

export function activityJson(a: Activity): z.infer<typeof activitySchema> {
  return {
    id: a.id,
    externalId: a.externalId,
    type: a.type as z.infer<typeof activitySchema>['type'],
    occurredAt: iso(a.occurredAt),
    title: a.title,
    details: a.details,
    ticket: a.ticket,
    customerId: a.customerId,
    organizationId: a.organizationId,
    dealId: a.dealId,
    createdAt: iso(a.createdAt),
    sync: syncStateJson(a.sync),
  };
}

/** The timeline's cursor: the last activity's time and id, base64url-encoded. */
const timelineCursor = (a: Activity): string => Buffer.from(`${a.occurredAt}.${a.id}`).toString('base64url');

const timelineCursorQuery = z
  .string()
  .max(200)
  .transform((v, ctx) => {
    const match = /^[A-Za-z0-9_-]+$/.test(v) ? /^(-?\d{1,16})\.(act_[0-9a-z]{6,40})$/.exec(Buffer.from(v, 'base64url').toString()) : null;
    if (!match || Buffer.from(match[0]).toString('base64url') !== v) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' });
      return z.NEVER;
    }
    return { occurredAt: Number(match[1]), id: match[2]! };
  })
  .optional();

export function activityRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const deps = (): ActivityServiceDeps => ({ db: ctx.db, clock: ctx.clock, listeners: ctx.activityListeners });
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/activities',
      {
        schema: {
          tags: ['activities'],
          summary: 'List activities newest first (by occurredAt), filtered by customer, organization, deal or type; a customer timeline is ?customerId=',
          params: workspaceParam,
          querystring: z
            .object({
              customerId: textQuery(100),
              organizationId: textQuery(100),
              dealId: textQuery(100),
              type: choiceListQuery(ACTIVITY_TYPES, 500),
              after: timelineCursorQuery,
              limit: limitQuery(500, 50),
            })
            .strict(),
          response: { 200: z.object({ activities: z.array(activitySchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const q = request.query;
        const page = await listActivities(ctx.db, {
          workspaceId: workspace.id,
          customerId: q.customerId,
          organizationId: q.organizationId,
          dealId: q.dealId,
          types: q.type,
          after: q.after,
          limit: q.limit,
        });
        const last = page.activities.at(-1);
        return { activities: page.activities.map(activityJson), nextCursor: page.hasMore && last ? timelineCursor(last) : null };
      },
    );

    app.post(
      '/api/workspaces/:workspace/activities',
      {
        schema: {
          tags: ['activities'],
          summary: 'Append an activity: 201 when new; 200 with the stored activity when its externalId was appended before',
          params: workspaceParam,
          body: activityBody,
          response: { 200: activitySchema, 201: activitySchema },
        },
      },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const { id, created } = await appendActivity(deps(), workspace.id, request.body);
        return reply.status(created ? 201 : 200).send(activityJson((await findActivity(ctx.db, workspace.id, id))!));
      },
    );

    app.post(
      '/api/workspaces/:workspace/activities/bulk',
      {
        schema: {
          tags: ['activities'],
          summary: `Append up to ${MAX_BULK_UPSERT} activities; each is created, already there (same externalId) or refused alone`,
          params: workspaceParam,
          body: z.object({ activities: z.array(activityBody).min(1).max(MAX_BULK_UPSERT) }).strict(),
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const results = await appendActivities(deps(), workspace.id, request.body.activities);
        const count = (status: string) => results.filter((r) => r.status === status).length;
        return { created: count('created'), existing: count('existing'), failed: count('error'), results };
      },
    );

    app.get(
      '/api/workspaces/:workspace/activities/:activityId',
      { schema: { tags: ['activities'], summary: 'Read one activity', params: activityParams, response: { 200: activitySchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const activity = await findActivity(ctx.db, workspace.id, request.params.activityId);
        if (!activity) throw notFound('Activity');
        return activityJson(activity);
      },
    );
  };
}
