// Streaming CSV import, for every record type: rows are parsed, validated and written in batches, so a file of a
// million rows needs no more memory than one batch. Good rows are saved; every bad row is
// reported with its line number and reason through `onRowError` (and the first ones kept in
// the result), never silently dropped.
//
// A file that turns out to be broken part-way (a bad quote, bytes that are not UTF-8) stops
// the import there. The rows before that point were already saved (a million-row import is not
// one transaction), so the 400 says exactly what was saved: how many rows, created / updated /
// unchanged / refused, and the last line read, so the rest can be imported from the next line
// without re-importing (and, for rows without externalId, duplicating) the saved ones.
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../lib/index.js';
import type { Db } from '../store/index.js';
import type { UpsertItemResult } from './bulk-upsert.js';
import { loadFieldDefinitions, type CustomFieldObjectType } from './custom-field-service.js';
import { parseCustomValueText, type CustomFieldDefinition } from './fields.js';

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

/** Decodes the file as UTF-8, refusing bytes that are not, with the line they are on. */
class Utf8Lines extends Transform {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  /** Lines completed so far (newlines decoded). */
  lines = 0;

  constructor() {
    super({ readableObjectMode: false, decodeStrings: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: string) => void): void {
    this.#emit(() => this.#decoder.decode(chunk, { stream: true }), chunk, callback);
  }

  override _flush(callback: (error?: Error | null, data?: string) => void): void {
    this.#emit(() => this.#decoder.decode(), Buffer.alloc(0), callback);
  }

  #emit(decode: () => string, chunk: Buffer, callback: (error?: Error | null, data?: string) => void): void {
    let text: string;
    try {
      text = decode();
    } catch {
      // The line of the bad byte: newlines before the longest prefix of this chunk that decodes
      // (an unfinished character at its end is fine while streaming, so the search is monotone).
      let good = 0;
      let bad = chunk.length;
      while (good < bad) {
        const mid = Math.ceil((good + bad) / 2);
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(chunk.subarray(0, mid), { stream: true });
          good = mid;
        } catch {
          bad = mid - 1;
        }
      }
      let newlines = 0;
      for (let i = chunk.indexOf(10); i !== -1 && i < good; i = chunk.indexOf(10, i + 1)) newlines++;
      callback(new InvalidUtf8Error(this.lines + newlines + 1));
      return;
    }
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
    callback(null, text);
  }
}

class InvalidUtf8Error extends Error {
  constructor(readonly line: number) {
    super(`the file is not valid UTF-8 text at line ${line} (save it as UTF-8 and import it again)`);
  }
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
  /** Each refused row, with the row's cells as read (for a report of the rejected rows). */
  onRowError?: (error: CsvRowError, cells: readonly string[]) => void;
  /**
   * Aborted when the caller went away (the client closed the request): reading stops at once, a
   * batch being saved finishes (its one transaction), the rows read but not saved yet are dropped,
   * and the import rejects with an {@link ImportCancelledError} holding what was saved.
   */
  signal?: AbortSignal;
}

/** The import stopped because its signal was aborted; `imported` is what was saved before (and is kept). */
export class ImportCancelledError extends Error {
  constructor(readonly imported: CsvImportProgress & { lastLine: number }) {
    super(`The import was cancelled: ${imported.created + imported.updated + imported.unchanged} rows were saved (up to line ${imported.lastLine}); nothing after that.`);
    this.name = 'ImportCancelledError';
  }
}

type ColumnTarget = { kind: 'builtin'; key: string } | { kind: 'tags' } | { kind: 'externalId' } | { kind: 'custom'; field: CustomFieldDefinition };

/** A record type's CSV columns. */
export interface CsvColumns {
  /** Whose custom fields are columns too. */
  objectType: CustomFieldObjectType;
  builtIns: readonly { key: string; label: string }[];
  /** Other header spellings (normalized: lower case, letters and digits) → built-in key. */
  aliases: Readonly<Record<string, string>>;
  hasTags: boolean;
  /** Built-in keys whose cell is a list separated by `;` or `,` (a deal's `customerIds`). */
  lists?: readonly string[];
  /** Said when the header row names none of the type's fields: "customer field (for example: email)". */
  headerHint: string;
}

