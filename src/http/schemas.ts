// Shared request/response schemas; they validate input and document the API (OpenAPI).
import { z } from 'zod';
import type { Customer, CustomFieldRecord } from '../store/index.js';
import { SYNC_STATUSES } from '../store/index.js';

export const workspaceParam = z.object({ workspace: z.string().min(1).max(64) });

export const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) })
  .meta({ id: 'Error' });

const customValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

/** Status labels exactly as the Synchronization view shows them (seed 000). */
export const STATUS_LABELS = {
  synced: 'Synced',
  needs_update: 'Needs update',
  not_synced: 'Not synced',
  outdated: 'Outdated',
  error: 'Error',
  duplicate: 'Duplicate',
  no_email: 'No email',
} as const;

export const customerSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    street: z.string().nullable(),
    city: z.string().nullable(),
    postalCode: z.string().nullable(),
    region: z.string().nullable(),
    country: z.string().nullable(),
    companyName: z.string().nullable(),
    lifecycleStage: z.string().nullable(),
    tags: z.array(z.string()),
    custom: z.record(z.string(), customValue),
    fieldUpdatedAt: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    sync: z.object({
      status: z.enum(SYNC_STATUSES as [string, ...string[]]),
      statusLabel: z.string(),
      hubspotId: z.string().nullable(),
      lastError: z.string().nullable(),
      syncedAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'Customer' });

export type CustomerJson = z.infer<typeof customerSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

export function customerJson(c: Customer): CustomerJson {
  return {
    id: c.id,
    externalId: c.externalId,
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email,
    phone: c.phone,
    street: c.street,
    city: c.city,
    postalCode: c.postalCode,
    region: c.region,
    country: c.country,
    companyName: c.companyName,
    lifecycleStage: c.lifecycleStage,
    tags: c.tags,
    custom: c.custom,
    fieldUpdatedAt: Object.fromEntries(Object.entries(c.fieldUpdatedAt).map(([k, v]) => [k, iso(v)])),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    sync: {
      status: c.sync.status,
      statusLabel: STATUS_LABELS[c.sync.status],
      hubspotId: c.sync.hubspotId,
      lastError: c.sync.error,
      syncedAt: c.sync.syncedAt === null ? null : iso(c.sync.syncedAt),
    },
  };
}

export const customFieldSchema = z
  .object({
    id: z.string(),
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
