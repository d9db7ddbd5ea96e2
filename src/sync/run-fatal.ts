// Which HubSpot errors stop a whole run rather than fail the records they came with: the same
// rule for a batch (push-batch.ts) and for the association calls that follow it (adapters).
import { isHubSpotApiError } from '../hubspot/index.js';

/** Errors that concern the whole connection, not a record: the run stops (batches and association calls alike). */
export function isRunFatal(error: unknown): boolean {
  return (
    isHubSpotApiError(error) &&
    (error.code === 'HUBSPOT_UNAUTHORIZED' || error.code === 'HUBSPOT_MISSING_SCOPES' || error.code === 'HUBSPOT_DAILY_LIMIT_REACHED' || error.code === 'HUBSPOT_ABORTED')
  );
}
