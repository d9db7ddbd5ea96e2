// `hubsync rotate-secret` run as the real command against a stopped install: every stored secret
// (an OAuth connection's refresh and access tokens) opens with the new key only afterwards, the
// service started with the new key syncs with them, a second run changes nothing, and a wrong
// current key changes nothing. On SQLite, with no HUBSYNC_SECRET_KEY, the key file is replaced.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretKey, parseSecretKey, SecretBox } from '../lib/index.js';
import { startService } from '../main.js';
import { openDatabase } from '../store/index.js';
import { TEST_DB_KIND } from '../../test/support/database.js';
import { runCli } from '../../test/support/cli-process.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient } from '../../test/support/service.js';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';

const box = (key: string) => new SecretBox(parseSecretKey(key));

async function storedSecrets(env: SandboxedService): Promise<string[]> {
  const database = openDatabase(env.ts.config.database);
  try {
    const rows = await database.db.selectFrom('hubspot_connections').select(['secret_enc', 'access_token_enc']).execute();
    return rows.flatMap((r) => [r.secret_enc, r.access_token_enc].filter((v): v is string => v !== null));
  } finally {
    await database.close();
  }
}

const opens = (key: string, sealed: string): boolean => {
  try {
    box(key).decrypt(sealed);
    return true;
  } catch {
    return false;
  }
};

async function rotate(env: SandboxedService, extra: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const { database, dataDir } = env.ts.config;
  const cli = runCli(['rotate-secret'], { DATABASE_URL: database.kind === 'sqlite' ? database.file : database.url, HUBSYNC_DATA_DIR: dataDir, ...extra });
  const code = await cli.exited;
  return { code, out: cli.stdout() };
}

describe('hubsync rotate-secret with HUBSYNC_SECRET_KEY', () => {
  const oldKey = generateSecretKey();
  const newKey = generateSecretKey();
  let env: SandboxedService;
  beforeAll(async () => {
    env = await startSandboxedService({ oauth: { subscriptions: [] }, env: { HUBSYNC_SECRET_KEY: oldKey } });
    await env.admin.post('/api/workspaces/default/customers', { externalId: 'r1', email: 'rotate@example.com', firstName: 'Before' });
    // Stopped, as the docs ask: no process holds the old key while the values change.
    await env.ts.service.close();
  });
  afterAll(async () => {
    await env?.sandbox.close();
    await env?.ts.db.drop();
  });

  it('re-encrypts the refresh and the access token so that only the new key opens them', async () => {
    const before = await storedSecrets(env);
    expect(before).toHaveLength(2);
    expect(before.every((s) => opens(oldKey, s))).toBe(true);

    const { code, out } = await rotate(env, { HUBSYNC_SECRET_KEY: oldKey, HUBSYNC_NEW_SECRET_KEY: newKey });
    expect(out).toContain('Re-encrypted 1 hubspot_connections.secret_enc, 1 hubspot_connections.access_token_enc.');
    expect(out).toContain('Now set HUBSYNC_SECRET_KEY to the new key');
    expect(code).toBe(0);
    expect(out).not.toContain(newKey);

    const after = await storedSecrets(env);
    expect(after.every((s) => opens(newKey, s) && !opens(oldKey, s))).toBe(true);
    expect(after.map((s) => box(newKey).decrypt(s))).toEqual(before.map((s) => box(oldKey).decrypt(s)));
  }, 180_000);

  it('leaves values already under the new key as they are when run again', async () => {
    const before = await storedSecrets(env);
    const { code, out } = await rotate(env, { HUBSYNC_SECRET_KEY: oldKey, HUBSYNC_NEW_SECRET_KEY: newKey });
    expect(code).toBe(0);
    expect(out).toContain('(2 already under the new key)');
    expect(await storedSecrets(env)).toEqual(before);
  }, 180_000);

  it('changes nothing when a value opens with neither key, or without a new key', async () => {
    const before = await storedSecrets(env);
    const wrong = await rotate(env, { HUBSYNC_SECRET_KEY: generateSecretKey(), HUBSYNC_NEW_SECRET_KEY: generateSecretKey() });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/hubspot_connections\.secret_enc \(workspace_id=\S+\) opens with neither the current key nor the new one; nothing was changed\./);
    const missing = await rotate(env, { HUBSYNC_SECRET_KEY: newKey });
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('give the new key with HUBSYNC_NEW_SECRET_KEY or --new-key-file');
    const same = await rotate(env, { HUBSYNC_SECRET_KEY: newKey, HUBSYNC_NEW_SECRET_KEY: newKey });
    expect(same.out).toContain('The new key is the current key.');
    expect(await storedSecrets(env)).toEqual(before);
  }, 180_000);

  it('lets the service started with the new key sync with the stored connection', async () => {
    const service = await startService(Object.freeze({ ...env.ts.config, secretKey: newKey }), { logger: false });
    try {
      const admin = await ApiClient.signIn(service.url!.replace('localhost', '127.0.0.1'), ADMIN_EMAIL, ADMIN_PASSWORD);
      expect(await syncNow(admin)).toMatchObject({ status: 'succeeded', created: 1, failed: 0 });
    } finally {
      await service.close();
    }
  }, 180_000);
});

describe.skipIf(TEST_DB_KIND !== 'sqlite')('hubsync rotate-secret in the embedded mode (key file)', () => {
  let env: SandboxedService;
  beforeAll(async () => {
    env = await startSandboxedService();
    await env.ts.service.close();
  });
  afterAll(async () => {
    await env?.sandbox.close();
    await env?.ts.db.drop();
  });

  it('generates a new key into the key file and re-encrypts the token with it', async () => {
    const keyFile = join(env.ts.config.dataDir, 'secret.key');
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    const [before] = await storedSecrets(env);
    expect(box(oldKey).decrypt(before!)).toBe(env.token);

    const { code, out } = await rotate(env, {});
    expect(out).toContain(`The new key is in ${keyFile}; the old one is gone.`);
    expect(code).toBe(0);
    const newKey = readFileSync(keyFile, 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(existsSync(`${keyFile}.new`)).toBe(false);
    const [after] = await storedSecrets(env);
    expect(box(newKey).decrypt(after!)).toBe(env.token);
    expect(opens(oldKey, after!)).toBe(false);
  }, 180_000);
});
