// Shared request/response schemas; they validate input and document the API (OpenAPI).
import { z } from 'zod';
import { checkEmailAddress, MAX_EMAIL_LENGTH } from '../lib/index.js';
import type { Customer, CustomerSyncState, CustomFieldRecord, Organization } from '../store/index.js';
import { STATUS_LABELS, SYNC_STATUSES } from '../store/index.js';

const iso = (ms: number) => new Date(ms).toISOString();

export const workspaceParam = z.object({ workspace: z.string().min(1).max(64) });

// Query parameters -----------------------------------------------------------------------
// Every list route parses its query with these, so `limit=0x10`, `limit=1e2`, `limit= 5`,
// a date with an offset, or a cursor this API did not hand out answer the same clear 400
// (VALIDATION_FAILED, `querystring.<name>: …`) everywhere, and the query object is .strict().

/** A page size: digits only (no hex, exponent, sign, blanks), 1..max; `fallback` when absent. */
export function limitQuery(max: number, fallback: number) {
  return z
    .string()
    .regex(/^[0-9]{1,7}$/, { error: `must be a whole number from 1 to ${max}, written in digits` })
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(1, { error: 'must be at least 1' }).max(max, { error: `must be at most ${max}` }))
    .describe(`1 to ${max}; default ${fallback}`);
}

/**
 * A point in time: ISO 8601 with seconds and a zone, `Z` or an offset (2026-01-01T00:00:00Z and
 * 2026-01-01T01:00:00+01:00 are the same instant), parsed to epoch milliseconds.
 */
export const timestampQuery = z
  .string()
  .regex(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/, {
    error: 'must be an ISO 8601 time with a zone, such as 2026-01-01T00:00:00Z or 2026-01-01T01:00:00+01:00',
  })
  .refine(
    (v) => {
      // Date.parse rolls 2026-02-30 over to March: check the calendar date itself.
      const [year, month, day] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
      const date = new Date(Date.UTC(year, month - 1, day));
      return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && !Number.isNaN(Date.parse(v));
    },
    { error: 'is not a real calendar time' },
  )
  .transform((v) => Date.parse(v))
  .optional();

const ID_BODY = /^[0-9a-z]{6,40}$/;
const NOT_A_CURSOR = 'is not a cursor this API returned';

/** A keyset cursor that is a plain id with this prefix (`run_…`, `att_…`, `aud_…`). */
export function idCursorQuery(prefix: string) {
  return z
    .string()
    .max(100)
    .refine((v) => v.startsWith(`${prefix}_`) && ID_BODY.test(v.slice(prefix.length + 1)), { error: NOT_A_CURSOR })
    .optional();
}

/** A local record's id of any type (`cus_…`, `org_…`, …), e.g. to find the sync log's attempts on it. */
export const recordIdQuery = z
  .string()
  .max(100)
  .regex(/^[a-z]{2,10}_[0-9a-z]{6,40}$/, { error: 'is not a record id (such as cus_01jc8z6m4k7p2q9r8s)' })
  .optional();

/** An opaque cursor (base64url of an id with this prefix), decoded to the id. */
export function opaqueCursorQuery(prefix: string) {
  return z
    .string()
    .max(200)
    .transform((v, ctx) => {
      const decoded = /^[A-Za-z0-9_-]+$/.test(v) ? Buffer.from(v, 'base64url').toString() : '';
      if (!decoded.startsWith(`${prefix}_`) || !ID_BODY.test(decoded.slice(prefix.length + 1)) || Buffer.from(decoded).toString('base64url') !== v) {
        ctx.addIssue({ code: 'custom', message: NOT_A_CURSOR });
        return z.NEVER;
      }
      return decoded;
    })
    .optional();
}

/** The opaque cursor for an id (the inverse of opaqueCursorQuery). */
export const opaqueCursor = (id: string): string => Buffer.from(id).toString('base64url');

