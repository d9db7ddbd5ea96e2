// Session tokens and API keys are random secrets given to the client once; only their SHA-256
// is stored, so a leaked database does not leak working credentials.
import { createHash, randomBytes } from 'node:crypto';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

export const API_KEY_PREFIX = 'hsk';

export function newApiKey(): { key: string; prefix: string } {
  const key = `${API_KEY_PREFIX}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10) };
}
