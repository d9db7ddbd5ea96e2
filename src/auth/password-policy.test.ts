// The password policy: length, the common-password list, not the email; and the dummy hash that
// makes an unknown email cost the same scrypt work as a known one.
import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.js';
import { passwordProblem } from './password-policy.js';

describe('passwordProblem', () => {
  it.each([
    ['too short', 'Tr0ub4dor', /at least 10 characters/],
    ['a common password, whatever its case', 'Password123', /too common/],
    ['a keyboard run', 'qwertyuiop', /too common/],
    ['a common word with a year', 'Football2024', /too common/],
    ['the email itself', 'Mia.Member@Example.com', /not be your email/],
    ['the email before the @', 'mia.member.long', /not be your email/],
  ])('refuses %s', (_name, password, problem) => {
    const email = password.includes('@') ? 'mia.member@example.com' : 'mia.member.long@example.com';
    expect(passwordProblem(password, email)).toMatch(problem);
  });

  it('accepts a long, unusual password', () => {
    expect(passwordProblem('violet-kettle-harbour-93', 'mia@example.com')).toBeUndefined();
  });

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblem('😀😀😀😀😀', 'mia@example.com')).toMatch(/at least 10/);
  });
});

describe('DUMMY_PASSWORD_HASH', () => {
  it('is a real scrypt hash with the same parameters and lengths as every stored hash', async () => {
    const real = await hashPassword('some-real-password-1');
    const shape = (hash: string) => {
      const [scheme, n, r, p, salt, key] = hash.split('$');
      return { scheme, n, r, p, saltBytes: Buffer.from(salt!, 'base64').length, keyBytes: Buffer.from(key!, 'base64').length };
    };
    expect(shape(DUMMY_PASSWORD_HASH)).toEqual(shape(real));
    expect(await verifyPassword('some-real-password-1', DUMMY_PASSWORD_HASH)).toBe(false);
  });
});