/**
 * A log's keyset cursor: base64url of `<epoch ms>.<id>` (the last row of the page before), with
 * an id of this prefix; decoded to the time and the id.
 */
export function logCursorQuery(prefix: string) {
  return z
    .string()
    .max(200)
    .transform((v, ctx) => {
      const decoded = /^[A-Za-z0-9_-]+$/.test(v) ? Buffer.from(v, 'base64url').toString() : '';
      const match = /^(\d{1,15})\.([a-z]{2,10})_([0-9a-z]{6,40})$/.exec(decoded);
      if (!match || match[2] !== prefix || logCursor(Number(match[1]), `${match[2]}_${match[3]}`) !== v) {
        ctx.addIssue({ code: 'custom', message: NOT_A_CURSOR });
        return z.NEVER;
      }
      return { at: Number(match[1]), id: `${match[2]}_${match[3]}` };
    })
    .optional();
}

/** The opaque cursor after a log row (the inverse of logCursorQuery). */
export const logCursor = (at: number, id: string): string => Buffer.from(`${at}.${id}`).toString('base64url');

/** A comma-separated list of values from a fixed set; anything else is named in the 400. */
export function choiceListQuery<T extends string>(choices: readonly T[], max: number) {
  return z
    .string()
    .max(max)
    .transform((v, ctx) => {
      const picked = v.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = picked.find((s) => !(choices as readonly string[]).includes(s));
      if (unknown !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${unknown}" is not one of ${choices.join(', ')}` });
        return z.NEVER;
      }
      return picked as T[];
    })
    .optional()
    .describe(`Comma-separated: ${choices.join(', ')}`);
}

/** A comma-separated list of sync statuses. */
export const statusListQuery = choiceListQuery(SYNC_STATUSES, 200);

/** Free text in a query (search, filters): no NUL or broken Unicode. */
export function textQuery(max: number) {
  return safeText(z.string().max(max)).optional();
}

/** For lists that take no parameters: any parameter is refused by name. */
export const noQuery = z.object({}).strict();

// Text in bodies ---------------------------------------------------------------------------

/** Refuses NUL characters and unpaired surrogates, which hubsync never stores. */
export function safeText<T extends z.ZodString>(schema: T) {
  return schema
    .refine((v) => !v.includes('\u0000'), { error: 'must not contain the NUL character (U+0000)' })
    .refine((v) => !/\p{Cs}/u.test(v), { error: 'contains an unpaired surrogate, which is not valid Unicode text' });
}

/**
 * An email address by hubsync's one rule (lib/email-address.ts): what HubSpot accepts, IDN
 * included. For every route that takes a person's or customer's email.
 */
export const emailAddress = z
  .string()
  .trim()
  .max(MAX_EMAIL_LENGTH)
  .superRefine((v, ctx) => {
    const verdict = checkEmailAddress(v);
    if (!verdict.ok) ctx.addIssue({ code: 'custom', message: `is not a valid email address: ${verdict.reason}` });
  });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) })
  .meta({ id: 'Error' });

export const customValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export { STATUS_LABELS } from '../store/index.js';

/** A record's sync state as every record type's API shows it. */
export const syncStateSchema = z.object({
  status: z.enum(SYNC_STATUSES as [string, ...string[]]),
  statusLabel: z.string(),
  hubspotId: z.string().nullable(),
  lastError: z.string().nullable(),
  syncedAt: z.string().nullable(),
});

export function syncStateJson(sync: CustomerSyncState): z.infer<typeof syncStateSchema> {
  return {
    status: sync.status,
    statusLabel: STATUS_LABELS[sync.status],
    hubspotId: sync.hubspotId,
    lastError: sync.error,
    syncedAt: sync.syncedAt === null ? null : iso(sync.syncedAt),
  };
}

/** Per-field timestamps as ISO times. */
export const fieldTimesJson = (stamps: Record<string, number>): Record<string, string> => Object.fromEntries(Object.entries(stamps).map(([k, v]) => [k, iso(v)]));

