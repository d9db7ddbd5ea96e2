// Custom field definitions, per object type (`contacts` for customers — the default, so clients
// written before organizations keep working — or `companies` for organizations): everyone in
// the workspace reads them, admins change them.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../audit/index.js';
import { DEAL_FIELD_KEYS } from '../../crm/deals/index.js';
import { ORGANIZATION_FIELD_KEYS } from '../../crm/index.js';
import { BUILT_IN_FIELD_KEYS } from '../../customers/index.js';
import { changeCustomField, createCustomField, CUSTOM_FIELD_OBJECT_TYPES, CUSTOM_FIELD_TYPES, type CustomFieldObjectType } from '../../records/index.js';
import { listCustomFields } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { customFieldJson, customFieldSchema, safeText, workspaceParam } from '../schemas.js';

const option = z.object({ value: safeText(z.string().min(1).max(200)), label: safeText(z.string().min(1).max(200)) }).strict();
const label = safeText(z.string().min(1).max(200));
const objectType = z.enum(CUSTOM_FIELD_OBJECT_TYPES).describe('contacts (customers, the default), companies (organizations) or deals');

/** The built-in keys a custom field of the type may not shadow. */
export const BUILT_IN_KEYS: Record<CustomFieldObjectType, readonly string[]> = { contacts: BUILT_IN_FIELD_KEYS, companies: ORGANIZATION_FIELD_KEYS, deals: DEAL_FIELD_KEYS };

export function customFieldRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/custom-fields',
      {
        schema: {
          tags: ['custom fields'],
          summary: 'Custom fields of one object type (customers by default; ?objectType=companies for organizations, deals for deals)',
          params: workspaceParam,
          querystring: z.object({ objectType: objectType.default('contacts') }).strict(),
          response: { 200: z.object({ customFields: z.array(customFieldSchema) }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return { customFields: (await listCustomFields(ctx.db, workspace.id, request.query.objectType)).map(customFieldJson) };
      },
    );

    app.post(
      '/api/workspaces/:workspace/custom-fields',
      {
        schema: {
          tags: ['custom fields'],
          summary: 'Create a custom field (admins only)',
          params: workspaceParam,
          body: z
            .object({ objectType: objectType.optional(), key: safeText(z.string().min(1).max(63)), label, type: z.enum(CUSTOM_FIELD_TYPES), options: z.array(option).max(500).optional() })
            .strict(),
          response: { 201: customFieldSchema },
        },
      },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const field = await ctx.db.transaction().execute(async (trx) => {
          const created = await createCustomField(trx, ctx.clock, access.workspace.id, request.body, BUILT_IN_KEYS[request.body.objectType ?? 'contacts']);
          await audit(trx, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'custom_field.created', target: { type: 'custom_field', id: created.id }, details: { objectType: created.objectType, key: created.key, type: created.type } });
          return created;
        });
        return reply.status(201).send(customFieldJson(field));
      },
    );

    app.patch(
      '/api/workspaces/:workspace/custom-fields/:fieldId',
      {
        schema: {
          tags: ['custom fields'],
          summary: 'Rename, add options to, archive or restore a custom field (admins only)',
          params: workspaceParam.extend({ fieldId: z.string() }),
          body: z.object({ label: label.optional(), options: z.array(option).max(500).optional(), archived: z.boolean().optional() }).strict(),
          response: { 200: customFieldSchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const field = await ctx.db.transaction().execute(async (trx) => {
          const updated = await changeCustomField(trx, ctx.clock, access.workspace.id, request.params.fieldId, request.body);
          await audit(trx, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'custom_field.changed', target: { type: 'custom_field', id: updated.id }, details: { ...request.body } });
          return updated;
        });
        return customFieldJson(field);
      },
    );
  };
}
