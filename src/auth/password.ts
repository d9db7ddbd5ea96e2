// Password hashing with scrypt (Node's built-in, memory-hard). Stored as
// `scrypt$N$r$p$salt$hash` so parameters can be raised later without breaking old hashes.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

const PARAMS = { N: 16384, r: 8, p: 1 };

/**
 * A hash with the same parameters as every real one, of a password no account has. Sign-in
 * verifies against it when the email is unknown, so an unknown email costs the same scrypt work
 * as a known one and the answer's timing does not reveal which accounts exist.
 */
export const DUMMY_PASSWORD_HASH = 'scrypt$16384$8$1$Rtvo6M99qu9No3QB6NzhMg==$mlrpbggNIjz5h8JUT0BVPyA5X69WmF7GFlV80bNSwRo=';

/** Checks a password against a stored hash; injectable so tests can see which hash was used. */
export type PasswordVerifier = (password: string, stored: string) => Promise<boolean>;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, { ...PARAMS, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}

/** A readable generated password for the first admin, e.g. `k7Qe-9xPa-Lm3v-Rt8w`. */
export function generatePassword(): string {
  const raw = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
  return raw.match(/.{1,4}/g)!.join('-');
}
