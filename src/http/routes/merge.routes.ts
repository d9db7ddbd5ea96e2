// The Merge action (issue 15, part 2) for customers and organizations, admins only:
//   GET  …/{customers|organizations}/:id/merge-preview?otherId=ID  every differing field, side by side, with the value that would win
//   POST …/{customers|organizations}/:id/merge  { otherId, choices }  merges the other record into this one (the survivor)
//   GET  …/merges?recordId=ID                   the merges a record took part in
//   POST …/merges/:mergeId/restore              brings the merged-away record back (references stay on the survivor)
// When both records are linked to HubSpot, HubSpot's merge API merges them there first (primary:
// the survivor's HubSpot record) and the survivor is linked to the id it answers with; if HubSpot
// refuses, nothing is merged locally either. The merge itself is records/record-merge.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { organizationMergeSpec } from '../../crm/index.js';
import { customerMergeSpec } from '../../customers/index.js';
import { hubspotProblem } from '../../integration/index.js';
import { AppError } from '../../lib/index.js';
import { isHubSpotApiError, type CrmObject } from '../../hubspot/index.js';
import { applyMergeChoices, mergeRecords, previewMerge, restoreMerge, type MergeableRecord, type RecordMergeDeps, type RecordMergeSpec } from '../../records/index.js';
import type { Customer, Db, Organization, RecordMergeRow } from '../../store/index.js';
import { findRecordMerge, listMembershipsOfCustomers, listOrganizationCustomerIds, listRecordMerges } from '../../store/index.js';
import { onDealLinksMoved } from '../../sync/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { customerJson, customerSchema, iso, limitQuery, organizationJson, organizationSchema, workspaceParam } from '../schemas.js';

const recordId = z.string().min(1).max(100);
const side = z.enum(['survivor', 'other']);

const mergeFieldSchema = z
  .object({
    field: z.string().describe('The field: a built-in key, `tags`, `ownerUserId` or `custom.<key>`'),
    label: z.string(),
    survivorValue: z.unknown(),
    otherValue: z.unknown(),
    winner: side.describe('The side whose value the survivor keeps by default: a value over none, else the more recent change'),
  })
  .meta({ id: 'MergeField' });

const mergeBody = z
  .object({
    otherId: recordId.describe('The record merged into this one (soft-deleted by the merge)'),
    choices: z.record(z.string(), side).default({}).describe('Field → side; fields left out take their default winner'),
  })
  .strict();

const mergeSchema = z
  .object({
    id: z.string(),
    recordType: z.enum(['customers', 'organizations']),
    survivorId: z.string(),
    secondaryId: z.string(),
    source: z.enum(['local', 'hubspot', 'dedup']),
    actor: z.string(),
    choices: z.record(z.string(), side),
    hubspotIds: z.object({ survivor: z.string().nullable(), secondary: z.string().nullable(), merged: z.string().nullable() }),
    mergedAt: z.string(),
    restoredAt: z.string().nullable(),
  })
  .meta({ id: 'RecordMerge' });

function mergeJson(row: RecordMergeRow): z.infer<typeof mergeSchema> {
  return {
    id: row.id,
    recordType: row.record_type as 'customers' | 'organizations',
    survivorId: row.survivor_id,
    secondaryId: row.secondary_id,
    source: row.source as 'local' | 'hubspot' | 'dedup',
    actor: row.actor_label,
    choices: JSON.parse(row.choices) as Record<string, 'survivor' | 'other'>,
    hubspotIds: { survivor: row.survivor_hubspot_id, secondary: row.secondary_hubspot_id, merged: row.merged_hubspot_id },
    mergedAt: iso(row.merged_at),
    restoredAt: row.restored_at === null ? null : iso(row.restored_at),
  };
}

type App = Parameters<FastifyPluginAsyncZod>[0];
type RecordJson = z.infer<typeof customerSchema> | z.infer<typeof organizationSchema>;

