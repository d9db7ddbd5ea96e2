// The push engine is type-neutral: a second object type, given only as an adapter written here
// (a test table of firms pushed as HubSpot companies, matched by a unique property the test
// creates), goes through the same engine as contacts — batches of 100, HubSpot's per-record
// errors attributed to the right records, the associations hook, statuses, and the sync log
// naming each attempt's type and record. Against the sandbox over real HTTP, on a real database.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import type { Db, SyncStatus } from '../store/index.js';
import { hashProperties, type Mapping } from './field-mapping.js';
import type { ObjectAdapter } from './objects/index.js';
import { BATCH_SIZE } from './push-batch.js';
import { PushEngine } from './push-run.js';
import { computeStatus } from './sync-status.js';

const REF = 'hubsync_test_ref';
const UPSERT = 'POST /crm/v3/objects/companies/batch/upsert';
const UPDATE = 'POST /crm/v3/objects/companies/batch/update';
const W = '/api/workspaces/default';
const ACTOR = { type: 'system' as const, id: null, label: 'Adapter test' };

interface FirmRow {
  id: string;
  workspace_id: string;
  name: string;
  ref: string | null;
  employees: string | null;
  hubspot_id: string | null;
  synced_hash: string | null;
  sync_error: string | null;
  last_attempt_at: number | null;
  sync_status: string;
  updated_at: number;
}
type Firm = Pick<FirmRow, 'id' | 'name' | 'ref' | 'employees'>;
const firmsOf = (db: Db) => db as unknown as Kysely<{ test_firms: FirmRow }>;

const FIRM_MAPPING: Mapping = { name: 'name', employees: 'numberofemployees' };
/** Records whose associations the hook reports as failed. */
const unlinkable = new Set<string>();

function firmProperties(firm: Firm, mapping: Mapping): Record<string, string> {
  const properties: Record<string, string> = firm.ref === null ? {} : { [REF]: firm.ref };
  for (const [field, property] of Object.entries(mapping)) {
    const value = firm[field as keyof Firm];
    if (property && value !== null) properties[property] = value;
  }
  return properties;
}

