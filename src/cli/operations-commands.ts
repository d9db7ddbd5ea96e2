// Operator commands: `hubsync rotate-secret` (re-encrypt every stored secret under a new key)
// and `hubsync backup <file>` (an online copy of the SQLite database). docs/operations.md says
// when to use them.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { generateSecretKey, loadSecretBox, parseSecretKey, SecretBox } from '../lib/index.js';
import { migrateToLatest, openDatabase, resealAll, type ResealOutcome } from '../store/index.js';

export interface RotationOutcome extends ResealOutcome {
  /** Values that already opened with the new key only (a rotation run again): left as they were. */
  alreadyNew: number;
}

/**
 * Re-encrypts every stored secret from `from` to `to` in one transaction. A value that opens
 * with neither key stops the rotation and nothing changes.
 */
export async function rotateStoredSecrets(config: Readonly<Config>, from: SecretBox, to: SecretBox): Promise<RotationOutcome> {
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database.db);
    let alreadyNew = 0;
    const outcome = await resealAll(database.db, (sealed, where) => {
      let plain: string;
      try {
        plain = from.decrypt(sealed);
      } catch {
        try {
          to.decrypt(sealed);
        } catch {
          throw new Error(`${where} opens with neither the current key nor the new one; nothing was changed.`);
        }
        alreadyNew++;
        return sealed;
      }
      return to.encrypt(plain);
    });
    return { ...outcome, alreadyNew };
  } finally {
    await database.close();
  }
}

export function registerOperationsCommands(program: Command): void {
  program
    .command('rotate-secret')
    .description('Re-encrypt the stored HubSpot tokens with a new secret key, in one transaction')
    .option('--new-key-file <file>', 'file holding the new key (32 bytes: 64 hex characters or base64); or set HUBSYNC_NEW_SECRET_KEY')
    .addHelpText(
      'after',
      '\nStop `serve` and every worker first. The current key is the one hubsync runs with\n' +
        '(HUBSYNC_SECRET_KEY, or the key file <data dir>/secret.key). Without a new key and\n' +
        'without HUBSYNC_SECRET_KEY, a new key is generated into the key file.\n\n' +
        'Examples:\n' +
        '  hubsync rotate-secret                                         # embedded: new key file\n' +
        '  HUBSYNC_NEW_SECRET_KEY=$(openssl rand -base64 32) hubsync rotate-secret\n',
    )
    .action(async (options: { newKeyFile?: string }) => {
      const config = loadConfig();
      const keyFile = join(config.dataDir, 'secret.key');
      const given = options.newKeyFile !== undefined ? readFileSync(options.newKeyFile, 'utf8') : config.newSecretKey;
      if (given === undefined && config.secretKey !== undefined) {
        throw new Error('HUBSYNC_SECRET_KEY is set: give the new key with HUBSYNC_NEW_SECRET_KEY or --new-key-file (then set HUBSYNC_SECRET_KEY to it).');
      }
      const current = loadSecretBox({ secretKey: config.secretKey, keyFile });
      const newKey = given ?? generateSecretKey();
      const next = new SecretBox(parseSecretKey(newKey));
      if (current.sign('rotation') === next.sign('rotation')) throw new Error('The new key is the current key.');
      // The embedded key file: the new key is written beside it first and moved in place only once
      // the database holds values sealed with it.
      const replaceKeyFile = config.secretKey === undefined;
      const pending = `${keyFile}.new`;
      if (replaceKeyFile) writeFileSync(pending, `${newKey.trim()}\n`, { mode: 0o600 });
      let outcome: RotationOutcome;
      try {
        outcome = await rotateStoredSecrets(config, current, next);
      } catch (error) {
        if (replaceKeyFile && existsSync(pending)) rmSync(pending);
        throw error;
      }
      if (replaceKeyFile) renameSync(pending, keyFile);
      const counts = Object.entries(outcome.resealed).map(([column, n]) => `${n} ${column}`);
      process.stdout.write(`Re-encrypted ${counts.length ? counts.join(', ') : 'nothing (no secret is stored)'}${outcome.alreadyNew ? ` (${outcome.alreadyNew} already under the new key)` : ''}.\n`);
      process.stdout.write(
        replaceKeyFile
          ? `The new key is in ${keyFile}; the old one is gone. Start hubsync again.\n`
          : 'Now set HUBSYNC_SECRET_KEY to the new key wherever hubsync runs (serve and every worker), then start them.\n',
      );
    });

  program
    .command('backup')
    .description('Copy the SQLite database to a file while hubsync runs (online backup)')
    .argument('<file>', 'where the copy goes, e.g. backups/hubsync-2026-12-03.sqlite')
    .addHelpText('after', '\nPostgreSQL: use pg_dump (docs/operations.md).\n\nExample:\n  hubsync backup /var/backups/hubsync.sqlite\n')
    .action(async (file: string) => {
      const config = loadConfig();
      if (config.database.kind !== 'sqlite') throw new Error('hubsync backup copies the SQLite database; on PostgreSQL use pg_dump (see docs/operations.md).');
      if (!existsSync(config.database.file)) throw new Error(`There is no database at ${config.database.file}.`);
      if (existsSync(file)) throw new Error(`${file} exists; give a new file name.`);
      const source = new SQLite(config.database.file, { readonly: true, fileMustExist: true });
      try {
        // SQLite's online backup: pages are copied in steps, writers carry on meanwhile.
        const { totalPages } = await source.backup(file);
        process.stdout.write(`Backed up ${config.database.file} to ${file} (${totalPages} pages). The secret key is not in it: keep ${config.secretKey ? 'HUBSYNC_SECRET_KEY' : join(config.dataDir, 'secret.key')} safe too.\n`);
      } finally {
        source.close();
      }
    });
}