/** What tells the two merge route families apart. */
interface MergeKind<R extends MergeableRecord> {
  path: 'customers' | 'organizations';
  param: string;
  spec: RecordMergeSpec<R>;
  schema: typeof customerSchema | typeof organizationSchema;
  json(db: Db, record: R): Promise<RecordJson>;
}

const CUSTOMERS: MergeKind<Customer> = {
  path: 'customers',
  param: 'customerId',
  spec: customerMergeSpec,
  schema: customerSchema,
  async json(db, c) {
    const memberships = await listMembershipsOfCustomers(db, c.workspaceId, [c.id]);
    return customerJson(c, (memberships.get(c.id) ?? []).map((m) => m.organizationId));
  },
};

const ORGANIZATIONS: MergeKind<Organization> = {
  path: 'organizations',
  param: 'organizationId',
  spec: organizationMergeSpec,
  schema: organizationSchema,
  json: async (db, o) => organizationJson(o, await listOrganizationCustomerIds(db, o.workspaceId, o.id)),
};

function mergeDeps(ctx: AppContext, kind: MergeKind<MergeableRecord>): RecordMergeDeps {
  return {
    db: ctx.db,
    clock: ctx.clock,
    listeners: {
      records: kind.path === 'customers' ? ctx.customerListeners : ctx.organizationListeners,
      customerLinks: ctx.organizationLinkListeners,
      // The moved deals' hash and status first: the on-change push's listener reads the status.
      deals: [onDealLinksMoved, ...ctx.dealListeners],
    },
    events: ctx.webhooksOut.emitter,
  };
}

/** HubSpot's merge of the two linked records (primary: the survivor's); a refusal is HUBSPOT_MERGE_REFUSED. */
async function mergeInHubSpot(ctx: AppContext, workspaceId: string, path: 'customers' | 'organizations', primaryId: string, otherId: string): Promise<CrmObject> {
  const client = await ctx.hubspot.clientFor(workspaceId);
  const api = path === 'customers' ? client.contacts : client.companies;
  try {
    return await api.merge(primaryId, otherId);
  } catch (error) {
    const transient = isHubSpotApiError(error) && ['HUBSPOT_TIMEOUT', 'HUBSPOT_NETWORK', 'HUBSPOT_UNAVAILABLE', 'HUBSPOT_RATE_LIMITED'].includes(error.code);
    if (isHubSpotApiError(error) && !transient && error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403) {
      throw new AppError(
        'HUBSPOT_MERGE_REFUSED',
        `HubSpot refused to merge ${primaryId} and ${otherId}: ${error.hubspotMessage ?? 'no reason given'}. Nothing was merged.`,
        { hubspotStatus: error.status, hubspotCategory: error.category, primaryObjectId: primaryId, objectIdToMerge: otherId },
        { cause: error },
      );
    }
    throw hubspotProblem(error, 'merge the two records');
  }
}

