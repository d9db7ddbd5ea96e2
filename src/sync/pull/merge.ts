// The three-way merge of one field, pure (SYNC-MODEL.md, "Records, links and the base"). Values
// are compared as HubSpot strings in the form the push writes them (field-mapping.ts
// formatValue), so a value hubsync pushed and HubSpot sends back compares equal to its base.
//
//   HubSpot = local             nothing to write; the base moves to it when it was elsewhere
//   HubSpot = base              only local changed (or hubsync's own push came back): the push sends it
//   local = base                only HubSpot changed: written locally, the base moves
//   no base (a record just linked) and one side empty: the other side's value fills it
//   all three differ, or no base and the two sides differ: a conflict, decided by time — or, for
//                               a record just linked whose two copies were created within the
//                               de-duplication window, by which is older (`canonicalOnLink`)
//
// Ties: when the local change and HubSpot's are stamped with the same millisecond, the local
// value wins (hubsync's record is the host app's own; HubSpot receives it with the next push).

export type FieldDecision =
  /** Nothing to write and the base stays. */
  | 'none'
  /** Both sides hold the same value, not the base: the base moves to it. */
  | 'agree'
  /** Only local changed (or HubSpot sent back what hubsync pushed): left for the push. */
  | 'keep-local'
  /** Only HubSpot changed: written locally, the base moves. */
  | 'take-hubspot'
  /** Both changed differently (or there is no base and they differ): decided by time. */
  | 'conflict';

/** `base` undefined: the two sides never agreed on this property (a record just linked by email). */
export function decideField(base: string | undefined, local: string, hubspot: string): FieldDecision {
  if (hubspot === local) return base === hubspot ? 'none' : 'agree';
  if (base === undefined) return hubspot === '' ? 'keep-local' : local === '' ? 'take-hubspot' : 'conflict';
  if (hubspot === base) return 'keep-local';
  if (local === base) return 'take-hubspot';
  return 'conflict';
}

export type ConflictWinner = 'local' | 'hubspot';

/** The later change wins; the local value wins a tie (see the header). */
export function conflictWinner(localChangedAt: number, hubspotChangedAt: number): ConflictWinner {
  return hubspotChangedAt > localChangedAt ? 'hubspot' : 'local';
}

/**
 * The canonical side of a record linked by its key (no base yet) when both copies were created
 * within the de-duplication window of each other (pure): the same person created on both sides
 * seconds apart, so the older is canonical (seed 004) and wins every field both hold differently,
 * as the de-duplication's merge does (../dedup.ts); a tie goes to HubSpot's, as there. Null when
 * further apart, the window is 0 (off) or HubSpot's creation time is unknown: decided by time.
 */
export function canonicalOnLink(localCreatedAt: number, hubspotCreatedAt: number, windowMs: number): ConflictWinner | null {
  if (windowMs <= 0 || !Number.isFinite(hubspotCreatedAt) || Math.abs(localCreatedAt - hubspotCreatedAt) > windowMs) return null;
  return localCreatedAt < hubspotCreatedAt ? 'local' : 'hubspot';
}

/**
 * When HubSpot last changed a property: the newest timestamp of its history, or `fallback`
 * (the record's last-modified time) when HubSpot sent no history for it.
 */
export function hubspotChangedAt(history: readonly { timestamp: string }[] | undefined, fallback: number): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const entry of history ?? []) {
    const at = Date.parse(entry.timestamp);
    if (!Number.isNaN(at) && at > latest) latest = at;
  }
  return Number.isFinite(latest) ? latest : fallback;
}
