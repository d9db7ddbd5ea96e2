// The probes an orchestrator polls: live answers while the process runs, whatever its database
// does; ready answers 503 naming what failed while the database (and the job backend on it) is
// unreachable — PostgreSQL behind a proxy that is stopped and started again, or the SQLite handle
// closed — and 200 again once it is back. Neither needs a caller, and a hung dependency makes
// ready fail within its timeout rather than hang.
import { createServer, Socket, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { startService, type Service } from '../main.js';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../../test/support/database.js';
import { startTestService, type TestService } from '../../test/support/service.js';
import { READY_TIMEOUT_MS } from './routes/health.routes.js';

const get = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

/** A TCP proxy to PostgreSQL that can be stopped (every connection cut, new ones refused) and started again on its port. */
class StoppableProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = new Socket().connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe('GET /api/health/live and /api/health/ready', () => {
  let ts: TestService | undefined;
  afterAll(async () => ts?.close());

  it('answer 200 without a caller, naming the backends', async () => {
    ts = await startTestService();
    expect(await get(`${ts.url}/api/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await get(`${ts.url}/api/health/ready`);
    expect(ready).toEqual({
      status: 200,
      body: { status: 'ready', database: TEST_DB_KIND, jobs: TEST_DB_KIND === 'postgres' ? 'pg-boss' : 'embedded', checks: { database: { ok: true }, jobs: { ok: true } } },
    });
    // The old health route stays.
    expect(await get(`${ts.url}/api/health`)).toEqual({ status: 200, body: { status: 'ok', database: TEST_DB_KIND } });
    // A bad session cookie or API key does not matter to a probe (nothing is looked up).
    const withBadKey = await fetch(`${ts.url}/api/health/ready`, { headers: { authorization: 'Bearer hsk_nonsense' } });
    expect(withBadKey.status).toBe(200);
  });
});

describe.skipIf(TEST_DB_KIND !== 'postgres')('ready while PostgreSQL is stopped and started again', () => {
  let service: Service | undefined;
  let proxy: StoppableProxy | undefined;
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await proxy?.start().catch(() => undefined);
    await service?.close().catch(() => undefined);
    await proxy?.stop();
    await db?.drop();
  });

  it('goes 503 naming the database and the job backend within its timeout, live stays 200, and ready is 200 again once PostgreSQL is back', async () => {
    db = await createTestDatabase();
    const url = new URL((db.config as { url: string }).url);
    proxy = new StoppableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await proxy.start();
    url.port = String(proxy.port);
    const config = Object.freeze({
      ...loadConfig({ HUBSYNC_PORT: '0', HUBSYNC_LOG_LEVEL: 'silent', HUBSYNC_SANDBOX: 'off', HUBSYNC_ADMIN_EMAIL: 'admin@example.com', HUBSYNC_ADMIN_PASSWORD: 'correct-horse-battery' }),
      dataDir: mkdtempSync(join(tmpdir(), 'hubsync-data-')),
      database: { kind: 'postgres' as const, url: url.toString() },
    });
    service = await startService(config, { logger: false });
    const base = service.url!.replace('localhost', '127.0.0.1');
    expect((await get(`${base}/api/health/ready`)).status).toBe(200);

    await proxy.stop();
    const started = Date.now();
    const down = await get(`${base}/api/health/ready`);
    expect(Date.now() - started).toBeLessThan(READY_TIMEOUT_MS + 1_000);
    expect(down.status).toBe(503);
    expect(down.body['error']).toMatchObject({ code: 'NOT_READY', details: { failed: ['database', 'jobs'], checks: { database: { ok: false }, jobs: { ok: false } } } });
    expect((await get(`${base}/api/health/live`)).status).toBe(200);

    await proxy.start();
    let back = await get(`${base}/api/health/ready`);
    for (let i = 0; i < 50 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await get(`${base}/api/health/ready`);
    }
    expect(back).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});

describe.skipIf(TEST_DB_KIND !== 'sqlite')('ready when the SQLite database cannot be read', () => {
  let ts: TestService | undefined;
  afterAll(async () => {
    await ts?.service.close().catch(() => undefined);
    await ts?.db.drop();
  });

  it('goes 503 naming the database and the embedded job backend once the database handle is closed; live stays 200', async () => {
    ts = await startTestService();
    expect((await get(`${ts.url}/api/health/ready`)).status).toBe(200);
    await ts.service.database.close();
    const down = await get(`${ts.url}/api/health/ready`);
    expect(down.status).toBe(503);
    expect(down.body['error']).toMatchObject({ code: 'NOT_READY', message: 'Not ready: database and jobs did not answer.', details: { failed: ['database', 'jobs'] } });
    expect((await get(`${ts.url}/api/health/live`)).status).toBe(200);
  });
});