const firmAdapter: ObjectAdapter<Firm> = {
  objectType: 'companies',
  noun: 'firm',
  key: { property: REF, normalize: (value) => value },
  defaultMapping: FIRM_MAPPING,
  async pageIds(db, workspaceId, statuses, after, limit, among) {
    let q = firmsOf(db).selectFrom('test_firms').select('id').where('workspace_id', '=', workspaceId).where('sync_status', 'in', [...statuses]);
    if (after) q = q.where('id', '>', after);
    if (among) q = q.where('id', 'in', [...among]);
    return (await q.orderBy('id').limit(limit).execute()).map((r) => r.id);
  },
  async load(db, workspaceId, ids) {
    const rows = await firmsOf(db).selectFrom('test_firms').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', [...ids]).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, hubspotId: r.hubspot_id, status: r.sync_status as SyncStatus, lastAttemptAt: r.last_attempt_at === null ? null : Number(r.last_attempt_at), record: r }));
  },
  async countByStatus(db, workspaceId) {
    const counts = { synced: 0, needs_update: 0, not_synced: 0, outdated: 0, error: 0, duplicate: 0, no_email: 0 } satisfies Record<SyncStatus, number>;
    const rows = await firmsOf(db).selectFrom('test_firms').select(['sync_status', (eb) => eb.fn.countAll<number | string>().as('n')]).where('workspace_id', '=', workspaceId).groupBy('sync_status').execute();
    for (const row of rows) counts[row.sync_status as SyncStatus] = Number(row.n);
    return counts;
  },
  async hasWorkSince(db, workspaceId, statuses, since) {
    const row = await firmsOf(db)
      .selectFrom('test_firms')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('sync_status', 'in', [...statuses])
      .where((eb) => eb.or([eb('last_attempt_at', 'is', null), eb('last_attempt_at', '<', since), eb('updated_at', '>', since)]))
      .executeTakeFirst();
    return row !== undefined;
  },
  mapping: async () => FIRM_MAPPING,
  properties: firmProperties,
  async recordSuccesses(db, workspaceId, results, at) {
    // One UPDATE per record is fine for a test adapter; the real contact adapter batches (recordPushSuccesses).
    for (const result of results) {
      await firmsOf(db).updateTable('test_firms').set({ hubspot_id: result.hubspotId, synced_hash: result.hash, sync_error: null, last_attempt_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', result.id).execute();
    }
    return results.map((result) => result.id);
  },
  async recordFailure(db, workspaceId, id, failure) {
    await firmsOf(db)
      .updateTable('test_firms')
      .set({ sync_error: failure.message, last_attempt_at: failure.at, ...(failure.hubspotId === undefined ? {} : { hubspot_id: failure.hubspotId }) })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  },
  async refreshStatuses(db, workspaceId, ids) {
    for (const row of await firmsOf(db).selectFrom('test_firms').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', [...ids]).execute()) {
      const status = computeStatus({
        hasEmail: row.ref !== null,
        isDuplicate: false,
        hubspotId: row.hubspot_id,
        lastAttemptFailed: row.sync_error !== null,
        currentHash: hashProperties(firmProperties(row, FIRM_MAPPING)),
        syncedHash: row.synced_hash,
      });
      await firmsOf(db).updateTable('test_firms').set({ sync_status: status }).where('id', '=', row.id).execute();
    }
  },
  customerIdOf: () => null,
  labelOf: (firm) => ({ name: firm.record.name, email: null }),
  async associate(_context, accepted) {
    return new Map(accepted.filter((a) => unlinkable.has(a.record.id)).map((a) => [a.record.id, 'Its contact is not in HubSpot yet; the links will be pushed again.']));
  },
};

let env: SandboxedService;
let engine: PushEngine;
let db: Db;
let workspaceId: string;
const firmId = (i: number) => `firm_${String(i).padStart(3, '0')}`;
const BAD = [firmId(17), firmId(180)];

async function run(): Promise<Record<string, unknown>> {
  const { run } = await engine.start(workspaceId, { kind: 'manual', actor: ACTOR });
  await engine.wait(run.id);
  const body = (await env.admin.get(`${W}/sync/runs/${run.id}`)).body;
  return body;
}
const firm = (id: string) => firmsOf(db).selectFrom('test_firms').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const companiesByRef = () => new Map(env.sandbox.control.listObjects(env.portalId, 'companies').map((c) => [String(c.properties[REF]), c]));
const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  env = await startSandboxedService();
  const { context } = env.ts.service;
  db = context.db;
  workspaceId = (await db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
  // An engine that knows only the test's object type: nothing of contacts is involved.
  engine = new PushEngine({ db, clock: context.clock, gateway: context.hubspot, adapters: [firmAdapter] });
  await sql`create table test_firms (id text primary key, workspace_id text not null, name text not null, ref text, employees text, hubspot_id text, synced_hash text, sync_error text, last_attempt_at bigint, sync_status text not null, updated_at bigint not null)`.execute(db);
  const created = await fetch(`${env.sandbox.baseUrl}/crm/v3/properties/companies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: REF, label: 'hubsync test ref', type: 'string', fieldType: 'text', groupName: 'companyinformation', hasUniqueValue: true }),
  });
  expect(created.status).toBe(201);
});
afterAll(async () => env?.close());

describe('a second object type on the same push engine', () => {
  it('pushes 250 firms as companies in batches of 100, attributing each refused record and each failed link to its own record', async () => {
    const firms: FirmRow[] = Array.from({ length: 250 }, (_, i) => ({
      id: firmId(i),
      workspace_id: workspaceId,
      name: `Firma ${i} Zürich ✓`,
      ref: `R-${i}`,
      employees: BAD.includes(firmId(i)) ? 'lots-of-people' : String(10 + i),
      hubspot_id: null,
      synced_hash: null,
      sync_error: null,
      last_attempt_at: null,
      sync_status: 'not_synced',
      updated_at: Date.now(),
    }));
    for (let i = 0; i < firms.length; i += 50) await firmsOf(db).insertInto('test_firms').values(firms.slice(i, i + 50)).execute();
    // One firm already exists in HubSpot under its key: it is matched, not duplicated.
    env.sandbox.control.seedObjects(env.portalId, 'companies', [{ [REF]: 'R-5', name: 'Old name' }]);
    unlinkable.add(firmId(42));
    env.sandbox.control.resetCounts();

    const first = await run();

    expect(first).toMatchObject({ status: 'succeeded', total: 250, processed: 250, created: 246, updated: 1, failed: 3 });
    // The run's summary per object type, counted from its recorded attempts.
    expect(first['objects']).toEqual([{ objectType: 'companies', total: 250, processed: 250, created: 246, updated: 1, failed: 3, skipped: 0, note: null }]);
    // Three batches, each answered with its per-record errors: no record blocked its neighbours.
    expect(calls(UPSERT)).toBe(Math.ceil(250 / BATCH_SIZE));
    expect(calls('POST /crm/v3/objects/contacts/batch/upsert')).toBe(0);
    const companies = companiesByRef();
    expect(companies.size).toBe(248);
    expect(env.sandbox.control.listObjects(env.portalId, 'companies')).toHaveLength(248);
    expect(companies.get('R-5')!.properties['name']).toBe('Firma 5 Zürich ✓');
    expect(companies.get('R-200')!.properties).toMatchObject({ name: 'Firma 200 Zürich ✓', numberofemployees: '210' });
    for (const id of BAD) {
      const row = await firm(id);
      expect(row).toMatchObject({ sync_status: 'error', hubspot_id: null });
      expect(row.sync_error).toContain('lots-of-people');
      expect(companies.has(`R-${Number(id.slice(5))}`)).toBe(false);
    }
    // Written to HubSpot but its links failed: the link is kept and it is retried (Outdated).
    const halfLinked = await firm(firmId(42));
    expect(halfLinked).toMatchObject({ sync_status: 'outdated', hubspot_id: companies.get('R-42')!.id, sync_error: expect.stringContaining('not in HubSpot yet') });
    expect(await firm(firmId(43))).toMatchObject({ sync_status: 'synced', hubspot_id: companies.get('R-43')!.id, sync_error: null });

    // The sync log names each attempt's object type and record; these are not customers.
    const errors = await env.admin.get<{ attempts: Record<string, unknown>[] }>(`${W}/sync/runs/${String(first['id'])}/attempts?outcome=error`);
    expect(errors.status).toBe(200);
    expect(errors.body.attempts.map((a) => a['recordId']).sort()).toEqual([firmId(17), firmId(42), firmId(180)]);
    expect(errors.body.attempts.find((a) => a['recordId'] === firmId(42))).toMatchObject({ objectType: 'companies', customerId: null, customerName: null, operation: 'create', hubspotId: companies.get('R-42')!.id });
    const all = await env.admin.get<{ attempts: Record<string, unknown>[] }>(`${W}/sync/runs/${String(first['id'])}/attempts?limit=500`);
    expect(all.body.attempts).toHaveLength(250);
    expect(all.body.attempts.every((a) => a['objectType'] === 'companies' && a['customerId'] === null)).toBe(true);
  });

  it('retries what failed and updates what changed on the next run, by id', async () => {
    await firmsOf(db).updateTable('test_firms').set({ name: 'Firma 10 renamed', updated_at: Date.now() }).where('id', '=', firmId(10)).execute();
    await firmsOf(db).updateTable('test_firms').set({ employees: '12', updated_at: Date.now() }).where('id', '=', firmId(17)).execute();
    await firmAdapter.refreshStatuses(db, workspaceId, [firmId(10), firmId(17)]);
    expect((await firm(firmId(10))).sync_status).toBe('needs_update');
    unlinkable.clear();
    env.sandbox.control.resetCounts();

    const second = await run();

    expect(second).toMatchObject({ status: 'succeeded', processed: 4, created: 1, updated: 2, failed: 1 });
    expect(calls(UPDATE)).toBe(1);
    expect(calls(UPSERT)).toBe(1);
    const companies = companiesByRef();
    expect(companies.size).toBe(249);
    expect(companies.get('R-10')!.properties['name']).toBe('Firma 10 renamed');
    expect(companies.get('R-17')!.properties['numberofemployees']).toBe('12');
    for (const id of [firmId(10), firmId(17), firmId(42)]) expect((await firm(id)).sync_status).toBe('synced');
    expect((await firm(firmId(180))).sync_status).toBe('error');
  });

  it('pushes a type only while its setting is on, and leaves it out, naming the scopes, while the connection lacks them', async () => {
    const gated: ObjectAdapter<Firm> = { ...firmAdapter, setting: 'syncCompanies' };
    // Each run starts a minute after the last on this engine's clock, so none is answered by the
    // run just before it (a Sync now within RECENT_RUN_MS of a succeeded run gets that run back).
    let shift = 0;
    const clock = { now: () => Date.now() + shift, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
    const gatedEngine = new PushEngine({ db, clock, gateway: env.ts.service.context.hubspot, adapters: [gated] });
    await firmsOf(db).updateTable('test_firms').set({ name: 'Firma 11 renamed', updated_at: Date.now() }).where('id', '=', firmId(11)).execute();
    await firmAdapter.refreshStatuses(db, workspaceId, [firmId(11)]);
    const runWith = async (): Promise<Record<string, unknown>> => {
      shift += 3_600_000;
      const { run, joined } = await gatedEngine.start(workspaceId, { kind: 'manual', actor: ACTOR });
      expect(joined).toBe(false);
      await gatedEngine.wait(run.id);
      return (await env.admin.get(`${W}/sync/runs/${run.id}`)).body;
    };
    env.sandbox.control.resetCounts();

    // Off (the default): the run plans nothing of the type and calls nothing.
    const off = await runWith();
    expect(off).toMatchObject({ status: 'succeeded', total: 0, processed: 0, objects: [] });
    expect(calls(UPDATE) + calls(UPSERT)).toBe(0);

    // On, but the stored connection was granted no companies scopes: left out, with the scopes named.
    expect((await env.admin.patch(`${W}/hubspot/settings`, { syncCompanies: true })).status).toBe(200);
    const connection = await db.selectFrom('hubspot_connections').select('scopes').where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    const granted = JSON.parse(connection.scopes) as string[];
    await db.updateTable('hubspot_connections').set({ scopes: JSON.stringify(granted.filter((s) => !s.includes('companies'))) }).where('workspace_id', '=', workspaceId).execute();
    const lacking = await runWith();
    expect(lacking).toMatchObject({ status: 'succeeded', processed: 0 });
    expect(lacking['objects']).toEqual([expect.objectContaining({ objectType: 'companies', total: 0, processed: 0, note: expect.stringContaining('crm.objects.companies.write') })]);
    expect(calls(UPDATE) + calls(UPSERT)).toBe(0);

    // Granted again: the waiting change goes out.
    await db.updateTable('hubspot_connections').set({ scopes: connection.scopes }).where('workspace_id', '=', workspaceId).execute();
    const granted2 = await runWith();
    expect(granted2['objects']).toEqual([expect.objectContaining({ objectType: 'companies', processed: 2, updated: 1, failed: 1, note: null })]);
    expect(companiesByRef().get('R-11')!.properties['name']).toBe('Firma 11 renamed');
    expect((await env.admin.patch(`${W}/hubspot/settings`, { syncCompanies: false })).status).toBe(200);
  });

  it('leaves contacts to the registered engine, whose attempts name the customer as record and customer', async () => {
    const created = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'ada@example.com', firstName: 'Ada' });
    const run = await syncNow(env.admin);
    expect(run).toMatchObject({ status: 'succeeded', processed: 1, created: 1 });
    const attempts = await env.admin.get<{ attempts: Record<string, unknown>[] }>(`${W}/sync/runs/${String(run['id'])}/attempts`);
    expect(attempts.body.attempts).toEqual([expect.objectContaining({ objectType: 'contacts', recordId: created.body.id, customerId: created.body.id, customerName: 'Ada', outcome: 'success' })]);
    // The firms' engine and table were not touched by the service's run.
    expect(companiesByRef().size).toBe(249);
  });
});
