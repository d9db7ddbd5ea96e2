// HubSpot's owners in a workspace (issue 13, point 6): read from the portal into the database,
// each linked by an admin to the local user it is (seed 002's "HubSpot User ID" on the user),
// with a suggestion by email. A record's owner is a local user; the push sends the linked
// owner's id as `hubspot_owner_id` (ownerIdsFor). Reading owners needs the optional scope
// crm.objects.owners.read: without it the read is refused naming the scope, and everything else
// keeps working. A change of who is linked (or an owner HubSpot archived) changes what these
// users' deals push, so their statuses are refreshed in the same transaction.
import { audit, type Actor } from '../audit/index.js';
import { hubspotProblem, OWNERS_SCOPE, requireScopes, type HubSpotGateway } from '../integration/index.js';
import { AppError, type Clock } from '../lib/index.js';
import type { Db, OwnerRecord, Workspace } from '../store/index.js';
import { dealIdsOwnedBy, linkOwner, listMembersOfWorkspace, listOwners, ownersOfUsers, saveOwnersRead } from '../store/index.js';
import { refreshDealSyncStates } from './deal-values.js';
// A cycle by design: organization-status.ts asks this module for owner ids, and is told here
// when they change (functions only, called long after both modules loaded).
import { onOwnersRelinked } from './organization-status.js';

export interface OwnerView extends OwnerRecord {
  /** The member whose email is the owner's, when the owner is linked to no one and that member to no other owner. */
  suggestedUserId: string | null;
}

export async function readOwners(db: Db, workspaceId: string): Promise<OwnerView[]> {
  const [owners, members] = await Promise.all([listOwners(db, workspaceId), listMembersOfWorkspace(db, workspaceId)]);
  const linked = new Set(owners.flatMap((o) => (o.userId === null ? [] : [o.userId])));
  const memberByEmail = new Map(members.map((m) => [m.email.toLowerCase(), m.id]));
  return owners.map((owner) => {
    const match = owner.email === null ? undefined : memberByEmail.get(owner.email.toLowerCase());
    const suggestedUserId = owner.userId === null && !owner.archived && match !== undefined && !linked.has(match) ? match : null;
    return { ...owner, suggestedUserId };
  });
}

/** Reads every owner (active and archived) from HubSpot and stores them; audited with the counts. */
export async function refreshOwners(db: Db, clock: Clock, gateway: HubSpotGateway, workspace: Workspace, actor: Actor): Promise<OwnerView[]> {
  await requireScopes(db, workspace.id, [OWNERS_SCOPE], {
    subject: "HubSpot's owners",
    needsConnection: 'owners are read from the connected portal.',
    remedy: 'Add it to the private app (or reconnect with HubSpot), then read the owners again. Records still sync without an owner.',
  });
  const client = await gateway.clientFor(workspace.id);
  let read;
  try {
    const [active, archived] = await Promise.all([client.owners.listAll({ priority: 'interactive' }), client.owners.listAll({ archived: true, priority: 'interactive' })]);
    read = [...active, ...archived];
  } catch (error) {
    throw hubspotProblem(error, "read the portal's owners");
  }
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await saveOwnersRead(
      trx,
      workspace.id,
      read.map((o) => ({
        ownerId: o.id,
        email: o.email || null,
        firstName: o.firstName || null,
        lastName: o.lastName || null,
        hubspotUserId: o.userIdIncludingInactive !== undefined ? String(o.userIdIncludingInactive) : o.userId === null ? null : String(o.userId),
        archived: o.archived,
      })),
      now,
    );
    // An owner archived (or back) in HubSpot changes what its users' records push.
    await refreshRecordsOwnedBy(trx, workspace.id, (await listOwners(trx, workspace.id)).flatMap((o) => (o.userId === null ? [] : [o.userId])));
    await audit(trx, clock, { workspaceId: workspace.id, actor, action: 'hubspot.owners_read', details: { active: read.filter((o) => !o.archived).length, archived: read.filter((o) => o.archived).length } });
  });
  return readOwners(db, workspace.id);
}

/** Links an owner to a member of the workspace (moving the member away from another owner), or unlinks it; audited. */
export async function setOwnerUser(db: Db, clock: Clock, workspace: Workspace, actor: Actor, ownerId: string, userId: string | null): Promise<OwnerView[]> {
  await db.transaction().execute(async (trx) => {
    const owners = await listOwners(trx, workspace.id);
    const owner = owners.find((o) => o.ownerId === ownerId);
    if (!owner) throw new AppError('NOT_FOUND', `HubSpot owner ${ownerId} is not among this workspace's owners. Read the owners from HubSpot again.`);
    if (userId !== null && !(await listMembersOfWorkspace(trx, workspace.id)).some((m) => m.id === userId)) {
      throw new AppError('VALIDATION_FAILED', 'userId: not a member of this workspace.', { field: 'userId' });
    }
    if (owner.userId === userId) return;
    await linkOwner(trx, workspace.id, ownerId, userId, clock.now());
    await refreshRecordsOwnedBy(trx, workspace.id, [owner.userId, userId].filter((u): u is string => u !== null));
    await audit(trx, clock, { workspaceId: workspace.id, actor, action: 'hubspot.owner_linked', details: { ownerId, from: owner.userId, to: userId } });
  });
  return readOwners(db, workspace.id);
}

/** The deals and organizations of these users push another owner now: their hashes and statuses follow. */
async function refreshRecordsOwnedBy(db: Db, workspaceId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await refreshDealSyncStates(db, workspaceId, await dealIdsOwnedBy(db, workspaceId, userIds));
  await onOwnersRelinked(db, workspaceId, userIds);
}

/** Applies every current suggestion (owner ↔ member with the same email); audited once with the pairs. */
export async function linkSuggestedOwners(db: Db, clock: Clock, workspace: Workspace, actor: Actor): Promise<OwnerView[]> {
  await db.transaction().execute(async (trx) => {
    const suggested = (await readOwners(trx, workspace.id)).filter((o) => o.suggestedUserId !== null);
    for (const owner of suggested) await linkOwner(trx, workspace.id, owner.ownerId, owner.suggestedUserId, clock.now());
    await refreshRecordsOwnedBy(trx, workspace.id, suggested.flatMap((o) => (o.suggestedUserId === null ? [] : [o.suggestedUserId])));
    if (suggested.length > 0) {
      await audit(trx, clock, { workspaceId: workspace.id, actor, action: 'hubspot.owner_linked', details: { linked: suggested.map((o) => ({ ownerId: o.ownerId, to: o.suggestedUserId })) } });
    }
  });
  return readOwners(db, workspace.id);
}

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
