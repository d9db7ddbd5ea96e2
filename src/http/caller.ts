// Who is making a request and what they may do in the workspace they address. A session cookie
// identifies a person; a Bearer API key identifies a host application bound to one workspace.
// Workspaces the caller cannot see answer 404 — never 403, which would confirm they exist.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit/index.js';
import { sha256 } from '../auth/index.js';
import { AppError } from '../lib/index.js';
import type { Role, UserWithPassword, Workspace } from '../store/index.js';
import { findActiveApiKeyByHash, findMembership, findSession, findUserById, findWorkspaceBySlug, touchApiKey } from '../store/index.js';
import type { AppContext } from './context.js';

export const SESSION_COOKIE = 'hubsync_session';

export type Caller =
  | { kind: 'user'; user: Omit<UserWithPassword, 'passwordHash'>; sessionHash: string; csrfToken: string }
  | { kind: 'api_key'; keyId: string; keyName: string; workspaceId: string };

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Identifies the caller and enforces CSRF protection for cookie sessions. Called by the request
 * guard (request-guard.ts) in onRequest for every /api route, before any body byte is read.
 */
export async function identifyCaller(ctx: AppContext, request: FastifyRequest): Promise<void> {
  request.caller = null;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) {
    const key = await findActiveApiKeyByHash(ctx.db, sha256(authorization.slice(7).trim()));
    if (!key) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or has been revoked.');
    request.caller = { kind: 'api_key', keyId: key.id, keyName: key.name, workspaceId: key.workspaceId };
    // Recording use is best effort: a missed timestamp must not fail the request.
    // touchApiKey writes at most once a minute per key, so a busy host app costs no write per call.
    touchApiKey(ctx.db, key, ctx.clock.now()).catch(() => undefined);
    return;
  }
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return;
  const session = await findSession(ctx.db, sha256(token), ctx.clock.now());
  if (!session) return;
  const user = await findUserById(ctx.db, session.userId);
  if (!user) return;
  const { passwordHash: _secret, ...publicUser } = user;
  request.caller = { kind: 'user', user: publicUser, sessionHash: session.tokenHash, csrfToken: session.csrfToken };
  if (UNSAFE.has(request.method) && request.headers['x-csrf-token'] !== session.csrfToken) {
    throw new AppError('CSRF_FAILED', 'Missing or wrong X-CSRF-Token header; reload the page and try again.');
  }
}

export function requireUser(request: FastifyRequest): Extract<Caller, { kind: 'user' }> {
  if (!request.caller) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  if (request.caller.kind !== 'user') throw new AppError('FORBIDDEN', 'This action needs a signed-in person, not an API key.');
  return request.caller;
}

export interface WorkspaceAccess {
  workspace: Workspace;
  role: Role;
  actor: Actor;
}

/**
 * Resolves `:workspace` for the caller. `needs: 'admin'` refuses members with 403 (they can
 * see the workspace, so refusing openly is right); API keys act with member rights.
 */
export async function workspaceAccess(ctx: AppContext, request: FastifyRequest, slug: string, needs: Role = 'member'): Promise<WorkspaceAccess> {
  const caller = request.caller;
  if (!caller) throw new AppError('UNAUTHENTICATED', 'Sign in or send an API key.');
  const workspace = await findWorkspaceBySlug(ctx.db, slug);
  const hidden = new AppError('NOT_FOUND', 'Workspace was not found.');
  if (!workspace) throw hidden;
  let role: Role;
  let actor: Actor;
  if (caller.kind === 'api_key') {
    if (caller.workspaceId !== workspace.id) throw hidden;
    role = 'member';
    actor = { type: 'api_key', id: caller.keyId, label: `API key ${caller.keyName}` };
  } else {
    const membership = await findMembership(ctx.db, workspace.id, caller.user.id);
    if (!membership) throw hidden;
    role = membership;
    actor = { type: 'user', id: caller.user.id, label: caller.user.email };
  }
  if (needs === 'admin' && role !== 'admin') {
    throw new AppError('FORBIDDEN', 'Only workspace admins can do this.');
  }
  return { workspace, role, actor };
}
