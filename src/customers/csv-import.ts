// Customers from a CSV file: the customer's columns (and the header spellings people use for
// them) on the shared streaming import (src/records/csv-import.ts).
import type { Readable } from 'node:stream';
import { ADDRESS_ALIASES, importCsv, loadFieldDefinitions, type CsvImportOptions, type CsvImportResult } from '../records/index.js';
import { bulkUpsertCustomers, type CustomerServiceDeps } from './customer-service.js';
import { BUILT_IN_FIELDS } from './fields.js';

const ALIASES: Record<string, string> = {
  ...ADDRESS_ALIASES,
  company: 'companyName',
  mobile: 'phone',
  emailaddress: 'email',
};

export async function importCustomersCsv(
  deps: CustomerServiceDeps,
  workspaceId: string,
  input: Readable,
  options: CsvImportOptions = {},
): Promise<CsvImportResult> {
  return importCsv(
    input,
    {
      builtIns: BUILT_IN_FIELDS,
      aliases: ALIASES,
      fields: await loadFieldDefinitions(deps.db, workspaceId),
      hasTags: true,
      headerHint: 'customer field (for example: email, firstName, lastName)',
      upsert: (items) => bulkUpsertCustomers(deps, workspaceId, items, { createWithoutExternalId: true }),
    },
    options,
  );
}
