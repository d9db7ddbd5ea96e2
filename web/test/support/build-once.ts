// Builds the UI once before the browser tests, so they always exercise the current source
// (set HUBSYNC_SKIP_WEB_BUILD=1 to reuse an existing web/dist while iterating on tests).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export async function setup(): Promise<void> {
  const config = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));
  const dist = fileURLToPath(new URL('../../dist/index.html', import.meta.url));
  if (process.env['HUBSYNC_SKIP_WEB_BUILD'] === '1' && existsSync(dist)) return;
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ configFile: config, logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
}
