// Deals: CRUD (and restore), search and cursor pagination, customer links, bulk upsert by externalId, CSV
// import. Field-level validation is the deals module's (it names the field); the schemas here
// only say the body is an object and document the answer.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bulkUpsertDeals, createDeal, deleteDeal, importDealsCsv, linkDealCustomer, restoreDeal, updateDeal, type DealServiceDeps } from '../../crm/deals/index.js';
import { notFound } from '../../lib/index.js';
import { MAX_BULK_UPSERT } from '../../records/index.js';
import type { Deal } from '../../store/index.js';
import { findDeal, listDeals } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { customValue, fieldTimesJson, iso, limitQuery, opaqueCursor, opaqueCursorQuery, statusListQuery, syncStateJson, syncStateSchema, textQuery, timestampQuery, workspaceParam } from '../schemas.js';
import { bulkUpsertSummary, conflictsRoute, csvImportRoute } from './record-routes.js';

const idParam = z.string().min(1).max(100);
const dealParams = workspaceParam.extend({ dealId: idParam });
const linkParams = dealParams.extend({ customerId: idParam });

const dealBody = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Deal fields: name, amount, currency, closeDate, pipeline, stage, ownerUserId, organizationId, customerIds, custom: { key: value }, externalId' });

export const dealSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    name: z.string().nullable(),
    amount: z.string().nullable(),
    currency: z.string().nullable(),
    closeDate: z.string().nullable(),
    pipeline: z.string(),
    stage: z.string().nullable(),
    ownerUserId: z.string().nullable(),
    organizationId: z.string().nullable(),
    customerIds: z.array(z.string()),
    custom: z.record(z.string(), customValue),
    fieldUpdatedAt: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    sync: syncStateSchema,
  })
  .meta({ id: 'Deal' });

export function dealJson(d: Deal): z.infer<typeof dealSchema> {
  return {
    id: d.id,
    externalId: d.externalId,
    name: d.name,
    amount: d.amount,
    currency: d.currency,
    closeDate: d.closeDate,
    pipeline: d.pipeline,
    stage: d.stage,
    ownerUserId: d.ownerUserId,
    organizationId: d.organizationId,
    customerIds: d.customerIds,
    custom: d.custom,
    fieldUpdatedAt: fieldTimesJson(d.fieldUpdatedAt),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    sync: syncStateJson(d.sync),
  };
}

export function dealRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const deps = (): DealServiceDeps => ({ db: ctx.db, clock: ctx.clock, listeners: ctx.dealListeners, writeThrough: ctx.writeThrough.deals });
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/deals',
      {
        schema: {
          tags: ['deals'],
          summary: 'List deals with search, filters and cursor pagination (oldest first)',
          params: workspaceParam,
          querystring: z
            .object({
              q: textQuery(200).describe('Matches the deal name'),
              status: statusListQuery,
              stage: textQuery(100),
              organizationId: textQuery(100),
              customerId: textQuery(100),
              updatedSince: timestampQuery,
              after: opaqueCursorQuery('deal'),
              limit: limitQuery(500, 50),
            })
            .strict(),
          response: { 200: z.object({ deals: z.array(dealSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const q = request.query;
        const page = await listDeals(ctx.db, {
          workspaceId: workspace.id,
          search: q.q,
          statuses: q.status,
          stage: q.stage,
          organizationId: q.organizationId,
          customerId: q.customerId,
          updatedSince: q.updatedSince,
          after: q.after,
          limit: q.limit,
        });
        const last = page.deals.at(-1);
        return { deals: page.deals.map(dealJson), nextCursor: page.hasMore && last ? opaqueCursor(last.id) : null };
      },
    );

    app.post(
      '/api/workspaces/:workspace/deals',
      { schema: { tags: ['deals'], summary: 'Create a deal', params: workspaceParam, body: dealBody, response: { 201: dealSchema } } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return reply.status(201).send(dealJson(await createDeal(deps(), workspace.id, request.body)));
      },
    );

    app.get(
      '/api/workspaces/:workspace/deals/:dealId',
      { schema: { tags: ['deals'], summary: 'Read one deal', params: dealParams, response: { 200: dealSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const deal = await findDeal(ctx.db, workspace.id, request.params.dealId);
        if (!deal) throw notFound('Deal');
        return dealJson(deal);
      },
    );

    conflictsRoute(app, ctx, 'deals');

    app.patch(
      '/api/workspaces/:workspace/deals/:dealId',
      {
        schema: {
          tags: ['deals'],
          summary: 'Change some fields of a deal; null clears a field, customerIds replaces the linked customers, organizationId links or (null) unlinks the organization',
          params: dealParams,
          body: dealBody,
          response: { 200: dealSchema },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return dealJson(await updateDeal(deps(), workspace.id, request.params.dealId, request.body));
      },
    );

    app.delete(
      '/api/workspaces/:workspace/deals/:dealId',
      { schema: { tags: ['deals'], summary: 'Delete a deal (kept as deleted; frees its externalId)', params: dealParams } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        await deleteDeal(deps(), workspace.id, request.params.dealId);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/workspaces/:workspace/deals/:dealId/restore',
      { schema: { tags: ['deals'], summary: 'Restore a deleted deal (its externalId stays freed); cancels its propagated delete if that has not run yet', params: dealParams, response: { 200: dealSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return dealJson(await restoreDeal(deps(), workspace.id, request.params.dealId));
      },
    );

    for (const [method, link] of [['PUT', true], ['DELETE', false]] as const) {
      app.route({
        method,
        url: '/api/workspaces/:workspace/deals/:dealId/customers/:customerId',
        schema: { tags: ['deals'], summary: link ? 'Link a customer to the deal (linking twice is harmless)' : 'Unlink a customer from the deal', params: linkParams, response: { 200: dealSchema } },
        handler: async (request) => {
          const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
          return dealJson(await linkDealCustomer(deps(), workspace.id, request.params.dealId, request.params.customerId, link));
        },
      });
    }

    app.post(
      '/api/workspaces/:workspace/deals/bulk-upsert',
      {
        schema: {
          tags: ['deals'],
          summary: `Create or update up to ${MAX_BULK_UPSERT} deals by externalId; each item succeeds or fails alone`,
          params: workspaceParam,
          body: z.object({ deals: z.array(dealBody).min(1).max(MAX_BULK_UPSERT) }).strict(),
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return bulkUpsertSummary(await bulkUpsertDeals(deps(), workspace.id, request.body.deals));
      },
    );

    csvImportRoute(app, ctx, 'deals', (workspaceId, body, options) => importDealsCsv(deps(), workspaceId, body, options));
  };
}
