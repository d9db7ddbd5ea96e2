// Password resets by an admin: a member who forgot their password gets a one-time link from an
// admin of their workspace (hubsync sends no email). The admin gets the link once; only the
// token's SHA-256 is stored; it expires after 24 hours, works once, and a newer reset for the same
// person replaces it. Opening it, the member chooses a new password (the password policy applies)
// and every session of that account ends, so whoever held the old password is out.
//
// An account can belong to several workspaces, and the password is the account's. So an admin may
// reset the password only of someone whose every workspace they also administer, and never an
// instance admin's unless they are one: an admin of one workspace must not be able to take over an
// account that matters elsewhere.
import { audit, type Actor } from '../audit/index.js';
import { hashPassword, newSessionToken, passwordProblem, sha256 } from '../auth/index.js';
import type { Clock } from '../lib/index.js';
import { AppError, newId, validationFailed } from '../lib/index.js';
import type { Db, PasswordReset, User, Workspace } from '../store/index.js';
import {
  deleteAllSessionsOf,
  findMembership,
  findPasswordResetByTokenHash,
  findUserById,
  insertPasswordReset,
  listMembershipsOfUser,
  markPasswordResetUsed,
  passwordResetUsable,
  revokePendingPasswordResets,
  updateUserPassword,
} from '../store/index.js';

export const PASSWORD_RESET_TTL_MS = 24 * 3600_000;

const invalidLink = () => new AppError('PASSWORD_RESET_INVALID', 'This password reset link is not valid: it was already used, replaced by a newer one, or has expired. Ask an admin for a new one.');

/** Makes a one-time reset link's token for a member of `workspace`. `actorUser` is the admin. */
export async function createPasswordReset(
  db: Db,
  clock: Clock,
  actor: Actor,
  actorUser: { id: string; isInstanceAdmin: boolean },
  workspace: Workspace,
  userId: string,
): Promise<{ reset: PasswordReset; token: string; user: User }> {
  if (!(await findMembership(db, workspace.id, userId))) throw new AppError('NOT_FOUND', 'User was not found in this workspace.');
  const target = await findUserById(db, userId);
  if (!target) throw new AppError('NOT_FOUND', 'User was not found in this workspace.');
  if (target.isInstanceAdmin && !actorUser.isInstanceAdmin) {
    throw new AppError('FORBIDDEN', 'This person is an instance admin: only another instance admin can reset their password.');
  }
  for (const membership of await listMembershipsOfUser(db, userId)) {
    if ((await findMembership(db, membership.workspace.id, actorUser.id)) !== 'admin') {
      throw new AppError('FORBIDDEN', 'This person is also in a workspace you do not administer: an admin of every workspace they belong to must reset their password.');
    }
  }
  const token = newSessionToken();
  const now = clock.now();
  const reset: PasswordReset = { id: newId('pwr', clock), userId, workspaceId: workspace.id, createdBy: actor.id, createdAt: now, expiresAt: now + PASSWORD_RESET_TTL_MS, usedAt: null, revokedAt: null };
  await revokePendingPasswordResets(db, userId, now);
  await insertPasswordReset(db, { ...reset, tokenHash: sha256(token) });
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'user.password_reset_created', target: { type: 'user', id: userId }, details: { email: target.email, expiresAt: new Date(reset.expiresAt).toISOString() } });
  const { id, email, name, createdAt } = target;
  return { reset, token, user: { id, email, name, createdAt } };
}

/** Sets the new password chosen through a reset link and ends every session of the account. */
export async function acceptPasswordReset(db: Db, clock: Clock, input: { token: string; password: string }): Promise<{ user: User; sessionsEnded: number }> {
  const reset = await findPasswordResetByTokenHash(db, sha256(input.token));
  if (!reset || !passwordResetUsable(reset, clock.now())) throw invalidLink();
  const user = await findUserById(db, reset.userId);
  if (!user) throw invalidLink();
  // Checked before the link is used up, so a refused password leaves the link working.
  const problem = passwordProblem(input.password, user.email);
  if (problem) throw validationFailed('password', problem);
  const passwordHash = await hashPassword(input.password);
  const sessionsEnded = await db.transaction().execute(async (trx) => {
    if (!(await markPasswordResetUsed(trx, reset.id, clock.now()))) throw invalidLink();
    await updateUserPassword(trx, user.id, passwordHash);
    const ended = await deleteAllSessionsOf(trx, user.id);
    await audit(trx, clock, {
      workspaceId: reset.workspaceId,
      actor: { type: 'user', id: user.id, label: user.email },
      action: 'user.password_reset',
      target: { type: 'user', id: user.id },
      details: { resetId: reset.id, sessionsEnded: ended },
    });
    return ended;
  });
  const { id, email, name, createdAt } = user;
  return { user: { id, email, name, createdAt }, sessionsEnded };
}
