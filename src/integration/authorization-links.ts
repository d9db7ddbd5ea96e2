// Authorization links (issue 17; seeds 002 and 003): the person who holds the HubSpot account is
// often not the admin setting hubsync up. An admin creates a link for them; whoever opens it
// approves the HubSpot app without a hubsync account, and the workspace is connected.
//
// - The token is random, shown to the admin once (the link carries it in its #fragment, so it
//   never reaches a server log); only its SHA-256 is stored.
// - Valid 1 hour to 30 days (7 days unless the admin chooses), single use, revocable.
// - Opening the link starts the ordinary OAuth flow with a state that names the link
//   (`oauth_states.authorization_link_id`); the callback (HubSpotGateway.completeOAuth) marks
//   the link used in the transaction that stores the connection, so two approvals racing
//   connect once.
// - Creation, revocation and use are in the audit trail.
import { audit, type Actor } from '../audit/index.js';
import { newSessionToken, sha256 } from '../auth/index.js';
import { AppError, newId, type Clock } from '../lib/index.js';
import type { AuthorizationLink, Db, Workspace } from '../store/index.js';
import { findAuthorizationLink, findAuthorizationLinkByTokenHash, findConnection, findWorkspaceById, insertAuthorizationLink, revokeAuthorizationLinkRow } from '../store/index.js';
import { authorizationLinkProblem } from './authorization-link-problem.js';
import type { HubSpotGateway } from './hubspot-gateway.js';
import type { SyncedObjectType } from './object-scopes.js';

export const AUTHORIZATION_LINK_DEFAULT_HOURS = 7 * 24;
export const AUTHORIZATION_LINK_MIN_HOURS = 1;
export const AUTHORIZATION_LINK_MAX_HOURS = 30 * 24;

/** The active link a token opens, or the refusal saying why it cannot be used. */
async function activeLink(db: Db, clock: Clock, token: string): Promise<{ link: AuthorizationLink; workspace: Workspace }> {
  const link = await findAuthorizationLinkByTokenHash(db, sha256(token));
  const problem = authorizationLinkProblem(link, clock.now());
  if (problem || !link) throw problem;
  const workspace = await findWorkspaceById(db, link.workspaceId);
  if (!workspace) throw authorizationLinkProblem(undefined, clock.now())!;
  return { link, workspace };
}

export async function createAuthorizationLink(
  db: Db,
  clock: Clock,
  actor: Actor,
  workspace: Workspace,
  input: { expiresInHours?: number | undefined },
): Promise<{ link: AuthorizationLink; token: string }> {
  const hours = input.expiresInHours ?? AUTHORIZATION_LINK_DEFAULT_HOURS;
  const token = newSessionToken();
  const now = clock.now();
  const link: AuthorizationLink = {
    id: newId('azl', clock),
    workspaceId: workspace.id,
    createdBy: actor.id,
    createdByLabel: actor.label,
    createdAt: now,
    expiresAt: now + hours * 3600_000,
    usedAt: null,
    revokedAt: null,
    portalId: null,
    connectedBy: null,
  };
  await insertAuthorizationLink(db, { ...link, tokenHash: sha256(token) });
  await audit(db, clock, {
    workspaceId: workspace.id,
    actor,
    action: 'hubspot.authorization_link.created',
    target: { type: 'authorization_link', id: link.id },
    details: { expiresInHours: hours, expiresAt: new Date(link.expiresAt).toISOString() },
  });
  return { link, token };
}

/** Revokes a link; CONFLICT when it was already used, nothing when already revoked. */
export async function revokeAuthorizationLink(db: Db, clock: Clock, actor: Actor, workspace: Workspace, id: string): Promise<void> {
  const link = await findAuthorizationLink(db, id, workspace.id);
  if (!link) throw new AppError('NOT_FOUND', 'Authorization link was not found.');
  if (link.usedAt !== null) throw new AppError('CONFLICT', 'This authorization link was already used; disconnect HubSpot instead.');
  if (!(await revokeAuthorizationLinkRow(db, workspace.id, id, clock.now()))) return;
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'hubspot.authorization_link.revoked', target: { type: 'authorization_link', id } });
}

export interface ResolvedAuthorizationLink {
  workspace: Workspace;
  requestedBy: string;
  expiresAt: number;
  /** The portal the workspace is connected to now (approving replaces that connection), or null. */
  connectedPortalId: number | null;
}

/** What the public page shows before the person approves; refuses a link that cannot be used. */
export async function resolveAuthorizationLink(db: Db, clock: Clock, token: string): Promise<ResolvedAuthorizationLink> {
  const { link, workspace } = await activeLink(db, clock, token);
  const connection = await findConnection(db, workspace.id);
  return { workspace, requestedBy: link.createdByLabel, expiresAt: link.expiresAt, connectedPortalId: connection ? Number(connection.portal_id) : null };
}

/**
 * HubSpot's authorize URL for the person holding the link: an OAuth state bound to the link and
 * the scopes of the object types the workspace syncs (the caller reads them from its settings).
 */
export async function startFromAuthorizationLink(
  db: Db,
  clock: Clock,
  gateway: HubSpotGateway,
  token: string,
  objectTypesFor: (workspaceId: string) => Promise<readonly SyncedObjectType[]>,
): Promise<string> {
  const { link, workspace } = await activeLink(db, clock, token);
  return gateway.startOAuth(workspace, link.createdBy ?? `link:${link.id}`, await objectTypesFor(workspace.id), link.id);
}
