// Encrypts secrets at rest (HubSpot tokens) with AES-256-GCM. The 32-byte key comes from
// HUBSYNC_SECRET_KEY (base64 or hex), or in the embedded mode from a key file created on first
// start with owner-only permissions. Ciphertext format: `v1:<iv>:<tag>:<data>` (base64url).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('The secret key must be 32 bytes (AES-256).');
    this.#key = key;
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
  }

  /** An HMAC-SHA256 signature (base64url) under a key derived from the secret key. */
  sign(data: string): string {
    const signingKey = createHmac('sha256', this.#key).update('hubsync-signing').digest();
    return createHmac('sha256', signingKey).update(data).digest('base64url');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unrecognised encrypted value.');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** A key as HUBSYNC_SECRET_KEY or a key file holds it: 32 bytes as 64 hex characters or base64. */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('HUBSYNC_SECRET_KEY must be 32 bytes, written as 64 hex characters or base64.');
  return key;
}

/** A new random key, written as base64 (what a key file holds). */
export function generateSecretKey(): string {
  return randomBytes(32).toString('base64');
}

/** The configured key, or the key file (created with mode 0600 when missing). */
export function loadSecretBox(options: { secretKey: string | undefined; keyFile: string }): SecretBox {
  if (options.secretKey) return new SecretBox(parseSecretKey(options.secretKey));
  if (!existsSync(options.keyFile)) {
    mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(options.keyFile, `${generateSecretKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(options.keyFile, 0o600);
  return new SecretBox(parseSecretKey(readFileSync(options.keyFile, 'utf8')));
}
