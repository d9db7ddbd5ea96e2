// What the sync log's and the audit trail's searches share: the export format parameter and the
// time range check.
import { z } from 'zod';
import { validationFailed } from '../lib/index.js';

/** `json` (a page), or a streamed download of the whole filtered view. */
export const exportFormatQuery = z.enum(['json', 'csv', 'ndjson']).default('json').describe('`json` (a page, default), `csv` or `ndjson` (the whole filtered view, streamed)');

/** A range whose end is not after its start matches nothing: refused, as a typo would be. */
export function checkTimeRange(from: number | undefined, to: number | undefined): void {
  if (from !== undefined && to !== undefined && to <= from) throw validationFailed('querystring.to', 'must be later than from');
}
