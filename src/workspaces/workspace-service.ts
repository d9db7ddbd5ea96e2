// Tenancy: workspaces, the users in them and their roles, plus the first-start bootstrap that
// creates the default workspace and its admin so a fresh install can be signed into at once.
import { audit, type Actor } from '../audit/index.js';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from '../auth/index.js';
import type { Clock } from '../lib/index.js';
import { AppError, newId } from '../lib/index.js';
import type { Db, Role, User, Workspace } from '../store/index.js';
import { initSyncSettings } from '../sync/index.js';
import {
  countAdmins,
  countWorkspaces,
  deleteMembership,
  findMembership,
  findUserByEmail,
  findWorkspaceBySlug,
  insertUser,
  insertWorkspace,
  isUniqueViolation,
  upsertMembership,
} from '../store/index.js';

export const DEFAULT_WORKSPACE_SLUG = 'default';
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface BootstrapOutcome {
  created: boolean;
  workspace?: Workspace;
  adminEmail?: string;
  /** Only when the password was generated: shown to the operator once, never stored in clear. */
  generatedPassword?: string;
}

/** On a database with no workspace, creates `default` and its first admin (an instance admin). */
export async function bootstrap(db: Db, clock: Clock, admin: { email: string | undefined; password: string | undefined }): Promise<BootstrapOutcome> {
  if ((await countWorkspaces(db)) > 0) return { created: false };
  const email = admin.email ?? 'admin@hubsync.local';
  const generatedPassword = admin.password ? undefined : generatePassword();
  const password = admin.password ?? generatedPassword!;
  return db.transaction().execute(async (trx) => {
    if ((await countWorkspaces(trx)) > 0) return { created: false };
    const workspace = await createWorkspace(trx, clock, { slug: DEFAULT_WORKSPACE_SLUG, name: 'Default workspace' });
    const user = await ensureFirstAdmin(trx, clock, { email, name: 'Administrator', password });
    await upsertMembership(trx, { workspaceId: workspace.id, userId: user.id, role: 'admin', createdAt: clock.now() });
    return { created: true, workspace, adminEmail: email, ...(generatedPassword ? { generatedPassword } : {}) };
  });
}

/**
 * One answer for every slug that cannot be used — malformed or already taken — so asking to
 * create a workspace never confirms that another one exists.
 */
const slugUnavailable = () =>
  new AppError('VALIDATION_FAILED', 'slug: is not available; use 2–63 lower-case letters, digits and dashes, not in use by another workspace', { field: 'slug' });

export async function createWorkspace(db: Db, clock: Clock, input: { slug: string; name: string }): Promise<Workspace> {
  if (!SLUG.test(input.slug)) throw slugUnavailable();
  if (await findWorkspaceBySlug(db, input.slug)) throw slugUnavailable();
  const workspace: Workspace = { id: newId('ws', clock), slug: input.slug, name: input.name.trim(), createdAt: clock.now() };
  try {
    await insertWorkspace(db, workspace);
  } catch (error) {
    // Two creations racing for one slug: the loser hits the unique index.
    if (isUniqueViolation(error)) throw slugUnavailable();
    throw error;
  }
  // A new workspace pushes changes on its own; those from before migration 008 do not.
  await initSyncSettings(db, workspace.id, workspace.createdAt);
  return workspace;
}

async function ensureFirstAdmin(db: Db, clock: Clock, input: { email: string; name: string; password: string }): Promise<User> {
  const existing = await findUserByEmail(db, input.email);
  if (existing) return existing;
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('VALIDATION_FAILED', `password: must be at least ${MIN_PASSWORD_LENGTH} characters`, { field: 'password' });
  }
  const user = {
    id: newId('usr', clock),
    email: input.email.trim(),
    name: input.name.trim(),
    createdAt: clock.now(),
    passwordHash: await hashPassword(input.password),
    isInstanceAdmin: true,
  };
  await insertUser(db, user);
  return user;
}

/** The only admin cannot be demoted or removed: nobody could manage the workspace after. */
const lastAdmin = () => new AppError('LAST_ADMIN', 'A workspace needs at least one admin: make another member an admin first.');

export async function changeRole(db: Db, clock: Clock, actor: Actor, workspace: Workspace, userId: string, role: Role): Promise<void> {
  const current = await findMembership(db, workspace.id, userId);
  if (!current) throw new AppError('NOT_FOUND', 'User was not found in this workspace.');
  if (current === 'admin' && role !== 'admin' && (await countAdmins(db, workspace.id)) <= 1) {
    throw lastAdmin();
  }
  await upsertMembership(db, { workspaceId: workspace.id, userId, role, createdAt: clock.now() });
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'user.role_changed', target: { type: 'user', id: userId }, details: { from: current, to: role } });
}

export async function removeMember(db: Db, clock: Clock, actor: Actor, workspace: Workspace, userId: string): Promise<void> {
  const current = await findMembership(db, workspace.id, userId);
  if (!current) throw new AppError('NOT_FOUND', 'User was not found in this workspace.');
  if (current === 'admin' && (await countAdmins(db, workspace.id)) <= 1) throw lastAdmin();
  await deleteMembership(db, workspace.id, userId);
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'user.removed', target: { type: 'user', id: userId } });
}
