// What a new password must be: long enough, not one of the common ones people (and guessing
// tools) try first, and not the account's own email. Checked wherever a password is chosen
// (accepting an invitation, changing one's password); the first admin's configured password is
// the operator's choice and only checked for length.
import { COMMON_PASSWORDS_TEXT } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(COMMON_PASSWORDS_TEXT.split('\n').filter(Boolean));
  return common;
}

/** Why this password may not be used (a sentence for the user), or undefined when it may. */
export function passwordProblem(password: string, email: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.trim().toLowerCase();
  const emailLower = email.trim().toLowerCase();
  const localPart = emailLower.split('@')[0] ?? '';
  if (lower === emailLower || lower === localPart) return 'must not be your email address';
  if (commonPasswords().has(lower)) return 'is too common and easy to guess; choose a longer or less predictable one';
  return undefined;
}
