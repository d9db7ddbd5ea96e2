// Customers and their custom fields: validation, per-field timestamps, bulk upsert, CSV import.
export * from './fields.js';
export { applyPatch, validateCustomerPatch, validateCustomInput, type CustomerPatch, type FieldProblem } from './customer-input.js';
export {
  bulkUpsertCustomers,
  createCustomer,
  deleteCustomer,
  loadFieldDefinitions,
  updateCustomer,
  type CustomerChangeListener,
  type CustomerServiceDeps,
} from './customer-service.js';
export { changeCustomField, createCustomField, type CustomFieldChange, type NewCustomField } from './custom-field-service.js';
export { importCustomersCsv } from './csv-import.js';
export type { CsvImportProgress, CsvImportResult, CsvRowError, UpsertItemResult } from '../records/index.js';
