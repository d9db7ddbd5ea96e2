// Customers and their custom fields: validation, per-field timestamps, bulk upsert, CSV import.
export * from './fields.js';
export { applyPatch, validateCustomerPatch, type CustomerPatch, type FieldProblem } from './customer-input.js';
export {
  bulkUpsertCustomers,
  createCustomer,
  deleteCustomer,
  loadFieldDefinitions,
  updateCustomer,
  type CustomerChangeListener,
  type CustomerServiceDeps,
  type UpsertItemResult,
} from './customer-service.js';
export { changeCustomField, createCustomField, type CustomFieldChange, type NewCustomField } from './custom-field-service.js';
export { importCustomersCsv, type CsvImportProgress, type CsvImportResult, type CsvRowError } from './csv-import.js';
