// The conflicts routes of customers, organizations and deals over real HTTP against a real
// database (SQLite, or PostgreSQL with HUBSYNC_TEST_DB=postgres): one record's overridden values
// newest first, only that record's and only its object type's, for members and API keys; the
// last 100; the 404s of an unknown, deleted or foreign record; and the OpenAPI document.
// Conflicts are written with the pull's own repository function (the contacts pull writing them
// is proven in src/sync/pull/contact-pull.int.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConflicts, type Db, type SyncConflictRow } from '../../store/index.js';
import { workspaceIdOf } from '../../../test/support/crm-records.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, inviteMember, startTestService, type TestService } from '../../../test/support/service.js';

const W = '/api/workspaces/default';
const O = '/api/workspaces/other';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

let ts: TestService;
let db: Db;
let admin: ApiClient;
let member: ApiClient;
let host: ApiClient;
let workspaceId: string;

interface ConflictJson {
  id: string;
  field: string;
  property: string;
  localValue: string;
  hubspotValue: string;
  localChangedAt: string | null;
  hubspotChangedAt: string;
  winner: 'local' | 'hubspot';
  runId: string;
  at: string;
}

const KINDS = [
  { path: 'customers', objectType: 'contacts', body: { email: 'conflicted@example.com' } },
  { path: 'organizations', objectType: 'companies', body: { name: 'Conflicted AG' } },
  { path: 'deals', objectType: 'deals', body: { name: 'Conflicted deal' } },
] as const;

let seq = 0;
/** A conflict row as the pull writes it; `at` minutes after T0. */
function conflict(workspace: string, objectType: string, recordId: string, at: number, change: Partial<SyncConflictRow> = {}): SyncConflictRow {
  seq++;
  return {
    id: `cfl_test${String(seq).padStart(5, '0')}`,
    workspace_id: workspace,
    object_type: objectType,
    record_id: recordId,
    hubspot_id: '9001',
    field: 'name',
    property: 'name',
    local_value: `local ${seq}`,
    hubspot_value: `hubspot ${seq}`,
    local_changed_at: T0 + at * 60_000 - 30_000,
    hubspot_changed_at: T0 + at * 60_000 - 10_000,
    winner: 'hubspot',
    run_id: `run_test${at}`,
    at: T0 + at * 60_000,
    ...change,
  };
}

async function create(client: ApiClient, base: string, path: string, body: object): Promise<string> {
  const made = await client.post<{ id: string }>(`${base}/${path}`, body);
  expect(made.status).toBe(201);
  return made.body.id;
}

beforeAll(async () => {
  ts = await startTestService();
  db = ts.service.database.db;
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  member = await inviteMember(admin, ts.url, 'default', { email: 'member@example.com', role: 'member', password: 'a-long-member-password' });
  host = new ApiClient(ts.url, (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'host' })).body.key);
  await admin.post('/api/workspaces', { slug: 'other', name: 'Other' });
  workspaceId = await workspaceIdOf(db, 'default');
});
afterAll(async () => ts?.close());

