// Deals (→ HubSpot deals): validation, create / update / delete, customer links, bulk upsert
// by externalId and CSV import.
export { DEAL_FIELD_KEYS, DEAL_FIELDS, DEAL_LIMITS, DEFAULT_PIPELINE, EMPTY_DEAL, validateDealPatch } from './deal-input.js';
export { bulkUpsertDeals, createDeal, DEALS, deleteDeal, linkDealCustomer, restoreDeal, updateDeal, type DealServiceDeps } from './deal-service.js';
export { importDealsCsv } from './deal-csv-import.js';
