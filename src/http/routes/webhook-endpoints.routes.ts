// Webhooks out (docs/webhooks-out.md): admins register the host app's endpoints per workspace
// with the events they want, see each endpoint's deliveries and replay one. The signing secret
// is answered once, at creation; it is stored sealed and never shown again.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, newId, newSecret } from '../../lib/index.js';
import {
  deleteWebhookEndpoint,
  findWebhookDelivery,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  updateWebhookEndpoint,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../../store/index.js';
import { checkWebhookUrl, replayWebhookDelivery, WEBHOOK_EVENT_TYPES } from '../../webhooks/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { iso, workspaceParam } from '../schemas.js';

const eventType = z.enum(WEBHOOK_EVENT_TYPES);
const events = z.array(eventType).min(1).max(WEBHOOK_EVENT_TYPES.length);

export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(eventType),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const webhookDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastResponseMs: z.number().nullable(),
  lastError: z.string().nullable(),
  replayOf: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  payload: z.unknown(),
});

const endpointParams = workspaceParam.extend({ endpointId: z.string().max(100) });
const deliveryParams = endpointParams.extend({ deliveryId: z.string().max(100) });
const url = z.string().min(1).max(2000);
const description = z.string().max(500).nullable();

const endpointView = (row: WebhookEndpointRow): z.infer<typeof webhookEndpointSchema> => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: JSON.parse(row.events) as z.infer<typeof eventType>[],
  enabled: row.enabled === 1,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
});

const optionalIso = (ms: number | string | null): string | null => (ms === null ? null : iso(Number(ms)));

const deliveryView = (row: WebhookDeliveryRow): z.infer<typeof webhookDeliverySchema> => ({
  id: row.id,
  eventId: row.event_id,
  eventType: row.event_type,
  status: row.status as 'pending' | 'delivered' | 'failed',
  attempts: row.attempts,
  nextAttemptAt: optionalIso(row.next_attempt_at),
  lastAttemptAt: optionalIso(row.last_attempt_at),
  lastStatusCode: row.last_status_code,
  lastResponseMs: row.last_response_ms,
  lastError: row.last_error,
  replayOf: row.replay_of,
  createdAt: iso(Number(row.created_at)),
  deliveredAt: optionalIso(row.delivered_at),
  payload: JSON.parse(row.body) as unknown,
});

export function webhookEndpointRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const allowPrivate = ctx.config.webhooks.allowPrivate;
  const endpointOf = async (workspaceId: string, id: string): Promise<WebhookEndpointRow> => {
    const row = await findWebhookEndpoint(ctx.db, workspaceId, id);
    if (!row) throw new AppError('NOT_FOUND', 'Webhook endpoint was not found.');
    return row;
  };

  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/webhook-endpoints',
      { schema: { tags: ['webhooks'], summary: 'The workspace’s webhook endpoints (admins only; secrets are never shown again)', params: workspaceParam, response: { 200: z.object({ endpoints: z.array(webhookEndpointSchema), eventTypes: z.array(z.string()) }) } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { endpoints: (await listWebhookEndpoints(ctx.db, workspace.id)).map(endpointView), eventTypes: [...WEBHOOK_EVENT_TYPES] };
      },
    );

    app.post(
      '/api/workspaces/:workspace/webhook-endpoints',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Register an endpoint for some events (admins only); the answer holds its signing secret, shown this once',
          params: workspaceParam,
          body: z.object({ url, events, description: description.optional(), enabled: z.boolean().optional() }).strict(),
          response: { 201: webhookEndpointSchema.extend({ secret: z.string() }) },
        },
      },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const checked = await checkWebhookUrl(request.body.url, { allowPrivate });
        const secret = newSecret('whsec');
        const now = ctx.clock.now();
        const row: WebhookEndpointRow = {
          id: newId('whe', ctx.clock),
          workspace_id: workspace.id,
          url: checked.toString(),
          description: request.body.description ?? null,
          events: JSON.stringify([...new Set(request.body.events)]),
          secret_enc: ctx.secrets.encrypt(secret),
          enabled: request.body.enabled === false ? 0 : 1,
          created_at: now,
          updated_at: now,
        };
        await insertWebhookEndpoint(ctx.db, row);
        ctx.webhooksOut.emitter.endpointsChanged(workspace.id);
        return reply.status(201).send({ ...endpointView(row), secret });
      },
    );

    app.patch(
      '/api/workspaces/:workspace/webhook-endpoints/:endpointId',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Change an endpoint’s URL, events, description or enabled (admins only)',
          params: endpointParams,
          body: z.object({ url: url.optional(), events: events.optional(), description: description.optional(), enabled: z.boolean().optional() }).strict(),
          response: { 200: webhookEndpointSchema },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await endpointOf(workspace.id, request.params.endpointId);
        const body = request.body;
        const checked = body.url === undefined ? undefined : await checkWebhookUrl(body.url, { allowPrivate });
        await updateWebhookEndpoint(ctx.db, workspace.id, request.params.endpointId, {
          ...(checked ? { url: checked.toString() } : {}),
          ...(body.events ? { events: JSON.stringify([...new Set(body.events)]) } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled ? 1 : 0 } : {}),
          updated_at: ctx.clock.now(),
        });
        ctx.webhooksOut.emitter.endpointsChanged(workspace.id);
        return endpointView(await endpointOf(workspace.id, request.params.endpointId));
      },
    );

    app.delete(
      '/api/workspaces/:workspace/webhook-endpoints/:endpointId',
      { schema: { tags: ['webhooks'], summary: 'Remove an endpoint and its deliveries (admins only)', params: endpointParams } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        if (!(await deleteWebhookEndpoint(ctx.db, workspace.id, request.params.endpointId))) throw new AppError('NOT_FOUND', 'Webhook endpoint was not found.');
        ctx.webhooksOut.emitter.endpointsChanged(workspace.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/workspaces/:workspace/webhook-endpoints/:endpointId/deliveries',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'An endpoint’s deliveries, newest first: status, attempts, response time, next attempt, last error (admins only)',
          params: endpointParams,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.string().max(100).optional() }),
          response: { 200: z.object({ deliveries: z.array(webhookDeliverySchema), nextBefore: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await endpointOf(workspace.id, request.params.endpointId);
        const rows = await listWebhookDeliveries(ctx.db, request.params.endpointId, { limit: request.query.limit + 1, before: request.query.before });
        const page = rows.slice(0, request.query.limit);
        return { deliveries: page.map(deliveryView), nextBefore: rows.length > page.length ? (page[page.length - 1]?.id ?? null) : null };
      },
    );

    app.post(
      '/api/workspaces/:workspace/webhook-endpoints/:endpointId/deliveries/:deliveryId/replay',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Send a delivery’s event again, as a new delivery with the same event id and body (admins only)',
          params: deliveryParams,
          response: { 202: webhookDeliverySchema },
        },
      },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        await endpointOf(workspace.id, request.params.endpointId);
        const original = await findWebhookDelivery(ctx.db, request.params.endpointId, request.params.deliveryId);
        if (!original) throw new AppError('NOT_FOUND', 'Delivery was not found.');
        const replay = await replayWebhookDelivery(ctx.db, ctx.clock, original);
        ctx.webhooksOut.wake();
        return reply.status(202).send(deliveryView(replay));
      },
    );
  };
}
