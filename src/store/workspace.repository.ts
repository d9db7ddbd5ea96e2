// Workspaces (tenants), users and their per-workspace roles.
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { MembershipTable, UserTable, WorkspaceTable } from './tables.js';

export type Role = 'admin' | 'member';

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  createdAt: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: number;
}

export interface UserWithPassword extends User {
  passwordHash: string;
  /** May create workspaces (the first admin; everyone with HUBSYNC_OPEN_WORKSPACE_CREATION). */
  isInstanceAdmin: boolean;
}

export interface Membership {
  workspace: Workspace;
  role: Role;
}

export interface WorkspaceMember extends User {
  role: Role;
}

const toWorkspace = (row: WorkspaceTable): Workspace => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  createdAt: row.created_at,
});

const toUser = (row: Selectable<UserTable>): UserWithPassword => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.created_at,
  passwordHash: row.password_hash,
  isInstanceAdmin: Number(row.is_instance_admin) === 1,
});

export async function insertWorkspace(db: Db, workspace: Workspace): Promise<void> {
  await db
    .insertInto('workspaces')
    .values({ id: workspace.id, slug: workspace.slug, name: workspace.name, created_at: workspace.createdAt })
    .execute();
}

export async function findWorkspaceBySlug(db: Db, slug: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row && toWorkspace(row);
}

export async function findWorkspaceById(db: Db, id: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toWorkspace(row);
}

export async function countWorkspaces(db: Db): Promise<number> {
  const row = await db.selectFrom('workspaces').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(db: Db, user: UserWithPassword): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      email_lower: user.email.trim().toLowerCase(),
      name: user.name,
      password_hash: user.passwordHash,
      created_at: user.createdAt,
      is_instance_admin: user.isInstanceAdmin ? 1 : 0,
    })
    .execute();
}

export async function updateUserPassword(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function findUserByEmail(db: Db, email: string): Promise<UserWithPassword | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('email_lower', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row && toUser(row);
}

export async function findUserById(db: Db, id: string): Promise<UserWithPassword | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export async function upsertMembership(db: Db, membership: { workspaceId: string; userId: string; role: Role; createdAt: number }): Promise<void> {
  const values: MembershipTable = {
    workspace_id: membership.workspaceId,
    user_id: membership.userId,
    role: membership.role,
    created_at: membership.createdAt,
  };
  await db
    .insertInto('memberships')
    .values(values)
    .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role: membership.role }))
    .execute();
}

export async function deleteMembership(db: Db, workspaceId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('memberships')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findMembership(db: Db, workspaceId: string, userId: string): Promise<Role | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select('role')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role as Role | undefined;
}

/** Which of `userIds` are members of the workspace (a record's owner must be one). */
export async function findMemberIds(db: Db, workspaceId: string, userIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return new Set();
  const rows = await db.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId).where('user_id', 'in', unique).execute();
  return new Set(rows.map((r) => r.user_id));
}

export async function listMembershipsOfUser(db: Db, userId: string): Promise<Membership[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
    .selectAll('workspaces')
    .select('memberships.role')
    .where('memberships.user_id', '=', userId)
    .orderBy('workspaces.created_at')
    .execute();
  return rows.map((row) => ({ workspace: toWorkspace(row), role: row.role as Role }));
}

export async function listMembersOfWorkspace(db: Db, workspaceId: string): Promise<WorkspaceMember[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .selectAll('users')
    .select('memberships.role')
    .where('memberships.workspace_id', '=', workspaceId)
    .orderBy('users.email_lower')
    .execute();
  return rows.map((row) => {
    const { passwordHash: _omit, isInstanceAdmin: _admin, ...user } = toUser(row);
    return { ...user, role: row.role as Role };
  });
}

export async function countAdmins(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
