// Streaming CSV import: rows are parsed, validated and written in batches, so a file of a
// million rows needs no more memory than one batch. Good rows are saved; every bad row is
// reported with its line number and reason through `onRowError` (and the first ones kept in
// the result), never silently dropped.
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../lib/index.js';
import { bulkUpsertCustomers, loadFieldDefinitions, type CustomerServiceDeps } from './customer-service.js';
import { BUILT_IN_FIELDS, parseCustomValueText, type CustomFieldDefinition } from './fields.js';

export interface CsvRowError {
  line: number;
  message: string;
}

export interface CsvImportProgress {
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface CsvImportResult extends CsvImportProgress {
  /** The first errors (up to `keepErrors`); `failed` counts them all. */
  errors: CsvRowError[];
  columns: { header: string; field: string | null }[];
}

export interface CsvImportOptions {
  batchSize?: number;
  keepErrors?: number;
  onProgress?: (progress: CsvImportProgress) => void;
  onRowError?: (error: CsvRowError) => void;
}

type ColumnTarget = { kind: 'builtin'; key: string } | { kind: 'tags' } | { kind: 'externalId' } | { kind: 'custom'; field: CustomFieldDefinition };

const normalize = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

const ALIASES: Record<string, string> = {
  zip: 'postalCode',
  zipcode: 'postalCode',
  postcode: 'postalCode',
  state: 'region',
  province: 'region',
  company: 'companyName',
  address: 'street',
  streetaddress: 'street',
  lifecycle: 'lifecycleStage',
  mobile: 'phone',
  phonenumber: 'phone',
  emailaddress: 'email',
};

function resolveColumn(header: string, fields: CustomFieldDefinition[]): ColumnTarget | null {
  const n = normalize(header);
  if (n === 'externalid') return { kind: 'externalId' };
  if (n === 'tags') return { kind: 'tags' };
  const builtIn = BUILT_IN_FIELDS.find((f) => normalize(f.key) === n || normalize(f.label) === n) ?? BUILT_IN_FIELDS.find((f) => f.key === ALIASES[n]);
  if (builtIn) return { kind: 'builtin', key: builtIn.key };
  const custom = fields.find((f) => !f.archived && (normalize(f.key) === n || normalize(f.label) === n));
  return custom ? { kind: 'custom', field: custom } : null;
}

export async function importCustomersCsv(
  deps: CustomerServiceDeps,
  workspaceId: string,
  input: Readable,
  options: CsvImportOptions = {},
): Promise<CsvImportResult> {
  const batchSize = options.batchSize ?? 500;
  const keepErrors = options.keepErrors ?? 1000;
  const fields = await loadFieldDefinitions(deps.db, workspaceId);
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  // pipe() does not pass the input's failure on (a cut-off upload): without this the loop below would wait forever.
  input.once('error', (error) => parser.destroy(error));
  input.pipe(parser);
  const result: CsvImportResult = { rowsRead: 0, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [], columns: [] };
  let targets: (ColumnTarget | null)[] | undefined;
  let batch: { line: number; item: Record<string, unknown> }[] = [];

  const report = (error: CsvRowError) => {
    result.failed++;
    if (result.errors.length < keepErrors) result.errors.push(error);
    options.onRowError?.(error);
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await bulkUpsertCustomers(deps, workspaceId, batch.map((b) => b.item), { createWithoutExternalId: true });
    for (const outcome of outcomes) {
      if (outcome.status === 'error') report({ line: batch[outcome.index]!.line, message: outcome.error.message });
      else result[outcome.status]++;
    }
    batch = [];
    options.onProgress?.({ rowsRead: result.rowsRead, created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed });
  };

  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = record.record;
      if (!targets) {
        targets = cells.map((header) => resolveColumn(header, fields));
        result.columns = cells.map((header, i) => {
          const target = targets![i]!;
          const field = !target ? null : target.kind === 'builtin' ? target.key : target.kind === 'custom' ? `custom.${target.field.key}` : target.kind;
          return { header, field };
        });
        if (!targets.some((t) => t?.kind === 'builtin' || t?.kind === 'custom')) {
          throw new AppError('VALIDATION_FAILED', 'The header row names no customer field (for example: email, firstName, lastName).', {
            field: 'header',
          });
        }
        continue;
      }
      result.rowsRead++;
      const line = record.info.lines;
      const item: Record<string, unknown> = {};
      const custom: Record<string, unknown> = {};
      let rowError: string | null = null;
      for (const [i, target] of targets.entries()) {
        if (!target) continue;
        const text = cells[i] ?? '';
        if (target.kind === 'externalId') {
          if (text.trim() !== '') item['externalId'] = text.trim();
        } else if (target.kind === 'tags') {
          if (text.trim() !== '') item['tags'] = text.split(/[;,]/).map((t) => t.trim()).filter(Boolean);
        } else if (target.kind === 'builtin') {
          if (text.trim() !== '') item[target.key] = text;
        } else {
          const parsed = parseCustomValueText(target.field, text);
          if (!parsed.ok) {
            rowError = `${target.field.key}: ${parsed.message}`;
            break;
          }
          if (parsed.value !== null) custom[target.field.key] = parsed.value;
        }
      }
      if (rowError) {
        report({ line, message: rowError });
        continue;
      }
      if (Object.keys(custom).length > 0) item['custom'] = custom;
      batch.push({ line, item });
      if (batch.length >= batchSize) await flush();
    }
  } catch (error) {
    // Keep what was read before the damage: the rows already validated are saved first.
    await flush();
    if (error instanceof AppError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('VALIDATION_FAILED', `The file is not valid CSV: ${message}`, { field: 'file' }, { cause: error });
  }
  await flush();
  return result;
}
