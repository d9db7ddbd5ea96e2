// Issue 16's check: "A tag applied to 10,000 customers reaches the property and the list in
// ≤ ⌈10,000/100⌉ + a few calls for the property and the list's batch limit for the
// memberships." Over real HTTP to the sandbox, on SQLite (PostgreSQL too with HUBSYNC_TEST_DB):
// 10,000 linked customers are tagged through the bulk API in chunks of 1,000, then the push
// (Sync now) and the tag lists job's flush run; the sandbox's request log counts the calls, and
// every contact's `hubsync_tags` and the list's members are compared with the customers. Runs
// go in this process and no job worker polls, so the test decides when the push and the flush
// happen (in production the on-change push and the `tags.lists` job do the same work, woken a
// moment after the changes).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hubspotListMembers, runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';
import { LIST_MEMBERSHIP_BATCH } from '../sync/index.js';
import { MAX_TAG_BULK } from './index.js';

const W = '/api/workspaces/default';
const N = 10_000;
const KEY = 'winter_campaign';

let env: SandboxedService;

beforeAll(async () => {
  env = await startSandboxedService({ jobs: { inlineRuns: true, work: false } });
  // The API limit increase add-on (250 calls / 10 s): the test counts calls, it does not wait out a burst window.
  env.sandbox.control.setTier(env.portalId, 'boosted');
}, 60_000);
afterAll(async () => {
  await env?.close();
});

const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);

async function syncNow(): Promise<Record<string, unknown>> {
  const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
  expect(started.status).toBe(202);
  return waitForRun(env.admin, started.body.id, runEnded);
}

const listMembers = (name: string): Promise<string[]> => hubspotListMembers(env, name);

it(`a tag applied to ${N.toLocaleString('en')} customers reaches the property and the list within ⌈n/100⌉ + a few calls and ⌈n/${LIST_MEMBERSHIP_BATCH}⌉ membership calls`, async () => {
  // 10,000 customers, linked to their contacts by a first push; the property and the tag's list on.
  for (let i = 0; i < N; i += 1000) {
    const chunk = Array.from({ length: 1000 }, (_, j) => ({ externalId: `c-${i + j}`, email: `c${i + j}@example.com`, firstName: `C${i + j}` }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: chunk })).body['failed']).toBe(0);
  }
  expect((await syncNow())['status']).toBe('succeeded');
  expect((await env.admin.request<{ state: string }>('PUT', `${W}/tags/property`, { enabled: true })).body.state).toBe('ready');
  expect((await env.admin.post(`${W}/tags`, { key: KEY, label: 'Winter campaign' })).status).toBe(201);
  expect((await env.admin.patch(`${W}/tags/${KEY}`, { list: { enabled: true } })).status).toBe(200);
  env.sandbox.control.resetCounts();

  // The host app tags them all through the bulk API, at most MAX_TAG_BULK at a time.
  const rows = await env.ts.service.database.db.selectFrom('customers').select(['id', 'hubspot_id']).execute();
  expect(rows).toHaveLength(N);
  expect(rows.every((r) => r.hubspot_id !== null)).toBe(true);
  for (let i = 0; i < N; i += MAX_TAG_BULK) {
    const applied = await env.admin.post<{ changed: number }>(`${W}/tags/apply`, { customerIds: rows.slice(i, i + MAX_TAG_BULK).map((r) => r.id), add: [KEY] });
    expect(applied.body.changed).toBe(MAX_TAG_BULK);
  }

  // The push, then the tag lists job's flush.
  const run = await syncNow();
  expect(run['status']).toBe('succeeded');
  expect(run['updated']).toBe(N);
  const flushed = await env.admin.post<{ tags: { key: string; added: number; status: string }[] }>(`${W}/tags/lists/flush`);
  expect(flushed.body.tags.find((t) => t.key === KEY)).toMatchObject({ added: N, status: 'ok' });

  // From the sandbox's request log.
  const contactBatches = calls('POST /crm/v3/objects/contacts/batch/update') + calls('POST /crm/v3/objects/contacts/batch/upsert');
  const memberships = calls('PUT /crm/v3/lists/{listId}/memberships/add');
  const single = Object.keys(env.sandbox.control.counts().byRoute).filter((r) => /^(POST|PATCH) \/crm\/v3\/objects\/contacts(\/\{[^}]+\})?$/.test(r));
  expect(single).toEqual([]);
  expect(contactBatches).toBeLessThanOrEqual(Math.ceil(N / 100) + 2);
  expect(memberships).toBe(Math.ceil(N / LIST_MEMBERSHIP_BATCH));
  // Besides the contact batches and the membership call: the property's options, finding or
  // making the list, and the run's own few reads.
  expect(env.sandbox.control.counts().total - contactBatches - memberships).toBeLessThanOrEqual(8);

  // What HubSpot holds matches the customers.
  const contacts = env.sandbox.control.listObjects(env.portalId, 'contacts');
  expect(contacts).toHaveLength(N);
  expect(contacts.filter((c) => String(c.properties['hubsync_tags'] ?? '').split(';').includes(KEY))).toHaveLength(N);
  const members = new Set(await listMembers(`hubsync: ${KEY}`));
  expect(members.size).toBe(N);
  expect(rows.every((r) => members.has(r.hubspot_id!))).toBe(true);
}, 240_000);
