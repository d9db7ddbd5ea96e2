// Customers from a CSV file: the columns a customer file may hold (built-in fields by key,
// label or a common alias, tags, custom fields) on the shared streaming importer
// (records/csv-import-stream.ts), each batch saved by the bulk upsert.
import type { Readable } from 'node:stream';
import { importCsvStream, type CsvImportOptions, type CsvImportResult } from '../records/index.js';
import { bulkUpsertCustomers, loadFieldDefinitions, type CustomerServiceDeps } from './customer-service.js';
import { BUILT_IN_FIELDS, parseCustomValueText } from './fields.js';

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

export async function importCustomersCsv(deps: CustomerServiceDeps, workspaceId: string, input: Readable, options: CsvImportOptions = {}): Promise<CsvImportResult> {
  const customFields = await loadFieldDefinitions(deps.db, workspaceId);
  return importCsvStream(
    input,
    {
      builtIns: BUILT_IN_FIELDS,
      aliases: ALIASES,
      lists: ['tags'],
      customFields,
      parseCustom: parseCustomValueText,
      whatToName: 'customer field (for example: email, firstName, lastName)',
    },
    (items) => bulkUpsertCustomers(deps, workspaceId, items, { createWithoutExternalId: true }),
    options,
  );
}