describe.each(KINDS)('GET …/$path/{id}/conflicts', ({ path, objectType, body }) => {
  it("answers the record's overridden values newest first, to members and API keys, and nothing of other records or types", async () => {
    const id = await create(admin, W, path, body);
    const other = await create(admin, W, path, path === 'customers' ? { email: `other-${path}@example.com` } : { name: `Other ${path}` });
    // Another object type's conflict with this record's id must not show (ids are per table in principle).
    const otherType = objectType === 'deals' ? 'contacts' : 'deals';
    await insertConflicts(db, [
      conflict(workspaceId, objectType, id, 1, { field: 'firstName', property: 'firstname', local_value: 'Ada L.', hubspot_value: 'Ada K.', winner: 'hubspot' }),
      conflict(workspaceId, objectType, id, 3, { field: 'custom.tier', property: 'tier', local_value: 'gold', hubspot_value: 'silver', winner: 'local', local_changed_at: T0 + 3 * 60_000 - 1_000 }),
      // Stored before field times were kept: the local side has no time.
      conflict(workspaceId, objectType, id, 2, { local_changed_at: 0 }),
      conflict(workspaceId, objectType, other, 4),
      conflict(workspaceId, otherType, id, 5),
    ]);

    for (const client of [member, host]) {
      const listed = await client.get<{ conflicts: ConflictJson[] }>(`${W}/${path}/${id}/conflicts`);
      expect(listed.status).toBe(200);
      expect(listed.body.conflicts.map((c) => c.runId)).toEqual(['run_test3', 'run_test2', 'run_test1']);
      expect(listed.body.conflicts[0]).toEqual({
        id: expect.stringMatching(/^cfl_test/),
        field: 'custom.tier',
        property: 'tier',
        localValue: 'gold',
        hubspotValue: 'silver',
        localChangedAt: new Date(T0 + 3 * 60_000 - 1_000).toISOString(),
        hubspotChangedAt: new Date(T0 + 3 * 60_000 - 10_000).toISOString(),
        winner: 'local',
        runId: 'run_test3',
        at: new Date(T0 + 3 * 60_000).toISOString(),
      });
      expect(listed.body.conflicts[1]!.localChangedAt).toBeNull();
      expect(listed.body.conflicts[2]).toMatchObject({ field: 'firstName', localValue: 'Ada L.', hubspotValue: 'Ada K.', winner: 'hubspot' });
    }
    const others = await member.get<{ conflicts: ConflictJson[] }>(`${W}/${path}/${other}/conflicts`);
    expect(others.body.conflicts.map((c) => c.runId)).toEqual(['run_test4']);
  });

  it('answers an empty list for a record without conflicts, and only the newest 100 of a long history', async () => {
    const quiet = await create(admin, W, path, path === 'customers' ? { email: `quiet-${path}@example.com` } : { name: `Quiet ${path}` });
    expect((await member.get(`${W}/${path}/${quiet}/conflicts`)).body).toEqual({ conflicts: [] });

    const busy = await create(admin, W, path, path === 'customers' ? { email: `busy-${path}@example.com` } : { name: `Busy ${path}` });
    await insertConflicts(db, Array.from({ length: 105 }, (_, i) => conflict(workspaceId, objectType, busy, 100 + i)));
    const listed = await member.get<{ conflicts: ConflictJson[] }>(`${W}/${path}/${busy}/conflicts`);
    expect(listed.body.conflicts).toHaveLength(100);
    expect(listed.body.conflicts[0]!.runId).toBe('run_test204');
    expect(listed.body.conflicts.at(-1)!.runId).toBe('run_test105');
  });

  it('is a 404 for an unknown, a deleted or another workspace’s record or an id too long, and a 401 without a caller', async () => {
    const notFound = async (client: ApiClient, url: string) => {
      const answer = await client.get<{ error: { code: string } }>(url);
      expect(answer.status, url).toBe(404);
      expect(answer.body.error.code).toBe('NOT_FOUND');
    };
    await notFound(member, `${W}/${path}/nope_123/conflicts`);

    const gone = await create(admin, W, path, path === 'customers' ? { email: `gone-${path}@example.com` } : { name: `Gone ${path}` });
    await insertConflicts(db, [conflict(workspaceId, objectType, gone, 1)]);
    expect((await admin.delete(`${W}/${path}/${gone}`)).status).toBe(204);
    await notFound(member, `${W}/${path}/${gone}/conflicts`);

    const foreign = await create(admin, O, path, path === 'customers' ? { email: `foreign-${path}@example.com` } : { name: `Foreign ${path}` });
    await insertConflicts(db, [conflict(await workspaceIdOf(db, 'other'), objectType, foreign, 1)]);
    await notFound(admin, `${W}/${path}/${foreign}/conflicts`);
    // The member of default alone does not see the other workspace at all; its admin sees the conflict.
    await notFound(member, `${O}/${path}/${foreign}/conflicts`);
    expect((await admin.get<{ conflicts: ConflictJson[] }>(`${O}/${path}/${foreign}/conflicts`)).body.conflicts).toHaveLength(1);

    // Longer than any id: no route matches it (Fastify's 100-character parameter limit).
    const tooLong = await member.get<{ error: { code: string } }>(`${W}/${path}/${'x'.repeat(101)}/conflicts`);
    expect([tooLong.status, tooLong.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    expect((await new ApiClient(ts.url).get(`${W}/${path}/nope_123/conflicts`)).status).toBe(401);
  });
});

it('documents the three conflicts routes in the OpenAPI document', async () => {
  const doc = (await (await fetch(`${ts.url}/api/docs/json`)).json()) as { paths: Record<string, unknown> };
  for (const path of ['customers/{customerId}', 'organizations/{organizationId}', 'deals/{dealId}']) {
    expect(Object.keys(doc.paths)).toContain(`/api/workspaces/{workspace}/${path}/conflicts`);
  }
  expect(JSON.stringify(doc.paths['/api/workspaces/{workspace}/deals/{dealId}/conflicts'])).toContain('SyncConflict');
});
