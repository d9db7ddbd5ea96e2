// Customers: their fields, validation, bulk upsert and CSV import. The rules every record type
// shares (custom fields, tags, externalId, the CSV stream) live in src/records.
export * from './fields.js';
export { applyPatch, EMPTY_VALUES, validateCustomerPatch, type CustomerPatch, type FieldProblem } from './customer-input.js';
export {
  bulkUpsertCustomers,
  createCustomer,
  deleteCustomer,
  restoreCustomer,
  retagCustomers,
  updateCustomer,
  type CustomerChangeListener,
  type CustomerLinks,
  type CustomerServiceDeps,
  type UpsertItemResult,
} from './customer-service.js';
export { importCustomersCsv } from './csv-import.js';
export type { CsvImportProgress, CsvImportResult, CsvRowError } from '../records/index.js';
export { customerMergeSpec } from './customer-merge.js';
