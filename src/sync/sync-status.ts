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
import type { StatusCandidate, SyncStatus } from '../store/index.js';

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

/** What a run does with records counted by status: creates those never in HubSpot (Not synced, Error), updates the linked ones (Needs update, Outdated). */
export function pushPlan(counts: Readonly<Record<SyncStatus, number>>): { creates: number; updates: number } {
  return { creates: counts.not_synced + counts.error, updates: counts.needs_update + counts.outdated };
}

/** The owner of a key among records sharing it: the one linked to HubSpot, else the oldest. */
function ownerOf(group: StatusCandidate[]): string {
  const sorted = [...group].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  return (sorted.find((c) => c.hubspotId !== null) ?? sorted[0]!).id;
}

/**
 * The statuses that change among `records`, which must hold every live record sharing a key
 * with any of them (the Duplicate rule compares them). `keyRequired`: a record without a key
 * reads No email (customers); otherwise it is simply never a duplicate (organizations).
 */
export function statusChanges(records: Iterable<StatusCandidate>, keyRequired: boolean): { id: string; status: SyncStatus }[] {
  const all = [...records];
  const groups = new Map<string, StatusCandidate[]>();
  for (const c of all) if (c.key !== null) groups.set(c.key, [...(groups.get(c.key) ?? []), c]);
  const owners = new Set([...groups.values()].map(ownerOf));
  const changes: { id: string; status: SyncStatus }[] = [];
  for (const c of all) {
    const status = computeStatus({
      hasEmail: !keyRequired || c.key !== null,
      isDuplicate: c.key !== null && !owners.has(c.id),
      hubspotId: c.hubspotId,
      lastAttemptFailed: c.syncError !== null,
      currentHash: c.currentHash,
      syncedHash: c.syncedHash,
    });
    if (status !== c.status) changes.push({ id: c.id, status });
  }
  return changes;
}
