// The on-change push: changes reach HubSpot without Sync now, through the pending-changes set
// and `sync.flush` jobs, over real HTTP to the sandbox. A small proxy in front of the sandbox
// can hold the batch calls, so "an edit while its batch is in flight" is made exactly then.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../test/support/sandboxed.js';
import { insertRun, NO_INBOUND_COUNTS, type SyncRunRow } from '../store/index.js';
import { BATCH_SIZE } from './push-run.js';

const W = '/api/workspaces/default';
const UPSERT = 'POST /crm/v3/objects/contacts/batch/upsert';
const UPDATE = 'POST /crm/v3/objects/contacts/batch/update';

/** Forwards to the sandbox; while `holding`, batch calls wait until `release()`. */
class HoldingProxy {
  target = '';
  holding = false;
  readonly #held: (() => void)[] = [];
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const forward = async () => {
          const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)) as [string, string][]);
          const answer = await fetch(`${this.target}${req.url}`, { method: req.method!, headers, ...(body.length > 0 ? { body } : {}) });
          const out = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k))));
          res.end(out);
        };
        if (this.holding && req.url!.includes('/batch/')) this.#held.push(() => void forward());
        else void forward();
      });
    });
  }

  get heldCount(): number {
    return this.#held.length;
  }

  release(): void {
    this.holding = false;
    for (const go of this.#held.splice(0)) go();
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

let env: SandboxedService;
let proxy: HoldingProxy;

beforeAll(async () => {
  proxy = new HoldingProxy();
  const proxyUrl = await proxy.listen();
  // A flush goes out 3 s after the first change of a burst: ample for "10 quick edits" even on
  // a loaded machine (the default, 300 ms, is for edits made by a program).
  env = await startSandboxedService({ connect: false, jobs: { flushDelayMs: 3_000 }, hubspotBaseUrl: proxyUrl, onChangePush: true });
  proxy.target = env.sandbox.baseUrl;
  const connected = await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: env.token });
  expect(connected.status).toBe(200);
  // A new workspace pushes on change (the setting's default since migration 008).
  expect((await env.admin.get<{ pushContactsOnChange: boolean }>(`${W}/hubspot/settings`)).body.pushContactsOnChange).toBe(true);
});
afterAll(async () => {
  await env?.close();
  await new Promise((r) => proxy?.server.close(r));
});

