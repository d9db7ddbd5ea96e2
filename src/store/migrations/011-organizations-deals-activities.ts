// The local side of companies, deals and notes (issue 13), and HubSpot's owners.
//
// - `organizations` (→ HubSpot companies) and `deals` (→ deals) carry the same sync columns as
//   customers (link, seven statuses, hashes, last attempt), so one push engine reads them all.
//   `domain_key` is the normalized domain: the key two organizations are compared by (the
//   Duplicate rule) and an existing HubSpot company is matched by on first push.
// - `customer_organizations`: a customer belongs to zero or more organizations, at most one of
//   them primary (a partial unique index says so on both databases).
// - `deal_customers`: a deal's customers; a deal's one organization is `deals.organization_id`.
// - `deal_stage_mappings`: a local (pipeline, stage) → the portal's pipeline and stage ids.
// - `activities` (→ notes) are appended, never edited; `external_id` lets a host app append
//   the same activity twice without creating two.
// - `hubspot_owners`: the portal's owners as last read, each optionally linked to a local user;
//   customers, organizations and deals name their owner as a local user (`owner_user_id`).
// - `sync_run_objects`: a run's counters per object type, for runs that push several types.
// - `custom_fields` become per object type: the table is rebuilt (SQLite cannot change a
//   unique constraint in place) with `object_type`, every existing field being a contact's.
//   Kysely runs the migration in one transaction, so a crash leaves the old table as it was.
import { sql, type CreateTableBuilder, type Kysely } from 'kysely';

/** The columns the push engine reads and writes on every pushed object type's table. */
function withSyncColumns<T extends string>(table: CreateTableBuilder<T>): CreateTableBuilder<T> {
  return table
    .addColumn('hubspot_id', 'text')
    .addColumn('sync_status', 'text', (c) => c.notNull())
    .addColumn('sync_error', 'text')
    .addColumn('synced_hash', 'text')
    .addColumn('synced_at', 'bigint')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('current_hash', 'text');
}

async function addStatusIndexes(db: Kysely<unknown>, table: 'organizations' | 'deals' | 'activities', live: boolean): Promise<void> {
  await db.schema.createIndex(`${table}_workspace_status`).on(table).columns(['workspace_id', 'sync_status', 'id']).execute();
  if (!live) return;
  await db.schema
    .createIndex(`${table}_live_status`)
    .on(table)
    .columns(['workspace_id', 'sync_status', 'deleted_at'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('owner_user_id', 'text').execute();

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('external_id', 'text')
    .addColumn('name', 'text')
    .addColumn('domain', 'text')
    .addColumn('domain_key', 'text')
    .addColumn('website', 'text')
    .addColumn('phone', 'text')
    .addColumn('street', 'text')
    .addColumn('city', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('region', 'text')
    .addColumn('country', 'text')
    .addColumn('industry', 'text')
    .addColumn('number_of_employees', 'integer')
    .addColumn('annual_revenue', 'text')
    .addColumn('lifecycle_stage', 'text')
    .addColumn('owner_user_id', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('custom_values', 'text', (c) => c.notNull())
    .addColumn('field_updated_at', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addUniqueConstraint('organizations_workspace_external_id', ['workspace_id', 'external_id'])
    .$call(withSyncColumns)
    .execute();
  await db.schema.createIndex('organizations_workspace_id').on('organizations').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('organizations_workspace_domain').on('organizations').columns(['workspace_id', 'domain_key', 'created_at']).execute();
  await addStatusIndexes(db, 'organizations', true);

  await db.schema
    .createTable('customer_organizations')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('is_primary', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_organizations_pk', ['customer_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('customer_organizations_organization').on('customer_organizations').columns(['organization_id', 'customer_id']).execute();
  await db.schema
    .createIndex('customer_organizations_one_primary')
    .on('customer_organizations')
    .column('customer_id')
    .unique()
    .where(sql.ref('is_primary'), '=', 1)
    .execute();

  await db.schema
    .createTable('deals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('external_id', 'text')
    .addColumn('name', 'text')
    .addColumn('amount', 'text')
    .addColumn('currency', 'text')
    .addColumn('close_date', 'text')
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('stage', 'text')
    .addColumn('owner_user_id', 'text')
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('custom_values', 'text', (c) => c.notNull())
    .addColumn('field_updated_at', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addUniqueConstraint('deals_workspace_external_id', ['workspace_id', 'external_id'])
    .$call(withSyncColumns)
    .execute();
  await db.schema.createIndex('deals_workspace_id').on('deals').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('deals_organization').on('deals').columns(['organization_id']).execute();
  await addStatusIndexes(db, 'deals', true);

  await db.schema
    .createTable('deal_customers')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('deal_id', 'text', (c) => c.notNull().references('deals.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_customers_pk', ['deal_id', 'customer_id'])
    .execute();
  await db.schema.createIndex('deal_customers_customer').on('deal_customers').columns(['customer_id', 'deal_id']).execute();

  await db.schema
    .createTable('deal_stage_mappings')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('pipeline', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('hubspot_pipeline_id', 'text', (c) => c.notNull())
    .addColumn('hubspot_stage_id', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_stage_mappings_pk', ['workspace_id', 'pipeline', 'stage'])
    .execute();

  await db.schema
    .createTable('activities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('external_id', 'text')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('deal_id', 'text', (c) => c.references('deals.id').onDelete('set null'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('ticket_number', 'text')
    .addColumn('ticket_status', 'text')
    .addColumn('ticket_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addUniqueConstraint('activities_workspace_external_id', ['workspace_id', 'external_id'])
    .$call(withSyncColumns)
    .execute();
  await db.schema.createIndex('activities_workspace_id').on('activities').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('activities_customer_timeline').on('activities').columns(['customer_id', 'occurred_at']).execute();
  await db.schema.createIndex('activities_organization_timeline').on('activities').columns(['organization_id', 'occurred_at']).execute();
  await addStatusIndexes(db, 'activities', false);

  await db.schema
    .createTable('hubspot_owners')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('email_lower', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('hubspot_user_id', 'text')
    .addColumn('archived', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('read_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('hubspot_owners_pk', ['workspace_id', 'owner_id'])
    .execute();
  await db.schema
    .createIndex('hubspot_owners_one_per_user')
    .on('hubspot_owners')
    .columns(['workspace_id', 'user_id'])
    .unique()
    .where(sql.ref('user_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('sync_run_objects')
    .addColumn('run_id', 'text', (c) => c.notNull().references('sync_runs.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('processed', 'integer', (c) => c.notNull())
    .addColumn('created', 'integer', (c) => c.notNull())
    .addColumn('updated', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('skipped', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_run_objects_pk', ['run_id', 'object_type'])
    .execute();

  await sql`create table custom_fields_before_011 as select * from custom_fields`.execute(db);
  await db.schema.dropTable('custom_fields').execute();
  await db.schema
    .createTable('custom_fields')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull().defaultTo('contacts'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('archived_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('custom_fields_workspace_type_key', ['workspace_id', 'object_type', 'key'])
    .execute();
  await sql`
    insert into custom_fields (id, workspace_id, object_type, key, label, type, options, archived_at, created_at, updated_at)
    select id, workspace_id, 'contacts', key, label, type, options, archived_at, created_at, updated_at from custom_fields_before_011
  `.execute(db);
  await db.schema.dropTable('custom_fields_before_011').execute();
}
