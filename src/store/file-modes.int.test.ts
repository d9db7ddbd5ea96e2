// The SQLite database and the secret key hold customers' personal data and the HubSpot
// credentials: a fresh start creates the data directory 0700 and every file in it 0600, even
// under a permissive umask.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createService } from '../main.js';

let root: string;
let umask: number;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hubsync-modes-'));
  // A umask that takes nothing away: the modes below must come from hubsync itself.
  umask = process.umask(0);
});
afterEach(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

it('creates the data directory 0700 and the database, its WAL files and the key file 0600', async () => {
  const dataDir = join(root, 'nested', 'data');
  const config = loadConfig({
    HUBSYNC_DATA_DIR: dataDir,
    HUBSYNC_ADMIN_EMAIL: 'admin@example.com',
    HUBSYNC_ADMIN_PASSWORD: 'correct-horse-battery',
    HUBSYNC_LOG_LEVEL: 'silent',
    HUBSYNC_SANDBOX: 'off',
  });
  expect(config.database).toEqual({ kind: 'sqlite', file: `${dataDir}/hubsync.sqlite` });
  const service = await createService(config, { logger: false });
  try {
    const files = readdirSync(dataDir).sort();
    expect(files).toEqual(['hubsync.sqlite', 'hubsync.sqlite-shm', 'hubsync.sqlite-wal', 'secret.key']);
    expect(mode(dataDir)).toBe('700');
    expect(mode(join(root, 'nested'))).toBe('700');
    expect(Object.fromEntries(files.map((f) => [f, mode(join(dataDir, f))]))).toEqual({
      'hubsync.sqlite': '600',
      'hubsync.sqlite-shm': '600',
      'hubsync.sqlite-wal': '600',
      'secret.key': '600',
    });
  } finally {
    await service.close();
  }
});
