// Deals from a CSV file on the shared streaming import (src/records/csv-import.ts): the header
// names deal fields by key or label, `customerIds` holds ids separated by `;` or `,`, custom
// deal fields by key or label; each batch is saved by the bulk upsert.
import type { Readable } from 'node:stream';
import { importRecordsCsv, type CsvColumns, type CsvImportOptions, type CsvImportResult } from '../../records/index.js';
import { DEAL_FIELDS } from './deal-input.js';
import { bulkUpsertDeals, DEALS, type DealServiceDeps } from './deal-service.js';

const DEAL_CSV: CsvColumns = {
  objectType: DEALS,
  builtIns: DEAL_FIELDS,
  aliases: { dealname: 'name', closedate: 'closeDate', dealstage: 'stage', organization: 'organizationId', owner: 'ownerUserId' },
  hasTags: false,
  lists: ['customerIds'],
  headerHint: 'deal field (for example: name, amount, stage)',
};

export async function importDealsCsv(deps: DealServiceDeps, workspaceId: string, input: Readable, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  const upsert = (items: Record<string, unknown>[]) => bulkUpsertDeals(deps, workspaceId, items, { createWithoutExternalId: true });
  return importRecordsCsv(deps.db, workspaceId, input, DEAL_CSV, upsert, options);
}