/** The address and phone fields customers and organizations share. */
const addressFields = {
  phone: z.string().nullable(),
  street: z.string().nullable(),
  city: z.string().nullable(),
  postalCode: z.string().nullable(),
  region: z.string().nullable(),
  country: z.string().nullable(),
};

type AddressValues = { [K in keyof typeof addressFields]: string | null };

const addressJson = (v: AddressValues): AddressValues => ({ phone: v.phone, street: v.street, city: v.city, postalCode: v.postalCode, region: v.region, country: v.country });

export const customerSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    email: z.string().nullable(),
    ...addressFields,
    companyName: z.string().nullable(),
    lifecycleStage: z.string().nullable(),
    ownerUserId: z.string().nullable().describe('The member of the workspace who owns the customer (pushed as the contact owner)'),
    tags: z.array(z.string()),
    custom: z.record(z.string(), customValue),
    organizationIds: z.array(z.string()).describe('The organizations the customer belongs to; the first is its primary one'),
    fieldUpdatedAt: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    sync: syncStateSchema,
  })
  .meta({ id: 'Customer' });

export type CustomerJson = z.infer<typeof customerSchema>;

export function customerJson(c: Customer, organizationIds: string[] = []): CustomerJson {
  return {
    id: c.id,
    externalId: c.externalId,
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email,
    ...addressJson(c),
    companyName: c.companyName,
    lifecycleStage: c.lifecycleStage,
    ownerUserId: c.ownerUserId,
    tags: c.tags,
    custom: c.custom,
    organizationIds,
    fieldUpdatedAt: fieldTimesJson(c.fieldUpdatedAt),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    sync: syncStateJson(c.sync),
  };
}

export const organizationSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    name: z.string().nullable(),
    domain: z.string().nullable().describe('As entered'),
    domainKey: z.string().nullable().describe('The normalized domain: lower case, no scheme, www., port or path; IDN as punycode'),
    website: z.string().nullable(),
    ...addressFields,
    industry: z.string().nullable(),
    numberOfEmployees: z.number().int().nullable(),
    annualRevenue: z.string().nullable().describe('A decimal number as text'),
    lifecycleStage: z.string().nullable(),
    ownerUserId: z.string().nullable(),
    tags: z.array(z.string()),
    custom: z.record(z.string(), customValue),
    customerIds: z.array(z.string()).optional().describe('The members (on a single organization, not in lists)'),
    fieldUpdatedAt: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    sync: syncStateSchema,
  })
  .meta({ id: 'Organization' });

export function organizationJson(o: Organization, customerIds?: string[]): z.infer<typeof organizationSchema> {
  return {
    id: o.id,
    externalId: o.externalId,
    name: o.name,
    domain: o.domain,
    domainKey: o.domainKey,
    website: o.website,
    ...addressJson(o),
    industry: o.industry,
    numberOfEmployees: o.numberOfEmployees,
    annualRevenue: o.annualRevenue,
    lifecycleStage: o.lifecycleStage,
    ownerUserId: o.ownerUserId,
    tags: o.tags,
    custom: o.custom,
    ...(customerIds ? { customerIds } : {}),
    fieldUpdatedAt: fieldTimesJson(o.fieldUpdatedAt),
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
    sync: syncStateJson(o.sync),
  };
}

export const customFieldSchema = z
  .object({
    id: z.string(),
    objectType: z.string().describe('contacts (customers) or companies (organizations)'),
    key: z.string(),
    label: z.string(),
    type: z.string(),
    options: z.array(z.object({ value: z.string(), label: z.string() })),
    archived: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CustomField' });

export function customFieldJson(f: CustomFieldRecord): z.infer<typeof customFieldSchema> {
  return {
    id: f.id,
    objectType: f.objectType,
    key: f.key,
    label: f.label,
    type: f.type,
    options: f.options,
    archived: f.archivedAt !== null,
    createdAt: iso(f.createdAt),
    updatedAt: iso(f.updatedAt),
  };
}

export { iso };
