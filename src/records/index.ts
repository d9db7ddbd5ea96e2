// What every record type (customers, organizations, deals, activities) shares: text rules and
// the externalId, field problems and the 400 they make, per-field timestamps, the bulk upsert
// by externalId, the streaming CSV import, and the change listener a record service calls.
export { MAX_EXTERNAL_ID, textProblem, validateCalendarDate, validateExternalId, validateText, validateTimestamp, type FieldResult } from './text-rules.js';
export { problemsError, type FieldProblem } from './field-problems.js';
export { applyFieldChanges, type CustomValues, type RecordPatch } from './field-stamps.js';
export { upsertByExternalId, upsertSummary, type Applied, type Built, type UpsertItemResult, type UpsertSteps } from './bulk-upsert.js';
export {
  importCsvStream,
  type CsvColumns,
  type CsvCustomField,
  type CsvImportOptions,
  type CsvImportProgress,
  type CsvImportResult,
  type CsvRowError,
  type SaveCsvBatch,
} from './csv-import-stream.js';
export type { RecordChangeListener } from './record-change.js';