/** Waits until no change is pending and no flush is queued or running. */
async function settled(): Promise<void> {
  const db = env.ts.service.database.db;
  for (;;) {
    const pending = await db.selectFrom('pending_changes').select('record_id').execute();
    const flush = (await env.ts.service.jobs.counts()).find((c) => c.queue === 'sync.flush');
    if (pending.length === 0 && flush && flush.queued + flush.active + flush.retry === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const contactByEmail = (email: string) => env.sandbox.control.listObjects(env.portalId, 'contacts').find((c) => c.properties['email'] === email);
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);

describe('on-change push', () => {
  it(`pushes 250 bulk-upserted customers without Sync now, in ${Math.ceil(250 / BATCH_SIZE)} batch calls`, async () => {
    env.sandbox.control.resetCounts();
    const customers = Array.from({ length: 250 }, (_, i) => ({ externalId: `oc${i}`, email: `oc${i}@example.com`, firstName: 'Bulk' }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers })).body['failed']).toBe(0);
    await settled();
    expect(calls(UPSERT)).toBe(Math.ceil(250 / BATCH_SIZE));
    const emails = env.sandbox.control.listObjects(env.portalId, 'contacts').map((c) => String(c.properties['email']));
    expect(new Set(emails)).toEqual(new Set(customers.map((c) => c.email)));
    const summary = await env.admin.get<{ byStatus: Record<string, number> }>(`${W}/sync/summary`);
    expect(summary.body.byStatus['synced']).toBe(250);
    const runs = await env.admin.get<{ runs: { trigger: string; status: string }[] }>(`${W}/sync/runs`);
    expect(runs.body.runs.every((r) => r.trigger === 'on_change' && r.status === 'succeeded')).toBe(true);
  }, 60_000);

  it('pushes a customer edited 10 times quickly once, with its latest value', async () => {
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'tenfold@example.com', firstName: 'v0' });
    expect(created.status).toBe(201);
    await settled();
    expect(contactByEmail('tenfold@example.com')?.properties['firstname']).toBe('v0');
    env.sandbox.control.resetCounts();
    for (let i = 1; i <= 10; i++) expect((await env.admin.patch(`${W}/customers/${created.body.id}`, { firstName: `v${i}` })).status).toBe(200);
    await settled();
    expect(calls(UPDATE)).toBe(1);
    expect(contactByEmail('tenfold@example.com')?.properties['firstname']).toBe('v10');
  }, 60_000);

  it('pushes an edit made while its batch is in flight with a later flush', async () => {
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'inflight@example.com', firstName: 'before' });
    await settled();
    env.sandbox.control.resetCounts();
    proxy.holding = true;
    expect((await env.admin.patch(`${W}/customers/${created.body.id}`, { firstName: 'first' })).status).toBe(200);
    while (proxy.heldCount === 0) await new Promise((r) => setTimeout(r, 20));
    // The flush has read the pending row and sent 'first'; HubSpot has not answered yet.
    expect((await env.admin.patch(`${W}/customers/${created.body.id}`, { firstName: 'second' })).status).toBe(200);
    proxy.release();
    await settled();
    expect(calls(UPDATE)).toBe(2);
    expect(contactByEmail('inflight@example.com')?.properties['firstname']).toBe('second');
    const record = await env.admin.get(`${W}/customers/${created.body.id}`);
    expect(record.body).toMatchObject({ sync: { status: 'synced' } });
  }, 60_000);

  it('gives the email to the customer HubSpot accepted when an older one took that email while its batch was in flight', async () => {
    const older = await env.admin.post<{ id: string }>(`${W}/customers`, { firstName: 'Older' });
    await settled();
    proxy.holding = true;
    const pushed = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'taken@example.com', firstName: 'Pushed' });
    while (proxy.heldCount === 0) await new Promise((r) => setTimeout(r, 20));
    // The older customer takes the same email: the oldest, with neither linked yet, it owns the email for now.
    expect((await env.admin.patch(`${W}/customers/${older.body.id}`, { email: 'taken@example.com' })).status).toBe(200);
    expect((await env.admin.get(`${W}/customers/${older.body.id}`)).body).toMatchObject({ sync: { status: 'not_synced' } });
    expect((await env.admin.get(`${W}/customers/${pushed.body.id}`)).body).toMatchObject({ sync: { status: 'duplicate' } });
    proxy.release();
    await settled();
    // HubSpot accepted the newer one: linked, it owns the email, and the older one, now the
    // duplicate, never overwrites its contact.
    expect((await env.admin.get(`${W}/customers/${pushed.body.id}`)).body).toMatchObject({ sync: { status: 'synced' } });
    expect((await env.admin.get(`${W}/customers/${older.body.id}`)).body).toMatchObject({ sync: { status: 'duplicate' } });
    expect(env.sandbox.control.listObjects(env.portalId, 'contacts').filter((c) => c.properties['email'] === 'taken@example.com')).toHaveLength(1);
    expect(contactByEmail('taken@example.com')?.properties['firstname']).toBe('Pushed');
  }, 60_000);

  it('parks changes while disconnected, with no HubSpot call and no run, and pushes them once connected again', async () => {
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'parked@example.com', firstName: 'connected' });
    await settled();
    const runsBefore = (await env.admin.get<{ runs: unknown[] }>(`${W}/sync/runs?limit=100`)).body.runs.length;
    expect((await env.admin.delete(`${W}/hubspot/connection`)).status).toBe(204);
    env.sandbox.control.resetCounts();
    const flushed = async () => (await env.ts.service.jobs.counts()).find((c) => c.queue === 'sync.flush')!;
    const completedBefore = (await flushed()).completed;
    expect((await env.admin.patch(`${W}/customers/${created.body.id}`, { firstName: 'parked' })).status).toBe(200);
    // The flush this change woke has run and found the workspace disconnected.
    for (;;) {
      const flush = await flushed();
      if (flush.completed > completedBefore && flush.queued + flush.active + flush.retry === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(env.sandbox.control.counts().total).toBe(0);
    expect((await env.admin.get<{ runs: unknown[] }>(`${W}/sync/runs?limit=100`)).body.runs).toHaveLength(runsBefore);
    const parked = await env.ts.service.database.db.selectFrom('pending_changes').select('record_id').execute();
    expect(parked.map((p) => p.record_id)).toEqual([created.body.id]);

    expect((await env.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: env.token })).status).toBe(200);
    await settled();
    expect(contactByEmail('parked@example.com')?.properties['firstname']).toBe('parked');
  }, 60_000);
  it('ends an on-change run left running by a dead process as interrupted, and pushes the changes behind it', async () => {
    // What a worker SIGKILLed in the middle of a flush leaves: an on-change run still running,
    // owned by a process that no longer exists (here: a child that has exited) — and one whose
    // process on another machine stopped heartbeating two minutes ago.
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    const db = env.ts.service.database.db;
    const now = Date.now();
    const workspaceId = (await db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
    const deadRun = (id: string, owner: string, heartbeatAt: number): SyncRunRow => ({
      id, workspace_id: workspaceId, status: 'running', trigger: 'on_change', started_by: 'On-change push', owner,
      started_at: heartbeatAt, heartbeat_at: heartbeatAt, finished_at: null, phase: 'pushing', total: 1, processed: 0,
      created: 0, updated: 0, failed: 0, skipped: 0, api_calls: 0, cancel_requested: 0, error: null, ...NO_INBOUND_COUNTS,
    });
    for (const [id, owner, heartbeatAt] of [
      ['run_dead_local', `${hostname()}:${deadPid}:killed`, now],
      ['run_dead_remote', 'another-host:4242:silent', now - 120_000],
    ] as const) {
      await insertRun(db, deadRun(id, owner, heartbeatAt));
      const created = await env.admin.post(`${W}/customers`, { email: `${id}@example.com`, firstName: 'Behind a dead run' });
      expect(created.status).toBe(201);
      await settled();
      expect(contactByEmail(`${id}@example.com`)?.properties['firstname']).toBe('Behind a dead run');
      expect((await env.admin.get(`${W}/sync/runs/${id}`)).body).toMatchObject({ status: 'interrupted' });
      expect((await env.admin.get(`${W}/customers/${created.body['id']}`)).body).toMatchObject({ sync: { status: 'synced' } });
    }
  }, 60_000);
});
