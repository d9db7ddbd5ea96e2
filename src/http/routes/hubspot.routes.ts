// Config → Integrations → HubSpot: the connection (token, OAuth, reveal, disconnect, health),
// the contact field mapping, and the automatic-sync settings (on-change push, reconcile schedule).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SYNCED_OBJECT_TYPES, type ConnectionView } from '../../integration/index.js';
import { AppError } from '../../lib/index.js';
import { CUSTOM_FIELD_OBJECT_TYPES } from '../../records/index.js';
import { findConnection } from '../../store/index.js';
import { enabledObjectTypes, readSyncSettings, RUN_TRIGGERS, syncHealth, syncSettingsView, updateSyncSettings } from '../../sync/index.js';
import { requireUser, workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { customFieldJson, customFieldSchema, safeText, workspaceParam } from '../schemas.js';
import { authorizationLinkRoutes } from './authorization-link.routes.js';
import { BUILT_IN_KEYS } from './custom-field.routes.js';

export const connectionSchema = z
  .object({
    status: z.enum(['not_connected', 'connected', 'token_invalid', 'missing_scopes', 'rate_limited', 'reconnect_needed']),
    method: z.enum(['private_app', 'oauth']).nullable(),
    source: z.enum(['api', 'environment']).nullable(),
    portalId: z.number().nullable(),
    scopes: z.array(z.string()),
    missingOptionalScopes: z.array(z.string()),
    tokenPreview: z.string().nullable(),
    connectedBy: z.string().nullable(),
    connectedAt: z.string().nullable(),
    lastError: z.string().nullable(),
    oauthAvailable: z.boolean(),
    usage: z.object({ callsToday: z.number(), errorsToday: z.number(), rateLimitedToday: z.number(), dailyLimit: z.number().nullable() }),
    health: z.object({
      state: z.enum(['not_connected', 'connected', 'token_invalid', 'rate_limited', 'failing']),
      lastError: z.string().nullable(),
      lastRun: z
        .object({
          id: z.string(),
          status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']),
          trigger: z.enum(RUN_TRIGGERS),
          startedAt: z.string(),
          finishedAt: z.string().nullable(),
        })
        .nullable(),
      nextReconcileAt: z.string().nullable(),
      pendingChanges: z.number().int().min(0),
    }),
  })
  .meta({ id: 'HubSpotConnection' });

export const syncSettingsSchema = z
  .object({
    syncCompanies: z.boolean(),
    syncDeals: z.boolean(),
    syncActivities: z.boolean(),
    pushContactsOnChange: z.boolean(),
    pushCompaniesOnChange: z.boolean(),
    reconcileSchedule: z.string().nullable(),
    timezone: z.string(),
    scheduleDescription: z.string(),
    jitterSeconds: z.number().nullable(),
    nextReconcileAt: z.string().nullable(),
    twoWay: z.boolean(),
    inboundLifecycleStages: z.array(z.string()),
    pollIntervalMinutes: z.number().int(),
    writeThrough: z.boolean(),
    propagateDeletes: z.boolean(),
    archiveOnHubSpotDelete: z.boolean(),
    dedupWindowSeconds: z.number().int(),
    objectTypes: z.array(
      z.object({ objectType: z.enum(SYNCED_OBJECT_TYPES), enabled: z.boolean(), requiredScopes: z.array(z.string()), missingScopes: z.array(z.string()) }),
    ),
  })
  .meta({ id: 'HubSpotSyncSettings' });


/** One field of a saved mapping: its property, or its property and direction (checked by the mapping service, which names the field). */
const mappingEntry = z.union([z.string().max(200).nullable(), z.object({ property: z.string().max(200).nullable(), direction: z.string().max(20).optional() }).strict()]);

/** The object types with a field mapping; contacts when left out. */
const mappingObjectType = z.enum(CUSTOM_FIELD_OBJECT_TYPES).default('contacts').describe('contacts, companies or deals');

const settingsPatchSchema = z
  .object({
    syncCompanies: z.boolean().optional(),
    syncDeals: z.boolean().optional(),
    syncActivities: z.boolean().optional(),
    pushContactsOnChange: z.boolean().optional(),
    pushCompaniesOnChange: z.boolean().optional(),
    reconcileSchedule: z.string().max(200).nullable().optional(),
    timezone: z.string().max(100).optional(),
    twoWay: z.boolean().optional(),
    inboundLifecycleStages: z.array(z.string().max(100)).max(50).optional(),
    pollIntervalMinutes: z.number().int().optional(),
    writeThrough: z.boolean().optional(),
    propagateDeletes: z.boolean().optional(),
    archiveOnHubSpotDelete: z.boolean().optional(),
    dedupWindowSeconds: z.number().int().optional(),
  })
  .strict();

/**
 * A token travels in an HTTP header, so it can only hold visible ASCII. Whitespace around a
 * pasted token is trimmed when it is stored; anything else (inner spaces, line breaks, control
 * or non-ASCII characters) is a typo HubSpot would refuse, answered here before any call.
 */
const accessTokenInput = z
  .string()
  .min(1)
  .max(500)
  .refine((token) => /^[\x21-\x7e]+$/.test(token.trim()), {
    error: 'must be the token exactly as HubSpot shows it: letters, digits and punctuation, without spaces, line breaks, control or non-ASCII characters.',
  });

export function hubspotRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const withHealth = async (workspaceId: string, view: ConnectionView) => ({ ...view, health: await syncHealth(ctx.db, workspaceId, view, ctx.clock.now()) });
  const settingsView = async (workspaceId: string) => {
    const [settings, connection] = await Promise.all([readSyncSettings(ctx.db, workspaceId), findConnection(ctx.db, workspaceId)]);
    return syncSettingsView(settings, workspaceId, { now: ctx.clock.now(), grantedScopes: connection ? (JSON.parse(connection.scopes) as string[]) : null });
  };

  return async (app) => {
    await app.register(authorizationLinkRoutes(ctx));

    app.get('/api/workspaces/:workspace/hubspot/connection', { schema: { tags: ['hubspot'], summary: 'Connection status and health', params: workspaceParam, response: { 200: connectionSchema } } }, async (request) => {
      const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
      return withHealth(workspace.id, await ctx.hubspot.view(workspace.id));
    });

    app.put(
      '/api/workspaces/:workspace/hubspot/connection',
      {
        schema: {
          tags: ['hubspot'],
          summary: 'Connect with a private-app access token (checked live against HubSpot); with portalId, a token of another portal is refused',
          params: workspaceParam,
          body: z.object({ accessToken: accessTokenInput, portalId: z.string().trim().regex(/^\d{1,20}$/, { error: 'must be the HubSpot portal (account) ID: digits only' }).optional() }).strict(),
          response: { 200: connectionSchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return withHealth(access.workspace.id, await ctx.hubspot.connectPrivateApp(access.workspace, access.actor, request.body.accessToken, 'api', request.body.portalId));
      },
    );

    app.post(
      '/api/workspaces/:workspace/hubspot/connection/reveal',
      { schema: { tags: ['hubspot'], summary: 'Reveal the stored token (admins only; audited)', params: workspaceParam, response: { 200: z.object({ accessToken: z.string() }) } } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return { accessToken: await ctx.hubspot.reveal(access.workspace, access.actor) };
      },
    );

    app.delete('/api/workspaces/:workspace/hubspot/connection', { schema: { tags: ['hubspot'], summary: 'Disconnect: revoke/forget credentials; local records stay', params: workspaceParam } }, async (request, reply) => {
      const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
      await ctx.hubspot.disconnect(access.workspace, access.actor);
      return reply.status(204).send();
    });

    app.post(
      '/api/workspaces/:workspace/hubspot/oauth/start',
      { schema: { tags: ['hubspot'], summary: 'An authorization link for this workspace (single use, expires in 10 minutes)', params: workspaceParam, response: { 200: z.object({ url: z.string() }) } } },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const user = requireUser(request);
        const settings = await readSyncSettings(ctx.db, access.workspace.id);
        return { url: await ctx.hubspot.startOAuth(access.workspace, user.user.id, enabledObjectTypes(settings)) };
      },
    );

    app.get(
      '/api/oauth/hubspot/callback',
      {
        config: { caller: 'optional' },
        schema: {
          tags: ['hubspot'],
          summary: "HubSpot's redirect after the user approved (or denied) the app",
          querystring: z.object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional(), error_description: z.string().optional() }),
        },
      },
      async (request, reply) => {
        const { code, state, error } = request.query;
        // Started from an authorization link: the person has no hubsync session, so both outcomes
        // go to the public page (/authorize/done), never to the admin UI.
        const viaLink = state ? await ctx.hubspot.startedFromAuthorizationLink(state) : false;
        const failed = (message: string, errorCode?: string) =>
          viaLink
            ? reply.redirect(`/authorize/done?error=${encodeURIComponent(message)}${errorCode ? `&code=${encodeURIComponent(errorCode)}` : ''}`)
            : reply.redirect(`/?oauthError=${encodeURIComponent(message)}`);
        if (error || !code || !state) {
          // Cancelled in HubSpot: the link's state was not used, so the same link can be opened again.
          if (viaLink && error === 'access_denied') return failed('The approval was cancelled in HubSpot. Open the link again to approve.', 'ACCESS_DENIED');
          return failed(request.query.error_description ?? error ?? 'The authorization was not completed.');
        }
        try {
          const { workspace } = await ctx.hubspot.completeOAuth(code, state);
          if (viaLink) return reply.redirect(`/authorize/done?workspace=${encodeURIComponent(workspace.name)}`);
          return reply.redirect(`/w/${workspace.slug}/integrations/hubspot/connection?connected=oauth`);
        } catch (failure) {
          if (failure instanceof AppError) return failed(failure.message, failure.code);
          return failed('The authorization could not be completed.');
        }
      },
    );

    app.get(
      '/api/workspaces/:workspace/hubspot/settings',
      { schema: { tags: ['hubspot'], summary: 'Automatic sync: on-change push, the reconcile schedule in words, its jitter and the next run', params: workspaceParam, response: { 200: syncSettingsSchema } } },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
        return settingsView(workspace.id);
      },
    );

    app.patch(
      '/api/workspaces/:workspace/hubspot/settings',
      {
        schema: {
          tags: ['hubspot'],
          summary: 'Change the sync settings (admins; audited): the object types synced besides contacts, on-change push, reconcileSchedule (a 5-field cron or null for off), timezone (an IANA name), twoWay (pull HubSpot contacts too), inboundLifecycleStages, pollIntervalMinutes (1–1440), writeThrough, propagateDeletes, archiveOnHubSpotDelete and dedupWindowSeconds (0–86400, 0 = off)',
          params: workspaceParam,
          body: settingsPatchSchema,
          response: { 200: syncSettingsSchema },
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const patch = Object.fromEntries(Object.entries(request.body).filter(([, value]) => value !== undefined));
        await updateSyncSettings(ctx.db, ctx.clock, access.workspace, access.actor, patch);
        return settingsView(access.workspace.id);
      },
    );

    app.get(
      '/api/workspaces/:workspace/hubspot/mapping',
      {
        schema: {
          tags: ['hubspot'],
          summary: 'The field mapping of one object type (contacts by default) with its live HubSpot properties (admins only)',
          params: workspaceParam,
          querystring: z.object({ refresh: z.enum(['true', 'false']).optional(), objectType: mappingObjectType }).strict(),
        },
      },
      async (request) => {
        // Admins only: the mapping is configuration, and reading it calls HubSpot live (at most
        // every few minutes per workspace, or on every ?refresh=true), spending the portal's quota.
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return ctx.mappings.view(workspace.id, request.query.refresh === 'true', request.query.objectType);
      },
    );

    app.put(
      '/api/workspaces/:workspace/hubspot/mapping',
      {
        schema: {
          tags: ['hubspot'],
          summary:
            'Save the field mapping of one object type (contacts by default): field → property, or → { property, direction } with direction both (the default), push or pull; a field left out or null is not synced; a contact\'s email is locked to email, both ways',
          params: workspaceParam,
          querystring: z.object({ objectType: mappingObjectType }).strict(),
          body: z.object({ mappings: z.record(z.string(), mappingEntry) }).strict(),
        },
      },
      async (request) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return ctx.mappings.save(access.workspace, access.actor, request.body.mappings, request.query.objectType);
      },
    );

    app.post(
      '/api/workspaces/:workspace/hubspot/mapping/fields',
      {
        schema: {
          tags: ['hubspot'],
          summary:
            'Create a local custom field from a HubSpot property (admins; audited): its type and choice options are carried over, the key is the property name unless given, and the field is mapped to the property, both ways',
          params: workspaceParam,
          body: z
            .object({
              objectType: mappingObjectType,
              property: z.string().min(1).max(200),
              key: safeText(z.string().min(1).max(63)).optional(),
              label: safeText(z.string().min(1).max(200)).optional(),
            })
            .strict(),
          response: { 201: z.object({ customField: customFieldSchema, mapping: z.unknown() }) },
        },
      },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const { objectType, ...input } = request.body;
        const made = await ctx.mappings.fieldFromProperty(access.workspace, access.actor, objectType, input, BUILT_IN_KEYS[objectType]);
        return reply.status(201).send({ customField: customFieldJson(made.customField), mapping: made.mapping });
      },
    );

    app.post(
      '/api/workspaces/:workspace/hubspot/mapping/properties',
      {
        schema: {
          tags: ['hubspot'],
          summary:
            "Create a HubSpot property for a local custom field (admins; audited; needs the type's crm.schemas.<type>.write scope): named after the field's key, type and options carried over, and the field is mapped to it",
          params: workspaceParam,
          body: z.object({ objectType: mappingObjectType, field: z.string().min(1).max(80).describe('custom.<key>') }).strict(),
          response: { 201: z.object({ property: z.object({ name: z.string(), label: z.string(), type: z.string(), fieldType: z.string(), groupName: z.string() }).loose(), mapping: z.unknown() }) },
        },
      },
      async (request, reply) => {
        const access = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        return reply.status(201).send(await ctx.mappings.propertyFromField(access.workspace, access.actor, request.body.objectType, request.body.field));
      },
    );
  };
}
