// The pieces of signing in that several routes share: checking a password under the sign-in
// throttle (per account-and-address pair, see auth/login-throttle.ts) and opening a session.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DUMMY_PASSWORD_HASH, newCsrfToken, newSessionToken, sha256, type LoginAttempt } from '../auth/index.js';
import { AppError } from '../lib/index.js';
import { insertSession } from '../store/index.js';
import { SESSION_COOKIE } from './caller.js';
import type { AppContext } from './context.js';

const SESSION_TTL_MS = 14 * 24 * 3600_000;

/** The throttle's key for a password attempt: the account's email and the client's address. */
export function loginAttempt(request: FastifyRequest, email: string): LoginAttempt {
  // request.ip honours HUBSYNC_TRUST_PROXY (X-Forwarded-For from trusted proxies only).
  return { account: email.trim().toLowerCase(), address: request.ip };
}

/**
 * Verifies a password for an account (or for no account: the dummy hash costs the same scrypt
 * work, so an unknown email is not faster), refusing with LOGIN_THROTTLED while this
 * account-and-address pair owes a wait, and recording the outcome.
 */
export async function verifyThrottled(ctx: AppContext, attempt: LoginAttempt, password: string, storedHash: string | undefined): Promise<boolean> {
  const wait = ctx.throttle.retryAfterMs(attempt);
  if (wait > 0) {
    throw new AppError('LOGIN_THROTTLED', 'Too many failed sign-in attempts. Try again later.', { retryAfterSeconds: Math.ceil(wait / 1000) });
  }
  const ok = (await ctx.verifyPassword(password, storedHash ?? DUMMY_PASSWORD_HASH)) && storedHash !== undefined;
  if (ok) ctx.throttle.recordSuccess(attempt);
  else ctx.throttle.recordFailure(attempt);
  return ok;
}

/** The refusals that mean a public route's link token named no usable link. */
const BAD_LINK_TOKEN = new Set(['AUTHORIZATION_LINK_NOT_FOUND', 'AUTHORIZATION_LINK_EXPIRED', 'AUTHORIZATION_LINK_USED', 'AUTHORIZATION_LINK_REVOKED', 'PASSWORD_RESET_INVALID', 'INVITATION_INVALID']);

/**
 * Runs a public route's use of a link token (authorization link, password reset, invitation)
 * under the link-token brake: refused with RATE_LIMITED while the client's address owes a wait
 * (before the token is looked up), and a token that names no usable link counts against it.
 */
export async function withLinkToken<T>(ctx: AppContext, request: FastifyRequest, use: () => Promise<T>): Promise<T> {
  const wait = ctx.throttle.linkTokenRetryAfterMs(request.ip);
  if (wait > 0) {
    throw new AppError('RATE_LIMITED', 'Too many links that are not valid were tried from this address. Check the link, and try again later.', { retryAfterSeconds: Math.ceil(wait / 1000) });
  }
  try {
    return await use();
  } catch (error) {
    if (error instanceof AppError && BAD_LINK_TOKEN.has(error.code)) ctx.throttle.recordLinkTokenFailure(request.ip);
    throw error;
  }
}

/** Starts a session for the user and sets its cookie; returns the session's CSRF token. */
export async function openSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, userId: string): Promise<string> {
  const token = newSessionToken();
  const csrfToken = newCsrfToken();
  const now = ctx.clock.now();
  await insertSession(ctx.db, { tokenHash: sha256(token), userId, csrfToken, createdAt: now, expiresAt: now + SESSION_TTL_MS });
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    // Behind a TLS-terminating proxy the request arrives as http; request.protocol reads
    // X-Forwarded-Proto when that proxy is trusted (HUBSYNC_TRUST_PROXY).
    secure: ctx.config.publicUrl.startsWith('https://') || request.protocol === 'https',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  });
  return csrfToken;
}