/** What a CSV file is imported into: one record type's columns, its custom fields and its bulk upsert. */
export interface CsvImportTarget extends Omit<CsvColumns, 'objectType'> {
  fields: CustomFieldDefinition[];
  /** Saves a batch of rows (items as the bulk upsert takes them), creating rows without externalId. */
  upsert(items: Record<string, unknown>[]): Promise<UpsertItemResult[]>;
}

/** Imports a CSV stream of one record type into a workspace: its columns, its custom fields, `upsert` to save. */
export async function importRecordsCsv(
  db: Db,
  workspaceId: string,
  input: Readable,
  columns: CsvColumns,
  upsert: CsvImportTarget['upsert'],
  options: CsvImportOptions = {},
): Promise<CsvImportResult> {
  return importCsv(input, { ...columns, fields: await loadFieldDefinitions(db, workspaceId, columns.objectType), upsert }, options);
}

/** Header spellings of the address and contact columns every record type with an address uses. */
export const ADDRESS_ALIASES: Readonly<Record<string, string>> = {
  zip: 'postalCode',
  zipcode: 'postalCode',
  postcode: 'postalCode',
  state: 'region',
  province: 'region',
  address: 'street',
  streetaddress: 'street',
  lifecycle: 'lifecycleStage',
  phonenumber: 'phone',
};

const normalize = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

function resolveColumn(header: string, target: CsvImportTarget): ColumnTarget | null {
  const n = normalize(header);
  if (n === 'externalid') return { kind: 'externalId' };
  if (n === 'tags' && target.hasTags) return { kind: 'tags' };
  const builtIn =
    target.builtIns.find((f) => normalize(f.key) === n || normalize(f.label) === n) ?? target.builtIns.find((f) => f.key === target.aliases[n]);
  if (builtIn) return { kind: 'builtin', key: builtIn.key };
  const custom = target.fields.find((f) => !f.archived && (normalize(f.key) === n || normalize(f.label) === n));
  return custom ? { kind: 'custom', field: custom } : null;
}

