// Webhooks out: endpoints and their outbox of deliveries (migration 029). Rows stay rows here;
// src/webhooks maps them to what the API shows.
import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import { rowsTable, type RowsColumnType } from './record-rows.js';
import type { WebhookDeliveryTable, WebhookEndpointTable } from './tables.js';

export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

export async function insertWebhookEndpoint(db: Db, row: WebhookEndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export async function listWebhookEndpoints(db: Db, workspaceId: string): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
}

export async function findWebhookEndpoint(db: Db, workspaceId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function updateWebhookEndpoint(db: Db, workspaceId: string, id: string, changes: Partial<Pick<WebhookEndpointRow, 'url' | 'description' | 'events' | 'enabled' | 'updated_at'>>): Promise<void> {
  await db.updateTable('webhook_endpoints').set(changes).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function deleteWebhookEndpoint(db: Db, workspaceId: string, id: string): Promise<boolean> {
  await db.deleteFrom('webhook_deliveries').where('workspace_id', '=', workspaceId).where('endpoint_id', '=', id).execute();
  const result = await db.deleteFrom('webhook_endpoints').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The workspace's enabled endpoints (the emitter picks those subscribed to each event). */
export async function enabledWebhookEndpoints(db: Db, workspaceId: string): Promise<Pick<WebhookEndpointRow, 'id' | 'events'>[]> {
  return db.selectFrom('webhook_endpoints').select(['id', 'events']).where('workspace_id', '=', workspaceId).where('enabled', '=', 1).execute();
}

export async function insertWebhookDeliveries(db: Db, rows: WebhookDeliveryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('webhook_deliveries').values(rows.slice(i, i + 200)).execute();
}

/** The columns of webhook_deliveries in the order `insertDeliveriesToEnabledEndpoints` sends them, with their PostgreSQL types. */
const DELIVERY_COLUMNS = [
  ['id', 'text'],
  ['workspace_id', 'text'],
  ['endpoint_id', 'text'],
  ['event_id', 'text'],
  ['event_type', 'text'],
  ['body', 'text'],
  ['status', 'text'],
  ['attempts', 'bigint'],
  ['next_attempt_at', 'bigint'],
  ['last_attempt_at', 'bigint'],
  ['last_status_code', 'bigint'],
  ['last_response_ms', 'bigint'],
  ['last_error', 'text'],
  ['replay_of', 'text'],
  ['created_at', 'bigint'],
  ['delivered_at', 'bigint'],
] as const satisfies readonly (readonly [keyof WebhookDeliveryRow, RowsColumnType])[];

/**
 * Inserts the deliveries whose endpoint is still there and enabled, in the same statement: the
 * emitter picks endpoints from a list it keeps for a few seconds (events.ts), and one removed or
 * disabled meanwhile by another process gets nothing (and breaks nothing). Returns how many it wrote.
 */
export async function insertDeliveriesToEnabledEndpoints(db: Db, rows: readonly WebhookDeliveryRow[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += 200) {
    const values = rowsTable(
      db,
      DELIVERY_COLUMNS.map(([, type]) => type),
      rows.slice(i, i + 200).map((row) => DELIVERY_COLUMNS.map(([name]) => row[name])),
    );
    const endpoint = DELIVERY_COLUMNS.findIndex(([name]) => name === 'endpoint_id') + 1;
    const result = await sql`insert into webhook_deliveries (${sql.raw(DELIVERY_COLUMNS.map(([name]) => name).join(', '))})
      select ${sql.raw(DELIVERY_COLUMNS.map((_, c) => `v.column${c + 1}`).join(', '))} from ${values}
      where exists (select 1 from webhook_endpoints e where e.id = ${sql.raw(`v.column${endpoint}`)} and e.enabled = 1)`.execute(db);
    written += Number(result.numAffectedRows ?? 0);
  }
  return written;
}

/** Pending deliveries due at `now`, oldest first, of enabled endpoints, with what sending needs. */
export async function dueWebhookDeliveries(db: Db, now: number, limit: number): Promise<(WebhookDeliveryRow & { url: string; secret_enc: string })[]> {
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .selectAll('webhook_deliveries')
    .select(['webhook_endpoints.url', 'webhook_endpoints.secret_enc'])
    .where('webhook_deliveries.status', '=', 'pending')
    .where('webhook_deliveries.next_attempt_at', '<=', now)
    .where('webhook_endpoints.enabled', '=', 1)
    .orderBy('webhook_deliveries.next_attempt_at')
    .orderBy('webhook_deliveries.id')
    .limit(limit)
    .execute();
}

export async function recordWebhookAttempt(
  db: Db,
  id: string,
  outcome: Pick<WebhookDeliveryRow, 'status' | 'attempts' | 'next_attempt_at' | 'last_attempt_at' | 'last_status_code' | 'last_response_ms' | 'last_error' | 'delivered_at'>,
): Promise<void> {
  await db.updateTable('webhook_deliveries').set(outcome).where('id', '=', id).execute();
}

/** An endpoint's deliveries, newest first, `before` an id for paging. */
export async function listWebhookDeliveries(db: Db, endpointId: string, options: { limit: number; before?: string | undefined }): Promise<WebhookDeliveryRow[]> {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if (options.before) q = q.where('id', '<', options.before);
  return q.orderBy('id', 'desc').limit(options.limit).execute();
}

export async function findWebhookDelivery(db: Db, endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
}

/** Deletes delivered and failed deliveries created before `before`; returns how many. */
export async function pruneWebhookDeliveries(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('webhook_deliveries').where('status', 'in', ['delivered', 'failed']).where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
