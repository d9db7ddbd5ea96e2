// Invitations: how people join a workspace. An admin invites an email with a role and gets a
// one-time link to pass on (the token is shown once; only its SHA-256 is stored; it expires
// after 7 days and can be revoked). The admin's answer is the same whether or not an account
// exists for that email, so inviting never reveals who has an account.
//
// Accepting (whoever holds the link is treated as the invitee):
// - signed in as the invited email: the membership is added to that account;
// - signed in as anyone else: refused (sign out first);
// - not signed in, the email has an account: its password is required (throttled like sign-in);
//   the account's name and password are never changed by an invitation;
// - not signed in, no account yet: a name and a password (the password policy applies) create it.
// Accepting never lowers an existing member's role.
import { audit, type Actor } from '../audit/index.js';
import { hashPassword, newSessionToken, passwordProblem, sha256 } from '../auth/index.js';
import type { Clock } from '../lib/index.js';
import { AppError, newId, validationFailed } from '../lib/index.js';
import type { Db, Invitation, Role, User, UserWithPassword, Workspace } from '../store/index.js';
import {
  findInvitationByTokenHash,
  findMembership,
  findUserByEmail,
  findWorkspaceById,
  insertInvitation,
  insertUser,
  invitationStatus,
  isUniqueViolation,
  markInvitationAccepted,
  revokeInvitation as revokeInvitationRow,
  revokePendingInvitationsFor,
  upsertMembership,
} from '../store/index.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

const invalidLink = () => new AppError('INVITATION_INVALID', 'This invitation link is not valid: it was already used, revoked, or has expired. Ask for a new one.');

export async function createInvitation(
  db: Db,
  clock: Clock,
  actor: Actor,
  workspace: Workspace,
  input: { email: string; role: Role },
): Promise<{ invitation: Invitation; token: string }> {
  const email = input.email.trim();
  const token = newSessionToken();
  const now = clock.now();
  const invitation: Invitation = {
    id: newId('inv', clock),
    workspaceId: workspace.id,
    email,
    role: input.role,
    createdBy: actor.id,
    createdAt: now,
    expiresAt: now + INVITATION_TTL_MS,
    acceptedAt: null,
    revokedAt: null,
  };
  // A new invitation replaces any still pending for the same email: one valid link at a time.
  await revokePendingInvitationsFor(db, workspace.id, email, now);
  await insertInvitation(db, { ...invitation, tokenHash: sha256(token) });
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'invitation.created', target: { type: 'invitation', id: invitation.id }, details: { email, role: input.role } });
  return { invitation, token };
}

/** Revokes a pending invitation; NOT_FOUND when there is none, CONFLICT when already accepted. */
export async function revokeInvitation(db: Db, clock: Clock, actor: Actor, workspace: Workspace, invitation: Invitation): Promise<void> {
  if (invitation.acceptedAt !== null) throw new AppError('CONFLICT', 'This invitation was already accepted; remove the member instead.');
  if (!(await revokeInvitationRow(db, workspace.id, invitation.id, clock.now()))) return;
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'invitation.revoked', target: { type: 'invitation', id: invitation.id }, details: { email: invitation.email } });
}

export interface AcceptInput {
  token: string;
  name?: string | undefined;
  password?: string | undefined;
  /** The signed-in person calling, if any. */
  signedIn?: Pick<User, 'id' | 'email'> | undefined;
  /** Checks an existing account's password (the caller applies the sign-in throttle). */
  checkPassword: (user: UserWithPassword, password: string) => Promise<boolean>;
}

export interface AcceptOutcome {
  user: User;
  workspace: Workspace;
  role: Role;
  /** True when the caller was not signed in as this user and needs a session. */
  needsSession: boolean;
}

export async function acceptInvitation(db: Db, clock: Clock, input: AcceptInput): Promise<AcceptOutcome> {
  const invitation = await findInvitationByTokenHash(db, sha256(input.token));
  if (!invitation || invitationStatus(invitation, clock.now()) !== 'pending') throw invalidLink();
  const workspace = await findWorkspaceById(db, invitation.workspaceId);
  if (!workspace) throw invalidLink();
  const invitedEmail = invitation.email.trim().toLowerCase();

  let existing: UserWithPassword | undefined;
  let newUser: UserWithPassword | undefined;
  if (input.signedIn) {
    if (input.signedIn.email.trim().toLowerCase() !== invitedEmail) {
      throw new AppError('FORBIDDEN', 'This invitation was sent to another email address. Sign out, then open the link again.');
    }
    existing = await findUserByEmail(db, invitedEmail);
    if (!existing) throw invalidLink();
  } else {
    existing = await findUserByEmail(db, invitedEmail);
    if (existing) {
      if (!input.password || !(await input.checkPassword(existing, input.password))) {
        throw new AppError('INVALID_CREDENTIALS', 'This email already has a hubsync account: enter its password, or sign in first and open the link again.');
      }
    } else {
      const name = input.name?.trim();
      if (!name) throw validationFailed('name', 'is required to create your account');
      if (!input.password) throw validationFailed('password', 'is required to create your account');
      const problem = passwordProblem(input.password, invitation.email);
      if (problem) throw validationFailed('password', problem);
      newUser = { id: newId('usr', clock), email: invitation.email, name, createdAt: clock.now(), passwordHash: await hashPassword(input.password), isInstanceAdmin: false };
    }
  }

  const account = (existing ?? newUser)!;
  const role = await db.transaction().execute(async (trx) => {
    // Two new-account acceptances for one email racing: the loser hits the unique email index.
    if (newUser) {
      try {
        await insertUser(trx, newUser);
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'An account for this email was created meanwhile: tick "I already have an account" and enter its password.');
        throw error;
      }
    }
    const now = clock.now();
    if (!(await markInvitationAccepted(trx, invitation.id, account.id, now))) throw invalidLink();
    const current = await findMembership(trx, workspace.id, account.id);
    if (current) return current;
    await upsertMembership(trx, { workspaceId: workspace.id, userId: account.id, role: invitation.role, createdAt: now });
    await audit(trx, clock, {
      workspaceId: workspace.id,
      actor: { type: 'user', id: account.id, label: account.email },
      action: 'user.added',
      target: { type: 'user', id: account.id },
      details: { email: account.email, role: invitation.role, invitationId: invitation.id },
    });
    return invitation.role;
  });
  const { id, email, name, createdAt } = account;
  return { user: { id, email, name, createdAt }, workspace, role, needsSession: !input.signedIn };
}