function registerMergeRoutes<R extends MergeableRecord>(app: App, ctx: AppContext, kind: MergeKind<R>): void {
  const params = workspaceParam.extend({ [kind.param]: recordId } as Record<string, typeof recordId>);
  const idOf = (p: Record<string, string>) => p[kind.param]!;
  const noun = kind.spec.noun;
  app.get(
    `/api/workspaces/:workspace/${kind.path}/:${kind.param}/merge-preview`,
    {
      schema: {
        tags: [kind.path],
        summary: `What merging another ${noun} into this one would keep: every differing field side by side (admins)`,
        params,
        querystring: z.object({ otherId: recordId }).strict(),
        response: { 200: z.object({ survivor: kind.schema, other: kind.schema, fields: z.array(mergeFieldSchema) }) },
      },
    },
    async (request) => {
      const p = request.params as Record<string, string>;
      const { workspace } = await workspaceAccess(ctx, request, p['workspace']!, 'admin');
      const preview = await previewMerge(ctx.db, kind.spec, workspace.id, idOf(p), request.query.otherId);
      return { survivor: await kind.json(ctx.db, preview.survivor), other: await kind.json(ctx.db, preview.other), fields: preview.fields };
    },
  );

  app.post(
    `/api/workspaces/:workspace/${kind.path}/:${kind.param}/merge`,
    {
      schema: {
        tags: [kind.path],
        summary: `Merge another ${noun} into this one (admins): chosen values kept, references moved, the other soft-deleted; merged in HubSpot too when both are linked`,
        params,
        body: mergeBody,
        response: { 200: kind.schema },
      },
    },
    async (request) => {
      const p = request.params as Record<string, string>;
      const { workspace, actor } = await workspaceAccess(ctx, request, p['workspace']!, 'admin');
      const survivorId = idOf(p);
      const { otherId, choices } = request.body;
      // Everything that can be refused is checked before HubSpot is asked to merge.
      const preview = await previewMerge(ctx.db, kind.spec, workspace.id, survivorId, otherId);
      applyMergeChoices(preview.survivor, preview.other, preview.fields, choices, ctx.clock.now());
      const primary = preview.survivor.sync.hubspotId;
      const secondary = preview.other.sync.hubspotId;
      const merged = primary && secondary && primary !== secondary ? await mergeInHubSpot(ctx, workspace.id, kind.path, primary, secondary) : undefined;
      const outcome = await mergeRecords(mergeDeps(ctx, kind as unknown as MergeKind<MergeableRecord>), kind.spec, {
        workspaceId: workspace.id,
        survivorId,
        otherId,
        choices,
        actor,
        source: 'local',
        hubspotId: merged?.id,
      });
      return kind.json(ctx.db, outcome.survivor);
    },
  );
}

export function mergeRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    registerMergeRoutes(app, ctx, CUSTOMERS);
    registerMergeRoutes(app, ctx, ORGANIZATIONS);

    app.get(
      '/api/workspaces/:workspace/merges',
      {
        schema: {
          tags: ['merges'],
          summary: 'Merges of customers and organizations, newest first: made here or found in HubSpot (admins)',
          params: workspaceParam,
          querystring: z.object({ recordId: recordId.optional(), recordType: z.enum(['customers', 'organizations']).optional(), limit: limitQuery(500, 50) }).strict(),
          response: { 200: z.object({ merges: z.array(mergeSchema) }) },
        },
      },
      async (request) => {
        const { workspace } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const q = request.query;
        const rows = await listRecordMerges(ctx.db, workspace.id, { limit: q.limit, ...(q.recordId ? { recordId: q.recordId } : {}), ...(q.recordType ? { recordType: q.recordType } : {}) });
        return { merges: rows.map(mergeJson) };
      },
    );

    app.post(
      '/api/workspaces/:workspace/merges/:mergeId/restore',
      {
        schema: {
          tags: ['merges'],
          summary: 'Restore the record a merge soft-deleted (admins): live again with its own values, unlinked from HubSpot; moved references stay on the survivor',
          params: workspaceParam.extend({ mergeId: recordId }),
          response: { 200: z.object({ recordType: z.enum(['customers', 'organizations']), record: z.union([customerSchema, organizationSchema]) }) },
        },
      },
      async (request) => {
        const { workspace, actor } = await workspaceAccess(ctx, request, request.params.workspace, 'admin');
        const row = await findRecordMerge(ctx.db, workspace.id, request.params.mergeId);
        const kind = (row?.record_type === 'organizations' ? ORGANIZATIONS : CUSTOMERS) as unknown as MergeKind<MergeableRecord>;
        const record = await restoreMerge(mergeDeps(ctx, kind), kind.spec, workspace.id, request.params.mergeId, actor);
        return { recordType: kind.path, record: await kind.json(ctx.db, record) };
      },
    );
  };
}
