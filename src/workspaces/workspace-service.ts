// Tenancy: workspaces, the users in them and their roles, plus the first-start bootstrap that
// creates the default workspace and its admin so a fresh install can be signed into at once.
import { audit, type Actor } from '../audit/index.js';
import { generatePassword, hashPassword } from '../auth/index.js';
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
  upsertMembership,
} from '../store/index.js';

export const DEFAULT_WORKSPACE_SLUG = 'default';
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const MIN_PASSWORD = 10;

export interface BootstrapOutcome {
  created: boolean;
  workspace?: Workspace;
  adminEmail?: string;
  /** Only when the password was generated: shown to the operator once, never stored in clear. */
  generatedPassword?: string;
}

/** On a database with no workspace, creates `default` and its first admin. */
export async function bootstrap(db: Db, clock: Clock, admin: { email: string | undefined; password: string | undefined }): Promise<BootstrapOutcome> {
  if ((await countWorkspaces(db)) > 0) return { created: false };
  const email = admin.email ?? 'admin@hubsync.local';
  const generatedPassword = admin.password ? undefined : generatePassword();
  const password = admin.password ?? generatedPassword!;
  return db.transaction().execute(async (trx) => {
    if ((await countWorkspaces(trx)) > 0) return { created: false };
    const workspace = await createWorkspace(trx, clock, { slug: DEFAULT_WORKSPACE_SLUG, name: 'Default workspace' });
    const user = await ensureUser(trx, clock, { email, name: 'Administrator', password });
    await upsertMembership(trx, { workspaceId: workspace.id, userId: user.id, role: 'admin', createdAt: clock.now() });
    return { created: true, workspace, adminEmail: email, ...(generatedPassword ? { generatedPassword } : {}) };
  });
}

export async function createWorkspace(db: Db, clock: Clock, input: { slug: string; name: string }): Promise<Workspace> {
  if (!SLUG.test(input.slug)) {
    throw new AppError('VALIDATION_FAILED', 'slug: use 2–63 lower-case letters, digits and dashes', { field: 'slug' });
  }
  if (await findWorkspaceBySlug(db, input.slug)) {
    throw new AppError('ALREADY_EXISTS', `A workspace "${input.slug}" already exists.`, { field: 'slug' });
  }
  const workspace: Workspace = { id: newId('ws', clock), slug: input.slug, name: input.name.trim(), createdAt: clock.now() };
  await insertWorkspace(db, workspace);
  // A new workspace pushes changes on its own; those from before migration 008 do not.
  await initSyncSettings(db, workspace.id, workspace.createdAt);
  return workspace;
}

async function ensureUser(db: Db, clock: Clock, input: { email: string; name: string; password: string }): Promise<User> {
  const existing = await findUserByEmail(db, input.email);
  if (existing) return existing;
  if (input.password.length < MIN_PASSWORD) {
    throw new AppError('VALIDATION_FAILED', `password: must be at least ${MIN_PASSWORD} characters`, { field: 'password' });
  }
  const user = { id: newId('usr', clock), email: input.email.trim(), name: input.name.trim(), createdAt: clock.now(), passwordHash: await hashPassword(input.password) };
  await insertUser(db, user);
  return user;
}

/**
 * Adds a user to a workspace. An unknown email gets a new account (with the given password, or
 * a generated one returned once); a known one just gains the membership.
 */
export async function addMember(
  db: Db,
  clock: Clock,
  actor: Actor,
  workspace: Workspace,
  input: { email: string; name?: string | undefined; role: Role; password?: string | undefined },
): Promise<{ user: User; role: Role; generatedPassword?: string }> {
  const existing = await findUserByEmail(db, input.email);
  let generatedPassword: string | undefined;
  let user: User;
  if (existing) user = existing;
  else {
    generatedPassword = input.password ? undefined : generatePassword();
    user = await ensureUser(db, clock, { email: input.email, name: input.name ?? input.email.split('@')[0]!, password: input.password ?? generatedPassword! });
  }
  if (await findMembership(db, workspace.id, user.id)) {
    throw new AppError('ALREADY_EXISTS', `${user.email} is already a member of this workspace.`, { field: 'email' });
  }
  await upsertMembership(db, { workspaceId: workspace.id, userId: user.id, role: input.role, createdAt: clock.now() });
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'user.added', target: { type: 'user', id: user.id }, details: { email: user.email, role: input.role } });
  const { id, email, name, createdAt } = user;
  return { user: { id, email, name, createdAt }, role: input.role, ...(generatedPassword ? { generatedPassword } : {}) };
}

export async function changeRole(db: Db, clock: Clock, actor: Actor, workspace: Workspace, userId: string, role: Role): Promise<void> {
  const current = await findMembership(db, workspace.id, userId);
  if (!current) throw new AppError('NOT_FOUND', 'User was not found in this workspace.');
  if (current === 'admin' && role !== 'admin' && (await countAdmins(db, workspace.id)) <= 1) {
    throw new AppError('CONFLICT', 'A workspace needs at least one admin.');
  }
  await upsertMembership(db, { workspaceId: workspace.id, userId, role, createdAt: clock.now() });
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'user.role_changed', target: { type: 'user', id: userId }, details: { from: current, to: role } });
}

export async function removeMember(db: Db, clock: Clock, actor: Actor, workspace: Workspace, userId: string): Promise<void> {
  const current = await findMembership(db, workspace.id, userId);
  if (!current) throw new AppError('NOT_FOUND', 'User was not found in this workspace.');
  if (current === 'admin' && (await countAdmins(db, workspace.id)) <= 1) throw new AppError('CONFLICT', 'A workspace needs at least one admin.');
  await deleteMembership(db, workspace.id, userId);
  await audit(db, clock, { workspaceId: workspace.id, actor, action: 'user.removed', target: { type: 'user', id: userId } });
}
