// Tags (issue 16): the catalog (seed 001's built-in tags, labels, admin-defined tags), the
// activity rules, the `hubsync_tags` property and a HubSpot list per tag, and applying tags to
// customers one at a time or up to MAX_TAG_BULK at once. Everyone in the workspace reads and
// applies tags; admins change the catalog, rules, property and lists.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../audit/index.js';
import { AppError } from '../../lib/index.js';
import { countCustomersWithTag, countPendingMemberships, customerIdsWithTag, findCustomer, listMembershipsOfCustomers, listRuns, type Db } from '../../store/index.js';
import { ACTIVITY_EVENT_STATES, flushTagLists, onCustomersChanged, readActivityEvents, readTagProperty, setActivityEventsEnabled, setTagPropertyEnabled, syncTagProperty, tagPropertyDeps, type TagPropertyState } from '../../sync/index.js';
import { ACTIVITY_TYPES } from '../../store/index.js';
import { applyTags, changeTag, createTag, deleteTag, LIST_MISSING_ACTIONS, listNameOf, loadCatalog, MAX_TAG_BULK, readRules, saveRules, type Tag, type TagServiceDeps } from '../../tags/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { customerJson, customerSchema, safeText, workspaceParam } from '../schemas.js';

const tagKey = safeText(z.string().min(1).max(100));
const tagParams = workspaceParam.extend({ key: tagKey });
const label = safeText(z.string().trim().min(1).max(200));

const listSchema = z.object({
  enabled: z.boolean(),
  missing: z.enum(LIST_MISSING_ACTIONS),
  name: z.string(),
  listId: z.string().nullable(),
  status: z.enum(['ok', 'missing', 'error']).nullable(),
  error: z.string().nullable(),
  pushedAt: z.number().nullable(),
  pending: z.number().int(),
});
const tagSchema = z.object({ key: z.string(), label: z.string(), builtIn: z.boolean(), customers: z.number().int(), list: listSchema });
const ruleSchema = z.object({ activityType: z.enum(ACTIVITY_TYPES), add: z.array(tagKey).max(50), remove: z.array(tagKey).max(50) }).strict();
const propertySchema = z.object({ name: z.string(), enabled: z.boolean(), state: z.enum(['none', 'ready', 'error']), error: z.string().nullable(), syncedAt: z.number().nullable(), upToDate: z.boolean() });
const eventsSchema = z.object({
  enabled: z.boolean(),
  state: z.enum(ACTIVITY_EVENT_STATES),
  message: z.string().nullable(),
  definitions: z.record(z.string(), z.string()),
  queued: z.number().int(),
  sent: z.number().int(),
  sentAt: z.number().nullable(),
});
/** GET /tags: the catalog with counts, the rules, the property, the custom events setting; the UI's TagsView. */
export const tagsViewSchema = z.object({ tags: z.array(tagSchema), rules: z.array(ruleSchema), property: propertySchema, events: eventsSchema, lastContactPushAt: z.number().nullable() });
const changeBody = z.object({ add: z.array(tagKey).max(200).default([]), remove: z.array(tagKey).max(200).default([]) }).strict();

async function tagJson(db: Db, workspaceId: string, tag: Tag): Promise<z.infer<typeof tagSchema>> {
  return {
    key: tag.key,
    label: tag.label,
    builtIn: tag.builtIn,
    customers: await countCustomersWithTag(db, workspaceId, tag.key),
    list: { ...tag.list, name: listNameOf(tag.key), pending: tag.list.enabled ? await countPendingMemberships(db, workspaceId, tag.key) : 0 },
  };
}

