// Deals from a CSV file on the shared streaming import (src/records/csv-import.ts): the header
// names deal fields by key or label, `customerIds` holds ids separated by `;` or `,`, custom
// deal fields by key or label; each batch is saved by the bulk upsert.
import type { Readable } from 'node:stream';
import { importCsv, loadFieldDefinitions, type CsvImportOptions, type CsvImportResult } from '../../records/index.js';
import { DEAL_FIELDS } from './deal-input.js';
import { bulkUpsertDeals, DEALS, type DealServiceDeps } from './deal-service.js';

const ALIASES: Record<string, string> = { dealname: 'name', closedate: 'closeDate', dealstage: 'stage', organization: 'organizationId', owner: 'ownerUserId' };

export async function importDealsCsv(deps: DealServiceDeps, workspaceId: string, input: Readable, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  return importCsv(
    input,
    {
      builtIns: DEAL_FIELDS,
      aliases: ALIASES,
      lists: ['customerIds'],
      fields: await loadFieldDefinitions(deps.db, workspaceId, DEALS),
      hasTags: false,
      headerHint: 'deal field (for example: name, amount, stage)',
      upsert: (items) => bulkUpsertDeals(deps, workspaceId, items, { createWithoutExternalId: true }),
    },
    options,
  );
}
