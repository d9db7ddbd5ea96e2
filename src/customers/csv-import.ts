// Customers from a CSV file: the customer's columns (and the header spellings people use for
// them) on the shared streaming import (src/records/csv-import.ts).
import type { Readable } from 'node:stream';
import { ADDRESS_ALIASES, importRecordsCsv, type CsvColumns, type CsvImportOptions, type CsvImportResult } from '../records/index.js';
import { bulkUpsertCustomers, type CustomerServiceDeps } from './customer-service.js';
import { BUILT_IN_FIELDS } from './fields.js';

const CUSTOMER_CSV: CsvColumns = {
  objectType: 'contacts',
  builtIns: [...BUILT_IN_FIELDS, { key: 'ownerUserId', label: 'Owner' }],
  aliases: { ...ADDRESS_ALIASES, company: 'companyName', mobile: 'phone', emailaddress: 'email' },
  hasTags: true,
  headerHint: 'customer field (for example: email, firstName, lastName)',
};

export async function importCustomersCsv(deps: CustomerServiceDeps, workspaceId: string, input: Readable, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  const upsert = (items: Record<string, unknown>[]) => bulkUpsertCustomers(deps, workspaceId, items, { createWithoutExternalId: true });
  return importRecordsCsv(deps.db, workspaceId, input, CUSTOMER_CSV, upsert, options);
}
