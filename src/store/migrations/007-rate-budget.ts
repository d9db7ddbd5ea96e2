// One rate budget per HubSpot portal, shared by every process using this database: the burst
// and search window slots (reserved before a request is sent, released with the time they free),
// the pauses a 429 asks for, and each portal's calls per UTC day. See
// src/store/rate-ledger.repository.ts.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hubspot_rate_slots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull())
    .addColumn('lane', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('in_flight', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hubspot_rate_slots_window').on('hubspot_rate_slots').columns(['portal_id', 'lane', 'expires_at']).execute();

  await db.schema
    .createTable('hubspot_rate_pauses')
    .addColumn('portal_id', 'bigint', (c) => c.notNull())
    .addColumn('lane', 'text', (c) => c.notNull())
    .addColumn('paused_until', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('hubspot_rate_pauses_pk', ['portal_id', 'lane'])
    .execute();

  await db.schema
    .createTable('hubspot_daily_usage')
    .addColumn('portal_id', 'bigint', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('calls', 'bigint', (c) => c.notNull())
    .addColumn('errors', 'bigint', (c) => c.notNull())
    .addColumn('rate_limited', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('hubspot_daily_usage_pk', ['portal_id', 'day'])
    .execute();
}