export function tagRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const deps = (): TagServiceDeps => ({ db: ctx.db, clock: ctx.clock, customerListeners: ctx.customerListeners });
  const property = () => tagPropertyDeps(ctx.db, ctx.clock, ctx.hubspot);
  /** After a label change or a new tag: HubSpot's options follow at once when the property exists (a failure is kept in its state, not thrown). */
  const followCatalog = async (workspaceId: string): Promise<TagPropertyState> => {
    const state = await readTagProperty(ctx.db, workspaceId);
    if (state.enabled && state.state === 'ready' && !state.upToDate) await syncTagProperty(property(), workspaceId).catch(() => undefined);
    return readTagProperty(ctx.db, workspaceId);
  };
  const findTag = async (workspaceId: string, key: string): Promise<Tag> => {
    const tag = (await loadCatalog(ctx.db, workspaceId)).find((t) => t.key === key);
    if (!tag) throw new AppError('NOT_FOUND', `Tag "${key}" was not found.`);
    return tag;
  };

  return async (app) => {
    app.get(
      '/api/workspaces/:workspace/tags',
      {
        schema: {
          tags: ['tags'],
          summary: 'The tag catalog with counts of tagged customers, the activity rules, the hubsync_tags property and each tag’s list',
          params: workspaceParam,
          response: { 200: tagsViewSchema },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const catalog = await loadCatalog(ctx.db, workspace.id);
        const [last] = await listRuns(ctx.db, workspace.id, undefined, 1);
        return {
          tags: await Promise.all(catalog.map((t) => tagJson(ctx.db, workspace.id, t))),
          rules: (await readRules(ctx.db, workspace.id)) as z.infer<typeof ruleSchema>[],
          property: await readTagProperty(ctx.db, workspace.id),
          events: await readActivityEvents(ctx.db, workspace.id),
          lastContactPushAt: last?.finished_at ?? null,
        };
      },
    );

    app.post(
      '/api/workspaces/:workspace/tags',
      { schema: { tags: ['tags'], summary: 'Define a tag (admins only); its key is what customers and HubSpot store', params: workspaceParam, body: z.object({ key: tagKey, label: label.optional() }).strict(), response: { 201: tagSchema } } },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const tag = await createTag(deps(), access.workspace.id, request.body);
        await ctx.db.transaction().execute(async (trx) => {
          await audit(trx, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'tag.created', target: { type: 'tag', id: tag.key }, details: { label: tag.label } });
          // Customers that carried the tag before it was defined now push it.
          const carrying = await customerIdsWithTag(trx, access.workspace.id, tag.key);
          if (carrying.length > 0) await onCustomersChanged(trx, access.workspace.id, carrying);
        });
        await followCatalog(access.workspace.id);
        return reply.status(201).send(await tagJson(ctx.db, access.workspace.id, tag));
      },
    );

    app.patch(
      '/api/workspaces/:workspace/tags/:key',
      {
        schema: {
          tags: ['tags'],
          summary: 'Rename a tag (its key stays) or set its HubSpot list: on/off, and re-create or report when deleted in HubSpot (admins only)',
          params: tagParams,
          body: z.object({ label: label.optional(), list: z.object({ enabled: z.boolean().optional(), missing: z.enum(LIST_MISSING_ACTIONS).optional() }).strict().optional() }).strict(),
          response: { 200: tagSchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const tag = await changeTag(deps(), access.workspace.id, request.params.key, request.body);
        await audit(ctx.db, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'tag.changed', target: { type: 'tag', id: tag.key }, details: { ...request.body } });
        // A list turned on (or set to re-create) sends the customers already carrying the tag.
        if (request.body.list !== undefined && tag.list.enabled) ctx.tagLists?.wake(access.workspace.id);
        if (request.body.label !== undefined) await followCatalog(access.workspace.id);
        return tagJson(ctx.db, access.workspace.id, tag);
      },
    );

    app.delete(
      '/api/workspaces/:workspace/tags/:key',
      { schema: { tags: ['tags'], summary: 'Delete an admin-defined tag and take it off every customer (admins only; built-in tags cannot be deleted)', params: tagParams, response: { 200: z.object({ customersChanged: z.number().int() }) } } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const result = await deleteTag(deps(), access.workspace.id, request.params.key);
        await audit(ctx.db, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'tag.deleted', target: { type: 'tag', id: request.params.key }, details: result });
        await followCatalog(access.workspace.id);
        return result;
      },
    );

    app.put(
      '/api/workspaces/:workspace/tags/rules',
      {
        schema: {
          tags: ['tags'],
          summary: 'Replace the activity rules (which tags each activity type adds and removes); null restores seed 001’s (admins only)',
          params: workspaceParam,
          body: z.object({ rules: z.array(ruleSchema).max(ACTIVITY_TYPES.length).nullable() }).strict(),
          response: { 200: z.object({ rules: z.array(ruleSchema) }) },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const rules = await saveRules(deps(), access.workspace.id, request.body.rules);
        await audit(ctx.db, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'tag.rules_saved', details: { rules: request.body.rules } });
        return { rules: rules as z.infer<typeof ruleSchema>[] };
      },
    );

    app.put(
      '/api/workspaces/:workspace/tags/property',
      {
        schema: {
          tags: ['tags'],
          summary: 'Write tags into the hubsync_tags contact property or not; turning it on creates the property (needs crm.schemas.contacts.write) (admins only)',
          params: workspaceParam,
          body: z.object({ enabled: z.boolean() }).strict(),
          response: { 200: propertySchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const state = await setTagPropertyEnabled(property(), access.workspace.id, request.body.enabled);
        await audit(ctx.db, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'tag.property_changed', details: { enabled: request.body.enabled } });
        return state;
      },
    );

    app.post(
      '/api/workspaces/:workspace/tags/property/sync',
      { schema: { tags: ['tags'], summary: 'Create the hubsync_tags property in HubSpot, or bring its options in line with the catalog, now (admins only)', params: workspaceParam, response: { 200: propertySchema } } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return syncTagProperty(property(), access.workspace.id, { force: true });
      },
    );

    app.put(
      '/api/workspaces/:workspace/tags/events',
      {
        schema: {
          tags: ['tags'],
          summary:
            'Also send activities as HubSpot custom behavioral events (Enterprise hubs only) or stop; turning it on (again) asks HubSpot at once and answers whether the portal can, which is also how an admin retries after "unavailable" (admins only)',
          params: workspaceParam,
          body: z.object({ enabled: z.boolean() }).strict(),
          response: { 200: eventsSchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const state = await setActivityEventsEnabled({ db: ctx.db, clock: ctx.clock, client: (id) => ctx.hubspot.clientFor(id) }, access.workspace.id, request.body.enabled);
        await audit(ctx.db, ctx.clock, { workspaceId: access.workspace.id, actor: access.actor, action: 'tag.events_changed', details: { enabled: request.body.enabled, state: state.state } });
        return state;
      },
    );

    app.post(
      '/api/workspaces/:workspace/tags/lists/flush',
      {
        schema: {
          tags: ['tags'],
          summary: 'Send the queued list memberships of every tag with a list now (the tags.lists job does this on its own) (admins only)',
          params: workspaceParam,
          response: { 200: z.object({ tags: z.array(z.object({ key: z.string(), listId: z.string().nullable(), added: z.number(), removed: z.number(), status: z.string().nullable(), error: z.string().nullable() })) }) },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return flushTagLists({ db: ctx.db, clock: ctx.clock, client: (id) => ctx.hubspot.clientFor(id) }, access.workspace.id);
      },
    );

    app.post(
      '/api/workspaces/:workspace/tags/apply',
      {
        schema: {
          tags: ['tags'],
          summary: `Add and remove tags on up to ${MAX_TAG_BULK} customers at once (more is BULK_LIMIT_EXCEEDED)`,
          params: workspaceParam,
          // No max here: the service answers a stable BULK_LIMIT_EXCEEDED with the limit.
          body: changeBody.extend({ customerIds: z.array(z.string().min(1).max(100)).min(1) }).strict(),
          response: { 200: z.object({ changed: z.number().int(), unchanged: z.number().int(), notFound: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return applyTags(deps(), workspace.id, request.body.customerIds, request.body.add, request.body.remove);
      },
    );

    app.post(
      '/api/workspaces/:workspace/customers/:customerId/tags',
      { schema: { tags: ['tags'], summary: 'Add and remove tags on one customer', params: workspaceParam.extend({ customerId: z.string().min(1).max(100) }), body: changeBody, response: { 200: customerSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        const result = await applyTags(deps(), workspace.id, [request.params.customerId], request.body.add, request.body.remove);
        if (result.notFound.length > 0) throw new AppError('NOT_FOUND', 'Customer was not found.');
        const customer = (await findCustomer(ctx.db, workspace.id, request.params.customerId))!;
        const memberships = await listMembershipsOfCustomers(ctx.db, workspace.id, [customer.id]);
        return customerJson(customer, (memberships.get(customer.id) ?? []).map((m) => m.organizationId));
      },
    );

    // Read access to one tag (for links from the customer page).
    app.get(
      '/api/workspaces/:workspace/tags/:key',
      { schema: { tags: ['tags'], summary: 'One tag with its count and list', params: tagParams, response: { 200: tagSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return tagJson(ctx.db, workspace.id, await findTag(workspace.id, request.params.key));
      },
    );
  };
}
