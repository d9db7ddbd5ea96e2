// A customer's sync status — the seven statuses of the Synchronization view, exactly as seed 000
// defines them — derived from what is stored about the customer. Pure.
//
//   No email      the customer has no email address, so cannot become a HubSpot contact.
//   Duplicate     another customer owns this email (it is linked to the contact, or it is the
//                 oldest); this one is left untouched so it cannot overwrite that contact.
//   Not synced    has an email, never pushed: the next run creates (or matches) the contact.
//   Error         the last attempt failed and the contact was never created.
//   Synced        in HubSpot and the values it would push now equal what HubSpot accepted.
//   Needs update  in HubSpot, but its values (or the mapping) changed since the last push.
//   Outdated      was synced before, but the most recent attempt failed.
//
// Transitions happen only through what a run records (hubspot id, accepted hash, last error)
// and through edits (the current hash), so the status never claims more than is known.
import type { SyncStatus } from '../store/index.js';

export interface StatusInput {
  hasEmail: boolean;
  /** Another customer owns this email. */
  isDuplicate: boolean;
  hubspotId: string | null;
  /** The last push attempt failed. */
  lastAttemptFailed: boolean;
  currentHash: string | null;
  syncedHash: string | null;
}

export function computeStatus(input: StatusInput): SyncStatus {
  if (!input.hasEmail) return 'no_email';
  if (input.isDuplicate) return 'duplicate';
  if (input.hubspotId === null) return input.lastAttemptFailed ? 'error' : 'not_synced';
  if (input.lastAttemptFailed) return 'outdated';
  return input.currentHash !== null && input.currentHash === input.syncedHash ? 'synced' : 'needs_update';
}

/** Statuses a Sync now run pushes: creates, updates and retries. */
export const PUSHABLE_STATUSES: readonly SyncStatus[] = ['not_synced', 'needs_update', 'error', 'outdated'];