/** Imports a CSV stream into `target`: the header row names the columns; see the module comment. */
export async function importCsv(input: Readable, target: CsvImportTarget, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  const batchSize = options.batchSize ?? 500;
  const keepErrors = options.keepErrors ?? 1000;
  const utf8 = new Utf8Lines();
  // An input error (the body stream failing) must reach the parser's loop too.
  input.on('error', (error) => utf8.destroy(error));
  const parser = input.pipe(utf8).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  utf8.on('error', (error) => parser.destroy(error));
  const { signal } = options;
  const cancelled = new Error('import cancelled');
  const cancel = () => {
    input.unpipe(utf8);
    parser.destroy(cancelled);
  };
  if (signal?.aborted) cancel();
  else signal?.addEventListener('abort', cancel, { once: true });
  const result: CsvImportResult = { rowsRead: 0, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [], columns: [] };
  let targets: (ColumnTarget | null)[] | undefined;
  let batch: { line: number; item: Record<string, unknown>; cells: string[] }[] = [];
  /** The last line read; when the file breaks, every row up to it is saved or reported. */
  let lastLine = 0;
  /** The line of the last row saved (a cancelled import reports it). */
  let savedLine = 0;

  const report = (error: CsvRowError, cells: string[]) => {
    result.failed++;
    if (result.errors.length < keepErrors) result.errors.push(error);
    options.onRowError?.(error, cells);
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await target.upsert(batch.map((b) => b.item));
    for (const outcome of outcomes) {
      if (outcome.status === 'error') report({ line: batch[outcome.index]!.line, message: outcome.error.message }, batch[outcome.index]!.cells);
      else result[outcome.status]++;
    }
    savedLine = batch.at(-1)!.line;
    batch = [];
    options.onProgress?.({ rowsRead: result.rowsRead, created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed });
  };

  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = record.record;
      if (!targets) {
        targets = cells.map((header) => resolveColumn(header, target));
        result.columns = cells.map((header, i) => {
          const column = targets![i]!;
          const field = !column ? null : column.kind === 'builtin' ? column.key : column.kind === 'custom' ? `custom.${column.field.key}` : column.kind;
          return { header, field };
        });
        if (!targets.some((t) => t?.kind === 'builtin' || t?.kind === 'custom')) {
          throw new AppError('VALIDATION_FAILED', `The header row names no ${target.headerHint}.`, {
            field: 'header',
          });
        }
        continue;
      }
      result.rowsRead++;
      const line = record.info.lines;
      lastLine = line;
      const item: Record<string, unknown> = {};
      const custom: Record<string, unknown> = {};
      let rowError: string | null = null;
      for (const [i, column] of targets.entries()) {
        if (!column) continue;
        const text = cells[i] ?? '';
        if (column.kind === 'externalId') {
          if (text.trim() !== '') item['externalId'] = text.trim();
        } else if (column.kind === 'tags') {
          if (text.trim() !== '') item['tags'] = listCell(text);
        } else if (column.kind === 'builtin') {
          if (text.trim() !== '') item[column.key] = target.lists?.includes(column.key) ? listCell(text) : text;
        } else {
          const parsed = parseCustomValueText(column.field, text);
          if (!parsed.ok) {
            rowError = `${column.field.key}: ${parsed.message}`;
            break;
          }
          if (parsed.value !== null) custom[column.field.key] = parsed.value;
        }
      }
      if (rowError) {
        report({ line, message: rowError }, cells);
        continue;
      }
      if (Object.keys(custom).length > 0) item['custom'] = custom;
      batch.push({ line, item, cells });
      if (batch.length >= batchSize) await flush();
    }
  } catch (error) {
    if (error === cancelled || signal?.aborted) {
      // The rows read since the last saved batch are dropped: only whole batches were saved.
      throw new ImportCancelledError({ ...progressOf(result), lastLine: savedLine });
    }
    const fileProblem = error instanceof InvalidUtf8Error || String((error as { code?: unknown }).code ?? '').startsWith('CSV_');
    if (!fileProblem) throw error;
    // The rows read before the damage are saved (they were valid), and the answer says so.
    await flush();
    const problem =
      error instanceof InvalidUtf8Error
        ? { line: error.line, text: error.message }
        : { line: csvErrorLine(error), text: `the file is not valid CSV: ${error instanceof Error ? error.message : String(error)}` };
    const saved = result.created + result.updated + result.unchanged;
    // Rows the parser had read ahead but not handed over when it failed are not saved, so the
    // resume point is the line after the last row handled, which may be before the bad line.
    const summary =
      lastLine === 0
        ? 'Nothing was saved.'
        : `Lines up to ${lastLine} were imported: ${saved} rows saved (${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged) and ${result.failed} refused (details.errors); nothing after line ${lastLine} was saved. Fix the file and import only the rows after line ${lastLine}, so the saved rows are not imported twice.`;
    throw new AppError(
      'VALIDATION_FAILED',
      `Import stopped at line ${problem.line}: ${problem.text}. ${summary}`,
      {
        field: 'file',
        line: problem.line,
        imported: { saved, lastLine, created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed },
        errors: result.errors.slice(0, 100),
      },
      { cause: error },
    );
  }
  if (signal?.aborted) throw new ImportCancelledError({ ...progressOf(result), lastLine: savedLine });
  await flush();
  signal?.removeEventListener('abort', cancel);
  return result;
}

function progressOf(r: CsvImportProgress): CsvImportProgress {
  return { rowsRead: r.rowsRead, created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed };
}

/** A cell holding a list: values separated by `;` or `,`, blanks dropped. */
function listCell(text: string): string[] {
  return text
    .split(/[;,]/)
    .map((t) => t.trim())
    .filter(Boolean);
}

/** The line a csv-parse error points at (csv-parse counts the line it stopped on). */
function csvErrorLine(error: unknown): number {
  const lines = (error as { lines?: unknown }).lines;
  return typeof lines === 'number' && lines > 0 ? lines : 1;
}
