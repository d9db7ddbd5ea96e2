// What a record's owner pushes: the HubSpot owner id linked to its local user, or why none is
// sent. Apart from owners.ts (reading and linking owners), so the value code of each object
// type (deal-values.ts, organization-status.ts) can ask without depending on what tells it of
// relinked owners.
import type { Db } from '../store/index.js';
import { ownersOfUsers } from '../store/index.js';

/**
 * The `hubspot_owner_id` to push for each local owner (user id → owner id). A user linked to no
 * owner, or to one HubSpot no longer lists, maps to a reason instead: the record is pushed
 * without an owner and the reason is reported on it, never failing its batch.
 */
export async function ownerIdsFor(db: Db, workspaceId: string, userIds: readonly string[]): Promise<Map<string, { ownerId: string } | { problem: string }>> {
  const linked = await ownersOfUsers(db, workspaceId, userIds);
  const out = new Map<string, { ownerId: string } | { problem: string }>();
  for (const userId of userIds) {
    const owner = linked.get(userId);
    if (!owner) out.set(userId, { problem: 'Its owner is linked to no HubSpot owner (Owners tab): pushed without an owner.' });
    else if (owner.archived) out.set(userId, { problem: `Its owner's HubSpot owner ${owner.ownerId} no longer exists in HubSpot: pushed without an owner.` });
    else out.set(userId, { ownerId: owner.ownerId });
  }
  return out;
}
