// Streams a log's filtered view as CSV or NDJSON: rows arrive in keyset chunks from the store
// and leave as they come, so an export of ten million attempts holds one chunk in memory.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

export type ExportFormat = 'csv' | 'ndjson';

/** A value of one CSV cell (null and undefined are empty). */
type Cell = string | number | boolean | null | undefined;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. A text starting
 * with `=`, `+`, `-`, `@`, a tab or a carriage return is one a spreadsheet would run as a
 * formula (HubSpot's messages echo values people typed), so it gets a leading `'`.
 */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * Sends `chunks` (each a list of JSON rows) as a download: CSV with a header row of `columns`
 * (each row's values in that order) or NDJSON (one JSON object a line). Backpressure is the
 * stream's: the next chunk is read only when the client has taken the last.
 */
export function sendExport(
  reply: FastifyReply,
  format: ExportFormat,
  filename: string,
  columns: readonly string[],
  chunks: AsyncIterable<readonly Record<string, unknown>[]>,
): FastifyReply {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield csvLine(columns);
    for await (const rows of chunks) {
      yield rows.map((row) => (format === 'csv' ? csvLine(columns.map((c) => row[c] as Cell)) : `${JSON.stringify(row)}\n`)).join('');
    }
  }
  return reply
    .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}.${format === 'csv' ? 'csv' : 'ndjson'}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(lines(), { objectMode: false }));
}
