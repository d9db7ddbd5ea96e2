// Organizations (→ HubSpot companies): CRUD (and restore), search and cursor pagination, bulk upsert by
// externalId, CSV import, and members (link / unlink a customer, one primary per customer).
// The same shapes, rights and error envelope as the customers' routes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  bulkUpsertOrganizations,
  createOrganization,
  deleteOrganization,
  importOrganizationsCsv,
  linkMember,
  restoreOrganization,
  unlinkMember,
  updateOrganization,
  type OrganizationServiceDeps,
} from '../../crm/index.js';
import { AppError } from '../../lib/index.js';
import { MAX_BULK_UPSERT } from '../../records/index.js';
import type { Db, Organization } from '../../store/index.js';
import { findOrganization, listOrganizationCustomerIds, listOrganizations } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { limitQuery, opaqueCursor, opaqueCursorQuery, organizationJson, organizationSchema, statusListQuery, textQuery, timestampQuery, workspaceParam } from '../schemas.js';
import { bulkUpsertSummary, conflictsRoute, csvImportRoute } from './record-routes.js';

const id = z.string().min(1).max(100);
const organizationParams = workspaceParam.extend({ organizationId: id });
const memberParams = organizationParams.extend({ customerId: id });

/** Any JSON object: field-level validation happens in the crm module, which names the field. */
const organizationBody = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Organization fields: built-in keys, tags, custom: { key: value } (fields of objectType companies), externalId' });

async function withMembers(db: Db, o: Organization) {
  return organizationJson(o, await listOrganizationCustomerIds(db, o.workspaceId, o.id));
}

export function organizationRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const deps = (): OrganizationServiceDeps => ({ db: ctx.db, clock: ctx.clock, listeners: ctx.organizationListeners, linkListeners: ctx.organizationLinkListeners, writeThrough: ctx.writeThrough.organizations });
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/organizations',
      {
        schema: {
          tags: ['organizations'],
          summary: 'List organizations with search, filters and cursor pagination',
          params: workspaceParam,
          querystring: z
            .object({
              q: textQuery(200).describe('Matches the name or the domain'),
              domain: textQuery(2000).describe('Any form of the domain (https://www.example.com/x matches example.com)'),
              lifecycleStage: textQuery(100),
              ownerUserId: textQuery(100),
              tag: textQuery(100),
              status: statusListQuery,
              updatedSince: timestampQuery,
              sort: z.enum(['created', '-created']).default('created'),
              after: opaqueCursorQuery('org'),
              limit: limitQuery(500, 50),
            })
            .strict(),
          response: { 200: z.object({ organizations: z.array(organizationSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const { q, ...filters } = request.query;
        const page = await listOrganizations(ctx.db, { workspaceId: workspace.id, search: q, ...filters, statuses: filters.status });
        const last = page.organizations.at(-1);
        return { organizations: page.organizations.map((o) => organizationJson(o)), nextCursor: page.hasMore && last ? opaqueCursor(last.id) : null };
      },
    );

    app.post(
      '/api/workspaces/:workspace/organizations',
      { schema: { tags: ['organizations'], summary: 'Create an organization (name required)', params: workspaceParam, body: organizationBody, response: { 201: organizationSchema } } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const organization = await createOrganization(deps(), workspace.id, request.body);
        return reply.status(201).send(await withMembers(ctx.db, organization));
      },
    );

    app.get(
      '/api/workspaces/:workspace/organizations/:organizationId',
      { schema: { tags: ['organizations'], summary: 'Read one organization, with its members (customerIds)', params: organizationParams, response: { 200: organizationSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const organization = await findOrganization(ctx.db, workspace.id, request.params.organizationId);
        if (!organization) throw new AppError('NOT_FOUND', 'Organization was not found.');
        return withMembers(ctx.db, organization);
      },
    );

    conflictsRoute(app, ctx, 'organizations');

    app.patch(
      '/api/workspaces/:workspace/organizations/:organizationId',
      {
        schema: { tags: ['organizations'], summary: 'Change some fields of an organization; null clears a field', params: organizationParams, body: organizationBody, response: { 200: organizationSchema } },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return withMembers(ctx.db, await updateOrganization(deps(), workspace.id, request.params.organizationId, request.body));
      },
    );

    app.delete(
      '/api/workspaces/:workspace/organizations/:organizationId',
      { schema: { tags: ['organizations'], summary: 'Delete an organization (kept as deleted; frees its externalId)', params: organizationParams } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        await deleteOrganization(deps(), workspace.id, request.params.organizationId);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/workspaces/:workspace/organizations/:organizationId/restore',
      {
        schema: {
          tags: ['organizations'],
          summary: 'Restore a deleted organization (its externalId stays freed; its members count again); cancels its propagated delete if that has not run yet',
          params: organizationParams,
          response: { 200: organizationSchema },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return withMembers(ctx.db, await restoreOrganization(deps(), workspace.id, request.params.organizationId));
      },
    );

    app.put(
      '/api/workspaces/:workspace/organizations/:organizationId/customers/:customerId',
      {
        schema: {
          tags: ['organizations'],
          summary: "Make a customer a member; primary: true makes this the customer's primary organization",
          params: memberParams,
          body: z.object({ primary: z.boolean().optional() }).strict().nullish().describe('Optional; primary defaults to false'),
        },
      },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        await linkMember(deps(), workspace.id, request.params.organizationId, request.params.customerId, request.body?.primary ?? false);
        return reply.status(204).send();
      },
    );

    app.delete(
      '/api/workspaces/:workspace/organizations/:organizationId/customers/:customerId',
      { schema: { tags: ['organizations'], summary: 'Remove a customer from the organization', params: memberParams } },
      async (request, reply) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        await unlinkMember(deps(), workspace.id, request.params.organizationId, request.params.customerId);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/workspaces/:workspace/organizations/bulk-upsert',
      {
        schema: {
          tags: ['organizations'],
          summary: `Create or update up to ${MAX_BULK_UPSERT} organizations by externalId; each item succeeds or fails alone`,
          params: workspaceParam,
          body: z.object({ organizations: z.array(organizationBody).min(1).max(MAX_BULK_UPSERT) }).strict(),
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return bulkUpsertSummary(await bulkUpsertOrganizations(deps(), workspace.id, request.body.organizations));
      },
    );

    csvImportRoute(app, ctx, 'organizations', (workspaceId, body, options) => importOrganizationsCsv(deps(), workspaceId, body, options));
  };
}
