// Customers: CRUD (and restore), search and cursor pagination, bulk upsert by externalId, CSV import.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { customerOrganizationLinks } from '../../crm/index.js';
import { bulkUpsertCustomers, createCustomer, deleteCustomer, importCustomersCsv, restoreCustomer, updateCustomer, type CustomerServiceDeps } from '../../customers/index.js';
import { AppError } from '../../lib/index.js';
import { MAX_BULK_UPSERT } from '../../records/index.js';
import type { Customer, Db } from '../../store/index.js';
import { findCustomer, listCustomers, listMembershipsOfCustomers } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { bulkUpsertSummary, conflictsRoute, csvImportRoute } from './record-routes.js';
import { customerJson, customerSchema, limitQuery, opaqueCursor, opaqueCursorQuery, statusListQuery, textQuery, timestampQuery, workspaceParam } from '../schemas.js';

const customerParams = workspaceParam.extend({ customerId: z.string().min(1).max(100) });

/** Any JSON object: field-level validation happens in the customers module, which names the field. */
const customerBody = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Customer fields: built-in keys, ownerUserId, tags, custom: { key: value }, externalId, organizationIds (the first is the primary one; replaces the list)' });


/** Customers as the API shows them, with their organizations (one query for a page). */
async function customersJson(db: Db, workspaceId: string, customers: Customer[]) {
  const memberships = await listMembershipsOfCustomers(db, workspaceId, customers.map((c) => c.id));
  return customers.map((c) => customerJson(c, (memberships.get(c.id) ?? []).map((m) => m.organizationId)));
}

async function oneCustomerJson(db: Db, customer: Customer) {
  return (await customersJson(db, customer.workspaceId, [customer]))[0]!;
}

/** Route options of every CSV import: a streamed text/csv body of up to 2 GiB. */
export const CSV_UPLOAD = { bodyLimit: 2 * 1024 * 1024 * 1024, config: { accepts: ['text/csv'], streamedBody: true } } as const;

export function customerRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const deps = (): CustomerServiceDeps => ({
    db: ctx.db,
    clock: ctx.clock,
    listeners: ctx.customerListeners,
    links: customerOrganizationLinks({ db: ctx.db, clock: ctx.clock, listeners: ctx.organizationListeners, linkListeners: ctx.organizationLinkListeners }),
    writeThrough: ctx.writeThrough.customers,
  });
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/customers',
      {
        schema: {
          tags: ['customers'],
          summary: 'List customers with search, filters and cursor pagination',
          params: workspaceParam,
          querystring: z
            .object({
              q: textQuery(200).describe('Matches first name, last name or email'),
              email: textQuery(254),
              lifecycleStage: textQuery(100),
              tag: textQuery(100),
              status: statusListQuery,
              updatedSince: timestampQuery,
              sort: z.enum(['created', '-created']).default('created'),
              after: opaqueCursorQuery('cus'),
              limit: limitQuery(500, 50),
            })
            .strict(),
          response: { 200: z.object({ customers: z.array(customerSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const q = request.query;
        const page = await listCustomers(ctx.db, {
          workspaceId: workspace.id,
          search: q.q,
          email: q.email,
          lifecycleStage: q.lifecycleStage,
          tag: q.tag,
          statuses: q.status,
          updatedSince: q.updatedSince,
          sort: q.sort,
          after: q.after,
          limit: q.limit,
        });
        const last = page.customers.at(-1);
        return { customers: await customersJson(ctx.db, workspace.id, page.customers), nextCursor: page.hasMore && last ? opaqueCursor(last.id) : null };
      },
    );

    app.post(
      '/api/workspaces/:workspace/customers',
      { schema: { tags: ['customers'], summary: 'Create a customer', params: workspaceParam, body: customerBody, response: { 201: customerSchema } } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const customer = await createCustomer(deps(), workspace.id, request.body);
        return reply.status(201).send(await oneCustomerJson(ctx.db, customer));
      },
    );

    app.get(
      '/api/workspaces/:workspace/customers/:customerId',
      { schema: { tags: ['customers'], summary: 'Read one customer', params: customerParams, response: { 200: customerSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const customer = await findCustomer(ctx.db, workspace.id, request.params.customerId);
        if (!customer) throw new AppError('NOT_FOUND', 'Customer was not found.');
        return oneCustomerJson(ctx.db, customer);
      },
    );

    conflictsRoute(app, ctx, 'customers');

    app.patch(
      '/api/workspaces/:workspace/customers/:customerId',
      { schema: { tags: ['customers'], summary: 'Change some fields of a customer; null clears a field', params: customerParams, body: customerBody, response: { 200: customerSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return oneCustomerJson(ctx.db, await updateCustomer(deps(), workspace.id, request.params.customerId, request.body));
      },
    );

    app.delete(
      '/api/workspaces/:workspace/customers/:customerId',
      { schema: { tags: ['customers'], summary: 'Delete a customer (kept as deleted; frees its externalId)', params: customerParams } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        await deleteCustomer(deps(), workspace.id, request.params.customerId);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/workspaces/:workspace/customers/:customerId/restore',
      { schema: { tags: ['customers'], summary: 'Restore a deleted customer (its externalId stays freed); cancels its propagated delete if that has not run yet', params: customerParams, response: { 200: customerSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return oneCustomerJson(ctx.db, await restoreCustomer(deps(), workspace.id, request.params.customerId));
      },
    );

    app.post(
      '/api/workspaces/:workspace/customers/bulk-upsert',
      {
        schema: {
          tags: ['customers'],
          summary: `Create or update up to ${MAX_BULK_UPSERT} customers by externalId; each item succeeds or fails alone`,
          params: workspaceParam,
          body: z.object({ customers: z.array(customerBody).min(1).max(MAX_BULK_UPSERT) }).strict(),
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return bulkUpsertSummary(await bulkUpsertCustomers(deps(), workspace.id, request.body.customers));
      },
    );

    csvImportRoute(app, ctx, 'customers', (workspaceId, body, options) => importCustomersCsv(deps(), workspaceId, body, options));
  };
}
