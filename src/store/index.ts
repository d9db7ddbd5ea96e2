// The database: connection, migrations and repositories. Repositories are plain functions
// taking the database (or a transaction) first; the caller owns the transaction.
export { openDatabase, type Db, type OpenedDatabase } from './database.js';
export { migrateToLatest, type MigrateOutcome } from './migrate.js';
export * from './workspace.repository.js';
export * from './session.repository.js';
export * from './invitation.repository.js';
export * from './audit.repository.js';
export * from './customer.repository.js';
export * from './custom-field.repository.js';
export * from './organization.repository.js';
export * from './record-list.js';
export * from './record-rows.js';
export type { Database, HubSpotConnectionTable, SyncRunTable, SyncAttemptTable, JobTable, JobScheduleTable, SyncSettingsTable, PendingChangeTable, CustomerTable } from './tables.js';
export * from './connection.repository.js';
export * from './sync.repository.js';
export * from './sync-settings.repository.js';
export * from './rate-ledger.repository.js';
export * from './pending-change.repository.js';
export * from './pending-archive.repository.js';
export * from './owner.repository.js';
export * from './deal-stage.repository.js';
export * from './deal.repository.js';
export * from './activity.repository.js';
export { isUniqueViolation } from './database-errors.js';
export * from './pull.repository.js';
export * from './inbound.repository.js';
