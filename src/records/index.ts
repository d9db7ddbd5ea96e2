// What every record type (customers, organizations, deals) shares: field rules, partial changes
// with per-field timestamps, custom field definitions per object type, bulk upsert by
// externalId and the streaming CSV import. Each type supplies its built-in fields and storage.
export * from './fields.js';
export * from './record-input.js';
export * from './bulk-upsert.js';
export { OWNER_FIELD, ownerProblems, validateOwnerUserId } from './owner-field.js';
export {
  changeCustomField,
  createCustomField,
  CUSTOM_FIELD_OBJECT_TYPES,
  loadFieldDefinitions,
  type CustomFieldChange,
  type CustomFieldObjectType,
  type NewCustomField,
} from './custom-field-service.js';
export { ADDRESS_ALIASES, ImportCancelledError, importCsv, importRecordsCsv, type CsvColumns, type CsvImportOptions, type CsvImportProgress, type CsvImportResult, type CsvImportTarget, type CsvRowError } from './csv-import.js';
export { WRITE_THROUGH_REFUSALS, writeThroughFirst, writeThroughItems, type BulkWriteThrough, type BulkWriteThroughSource, type CheckedChange, type RecordWriteThrough, type WriteThroughRefusal, type WrittenThrough } from './write-through.js';
export {
  applyMergeChoices,
  defaultWinner,
  differingFields,
  loadMergePair,
  mergeRecords,
  mergeRecordsIn,
  previewMerge,
  restoreMerge,
  type MergeableRecord,
  type MergeField,
  type MergeOutcome,
  type MergePreview,
  type MergeRequest,
  type MergeSide,
  type RecordMergeDeps,
  type RecordMergeListeners,
  type RecordMergeSpec,
} from './record-merge.js';
