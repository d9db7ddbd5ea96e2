// The duplicates report: groups of live customers (same email, same phone, same name and
// Company) and organizations (same domain, phone or name) that are likely one record twice, each
// with the records side by side, paged by an opaque (reason, key) cursor. Merging is a separate
// action (the web page opens the merge screen for a pair).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DUPLICATE_REASONS, pageDuplicateGroups, recordsOfDuplicateKeys, STATUS_LABELS, type DuplicateCursor, type DuplicateReason, type DuplicateTable } from '../../store/index.js';
import { workspaceAccess } from '../caller.js';
import type { AppContext } from '../context.js';
import { limitQuery, workspaceParam } from '../schemas.js';

/** A group shows at most this many of its records (its `count` says how many share the key). */
export const RECORDS_PER_GROUP = 20;

const NOT_A_CURSOR = 'is not a cursor this API returned';

const encodeCursor = (cursor: DuplicateCursor): string => Buffer.from(JSON.stringify([cursor.reason, cursor.key])).toString('base64url');

function cursorQuery(table: DuplicateTable) {
  const reasons: readonly string[] = DUPLICATE_REASONS[table];
  return z
    .string()
    .max(2000)
    .transform((v, ctx): DuplicateCursor => {
      try {
        const decoded: unknown = JSON.parse(Buffer.from(v, 'base64url').toString());
        if (Array.isArray(decoded) && decoded.length === 2 && typeof decoded[0] === 'string' && reasons.includes(decoded[0]) && typeof decoded[1] === 'string' && encodeCursor({ reason: decoded[0] as DuplicateReason, key: decoded[1] }) === v) {
          return { reason: decoded[0] as DuplicateReason, key: decoded[1] };
        }
      } catch {
        // not JSON: refused below
      }
      ctx.addIssue({ code: 'custom', message: NOT_A_CURSOR });
      return z.NEVER;
    })
    .optional();
}

const recordSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable().describe('customers only'),
  organization: z.string().nullable().describe("a customer's Company; an organization's domain"),
  phone: z.string().nullable(),
  createdAt: z.string(),
  hubspot: z.object({ linked: z.boolean(), hubspotId: z.string().nullable(), status: z.string(), statusLabel: z.string() }),
});

const groupSchema = z.object({
  reason: z.string(),
  key: z.string().describe('the shared value, normalized: lower-case email, phone digits, folded "name|company"'),
  count: z.number().int(),
  records: z.array(recordSchema),
});

/** One page of the report, as both routes answer it. */
export const duplicatesPageSchema = z.object({ groups: z.array(groupSchema), nextCursor: z.string().nullable() });

const NOUNS: Record<DuplicateTable, { path: string; tag: string; reasons: string }> = {
  customers: { path: 'customers', tag: 'customers', reasons: 'email (also case), phone (digits, leading + kept), name (first and last name with the same Company)' },
  organizations: { path: 'organizations', tag: 'organizations', reasons: 'domain (normalized), phone (digits, leading + kept), name (case and spacing ignored)' },
};

export function duplicatesRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    for (const table of ['customers', 'organizations'] as const) {
      const reasons = DUPLICATE_REASONS[table];
      app.get(
        `/api/workspaces/:workspace/${NOUNS[table].path}/duplicates`,
        {
          schema: {
            tags: [NOUNS[table].tag],
            summary: `Likely duplicate ${table}: groups of live records sharing a key — ${NOUNS[table].reasons} — oldest record first, paged by cursor`,
            params: workspaceParam,
            querystring: z
              .object({
                reason: z.enum(reasons as unknown as [string, ...string[]]).optional().describe('only groups of this reason'),
                after: cursorQuery(table),
                limit: limitQuery(100, 25).describe('groups per page: 1 to 100; default 25'),
              })
              .strict(),
            response: { 200: duplicatesPageSchema },
          },
        },
        async (request) => {
          const { workspace } = await workspaceAccess(ctx, request, request.params.workspace);
          const { reason, after, limit } = request.query;
          const chosen: readonly DuplicateReason[] = reason ? [reason as DuplicateReason] : reasons;
          const page = await pageDuplicateGroups(ctx.db, table, workspace.id, chosen, after && chosen.includes(after.reason) ? after : null, limit);
          const records = new Map<string, Awaited<ReturnType<typeof recordsOfDuplicateKeys>>>();
          for (const r of chosen) {
            const keys = page.groups.filter((g) => g.reason === r).map((g) => g.key);
            if (keys.length > 0) records.set(r, await recordsOfDuplicateKeys(ctx.db, table, workspace.id, r, keys));
          }
          const last = page.groups.at(-1);
          return {
            groups: page.groups.map((g) => ({
              reason: g.reason,
              key: g.key,
              count: g.count,
              records: (records.get(g.reason) ?? [])
                .filter((r) => r.key === g.key)
                .slice(0, RECORDS_PER_GROUP)
                .map((r) => ({
                  id: r.id,
                  name: r.name,
                  email: r.email,
                  organization: r.organization,
                  phone: r.phone,
                  createdAt: new Date(r.createdAt).toISOString(),
                  hubspot: { linked: r.hubspotId !== null, hubspotId: r.hubspotId, status: r.syncStatus, statusLabel: STATUS_LABELS[r.syncStatus] },
                })),
            })),
            nextCursor: page.hasMore && last ? encodeCursor(last) : null,
          };
        },
      );
    }
  };
}
