// The sync state every pushed record type shares: the seven statuses of seed 000 and what the
// sync columns hold. Customers, organizations, deals and activities all carry it.

export type SyncStatus = 'synced' | 'needs_update' | 'not_synced' | 'outdated' | 'error' | 'duplicate' | 'no_email';

export const SYNC_STATUSES: readonly SyncStatus[] = ['synced', 'needs_update', 'not_synced', 'outdated', 'error', 'duplicate', 'no_email'];

/** Status labels exactly as the Synchronization view shows them (seed 000), for the API and messages. */
export const STATUS_LABELS = {
  synced: 'Synced',
  needs_update: 'Needs update',
  not_synced: 'Not synced',
  outdated: 'Outdated',
  error: 'Error',
  duplicate: 'Duplicate',
  no_email: 'No email',
} as const satisfies Record<SyncStatus, string>;

export interface RecordSyncState {
  hubspotId: string | null;
  status: SyncStatus;
  error: string | null;
  syncedHash: string | null;
  syncedAt: number | null;
  lastAttemptAt: number | null;
}
