// Activities pushed as HubSpot notes, against the sandbox over real HTTP on a real database
// (SQLite, or PostgreSQL with HUBSYNC_TEST_DB=postgres): every type becomes one readable note on
// its contact (and its company and deal), any Unicode comes back as written, a second run
// creates nothing, an activity whose contact is not in HubSpot yet fails and is sent once it
// is, and a batch whose notes were created but never recorded (the process failing in between)
// is linked on the next run, never created twice — counted in the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../test/support/crm-records.js';
import { startSandboxedService, syncNow, type SandboxedService } from '../../test/support/sandboxed.js';
import { ACTIVITY_TYPES } from '../crm/activities/index.js';
import type { Db } from '../store/index.js';
import { recordHash } from './field-mapping.js';
import { contactAdapter, noteAdapter, type ObjectAdapter } from './objects/index.js';
import { PushEngine } from './push-run.js';

const W = '/api/workspaces/default';
const ACTOR = { type: 'system' as const, id: null, label: 'Notes test' };
const CREATE = 'POST /crm/v3/objects/notes/batch/create';
const UPDATE = 'POST /crm/v3/objects/notes/batch/update';
const NOTES_OF_CONTACTS = 'POST /crm/v4/associations/contacts/notes/batch/read';
const TICKET = { number: 'T-1042', status: 'waiting on customer', url: 'https://help.example.com/tickets/1042?from=hubspot&x=1' };
const UNICODE = { title: 'Kurs abgeschlossen ✔ 😀 שלום עולם 中文课程', details: 'Zeile eins\nמימין לשמאל 👩‍👩‍👧 — 日本語 «ÆØÅ» <script>alert("x")</script> & more' };

type Note = { id: string; properties: Record<string, string | null>; associations?: Record<string, { results: { id: string }[] }> };

let env: SandboxedService;
let db: Db;
let workspaceId: string;
let ada: string;
let adaContact: string;
let company: string;
let deal: string;
let dealHubspotId: string;
let unsyncedCustomer: string;
let organization: string;

const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const notes = () => env.sandbox.control.listObjects(env.portalId, 'notes');
const activityRow = (id: string) => db.selectFrom('activities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
async function readNote(id: string): Promise<Note> {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/notes/${id}?properties=hs_note_body,hs_timestamp&associations=contacts,companies,deals`, { headers: { authorization: `Bearer ${env.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Note;
}
async function append(activity: Record<string, unknown>): Promise<string> {
  const answer = await env.admin.post<{ id: string }>(`${W}/activities`, { occurredAt: '2026-02-01T09:00:00Z', customerId: ada, ...activity });
  expect(answer.status).toBe(201);
  return answer.body.id;
}
/** Every note whose body refers to `activityId` (HTML-unescaped where a test compares text). */
const notesOf = (activityId: string) => notes().filter((n) => String(n.properties['hs_note_body']).endsWith(`<p>hubsync activity ${activityId}</p>`));
const unescape = (html: string) => html.replace(/<br>/g, '\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

beforeAll(async () => {
  env = await startSandboxedService();
  db = env.ts.service.context.db;
  workspaceId = (await db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
  await db.updateTable('sync_settings').set({ sync_activities: 1, sync_companies: 1 }).where('workspace_id', '=', workspaceId).execute();
  ada = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'ada@example.com', firstName: 'Ada' })).body.id;
  unsyncedCustomer = (await env.admin.post<{ id: string }>(`${W}/customers`, { firstName: 'Grace' })).body.id;
  // The organization and deal are in HubSpot already (their own pushes are other adapters' work).
  organization = await insertOrganization(db, workspaceId, 'Acme');
  [company] = env.sandbox.control.seedObjects(env.portalId, 'companies', [{ name: 'Acme' }]) as [string];
  await db.updateTable('organizations').set({ hubspot_id: company }).where('id', '=', organization).execute();
  deal = (await env.admin.post<{ id: string }>(`${W}/deals`, { name: 'Renewal' })).body.id;
  [dealHubspotId] = env.sandbox.control.seedObjects(env.portalId, 'deals', [{ dealname: 'Renewal', pipeline: 'default', dealstage: 'qualifiedtobuy' }]) as [string];
  await db.updateTable('deals').set({ hubspot_id: dealHubspotId }).where('id', '=', deal).execute();
});
afterAll(async () => env?.close());

describe('activities → notes', () => {
  const ids = new Map<string, string>();
  let unicodeId: string;
  let linkedId: string;
  let waitingId: string;

  it('logs every activity type as one readable note on its contact, with its company and deal, in one create call', async () => {
    for (const type of ACTIVITY_TYPES) ids.set(type, await append({ type, title: `The ${type} title`, ...(type === 'support_ticket_updated' ? { ticket: TICKET } : {}) }));
    unicodeId = await append({ type: 'course_completed', ...UNICODE });
    linkedId = await append({ type: 'membership_upgraded', title: 'Gold', organizationId: organization, dealId: deal });
    waitingId = await append({ type: 'event_registered', title: 'Spring gala', customerId: unsyncedCustomer });
    // Stored when appended, from the same function the push hashes its values with.
    for (const id of [...ids.values(), unicodeId, linkedId, waitingId]) {
      const [loaded] = await noteAdapter.load(db, workspaceId, [id]);
      expect((await activityRow(id)).current_hash).toBe(recordHash(noteAdapter.properties(loaded!.record, {}), noteAdapter.links?.(loaded!.record)));
    }
    env.sandbox.control.resetCounts();

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded' });
    adaContact = (await db.selectFrom('customers').select('hubspot_id').where('id', '=', ada).executeTakeFirstOrThrow()).hubspot_id!;
    expect(notes()).toHaveLength(ACTIVITY_TYPES.length + 2);
    // 14 notes, one create call; no lookup for activities never sent before.
    expect(calls(CREATE)).toBe(1);
    expect(calls(NOTES_OF_CONTACTS)).toBe(0);
    expect(calls(UPDATE)).toBe(0);
    for (const [type, id] of ids) {
      const [note] = notesOf(id);
      expect(notesOf(id), type).toHaveLength(1);
      const read = await readNote(note!.id);
      expect(read.associations?.['contacts']?.results.map((r) => r.id)).toEqual([adaContact]);
      expect(read.properties['hs_timestamp']).toBe('2026-02-01T09:00:00.000Z');
      expect(await activityRow(id)).toMatchObject({ sync_status: 'synced', hubspot_id: note!.id, sync_error: null });
    }
    const attended = String(notesOf(ids.get('event_attended')!)[0]!.properties['hs_note_body']);
    expect(attended).toBe(`<p><strong>Event attended: The event_attended title</strong></p><p>hubsync activity ${ids.get('event_attended')!}</p>`);
    const ticket = String(notesOf(ids.get('support_ticket_updated')!)[0]!.properties['hs_note_body']);
    expect(ticket).toContain('Support ticket updated: The support_ticket_updated title');
    expect(ticket).toContain('Ticket T-1042 · Status: waiting on customer · <a href="https://help.example.com/tickets/1042?from=hubspot&amp;x=1">');
    const linked = await readNote(notesOf(linkedId)[0]!.id);
    expect(linked.associations).toMatchObject({ companies: { results: [{ id: company }] }, deals: { results: [{ id: dealHubspotId }] } });
    expect(linked.associations?.['contacts']?.results.map((r) => r.id)).toEqual([adaContact]);
  });

  it('brings any Unicode back exactly as written', async () => {
    const body = String((await readNote(notesOf(unicodeId)[0]!.id)).properties['hs_note_body']);
    expect(body).toContain(`<strong>Course completed: ${UNICODE.title}</strong>`);
    expect(body).not.toContain('<script>');
    expect(unescape(body)).toContain(`<p>${UNICODE.details}</p>`);
  });

  it('fails an activity whose contact is not in HubSpot yet, naming why, and sends it once the contact is', async () => {
    expect(notesOf(waitingId)).toHaveLength(0);
    const waiting = await activityRow(waitingId);
    expect(waiting).toMatchObject({ sync_status: 'error', hubspot_id: null, create_started_at: null });
    expect(waiting.sync_error).toContain('not a HubSpot contact yet');
    expect((await env.admin.patch(`${W}/customers/${unsyncedCustomer}`, { email: 'grace@example.com' })).status).toBe(200);
    env.sandbox.control.resetCounts();

    const run = await syncNow(env.admin);

    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    const grace = (await db.selectFrom('customers').select('hubspot_id').where('id', '=', unsyncedCustomer).executeTakeFirstOrThrow()).hubspot_id!;
    const [note] = notesOf(waitingId);
    expect(notesOf(waitingId)).toHaveLength(1);
    expect((await readNote(note!.id)).associations?.['contacts']?.results.map((r) => r.id)).toEqual([grace]);
    expect(await activityRow(waitingId)).toMatchObject({ sync_status: 'synced', hubspot_id: note!.id, sync_error: null });
    expect(calls(CREATE)).toBe(1);
  });

  it('creates nothing on a run with nothing new: a synced note is never sent again', async () => {
    const before = notes().length;
    env.sandbox.control.resetCounts();
    // A minute later, so Sync now starts a run instead of answering the one that just ended.
    const { context } = env.ts.service;
    const later = { now: () => context.clock.now() + 60_000, sleep: (ms: number) => context.clock.sleep(ms) };
    const engine = new PushEngine({ db, clock: later, gateway: context.hubspot });
    const { run: started, joined } = await engine.start(workspaceId, { kind: 'manual', actor: ACTOR });
    await engine.wait(started.id);
    expect(joined).toBe(false);
    const run = (await env.admin.get(`${W}/sync/runs/${started.id}`)).body;
    expect(run).toMatchObject({ status: 'succeeded', processed: 0 });
    expect(notes()).toHaveLength(before);
    expect(calls(CREATE) + calls(UPDATE)).toBe(0);
  });

  it('keeps the stored hash equal to the one the push computes, so nothing reads Needs update', async () => {
    const rows = await db.selectFrom('activities').select(['id', 'current_hash', 'synced_hash', 'sync_status']).where('workspace_id', '=', workspaceId).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ sync_status: 'synced', current_hash: row.synced_hash });
    // A status refresh recomputes the same hash and leaves them Synced.
    await noteAdapter.refreshStatuses(db, workspaceId, rows.map((r) => r.id));
    expect(await db.selectFrom('activities').select('id').where('workspace_id', '=', workspaceId).where('sync_status', '!=', 'synced').execute()).toEqual([]);
  });

  it('pushes appended activities on change, without Sync now', async () => {
    const id = await append({ type: 'event_no_show', title: 'Autumn meetup' });
    const run = await env.ts.service.context.push.pushRecords('notes', workspaceId, [id], ACTOR);
    expect(run).toMatchObject({ status: 'succeeded', processed: 1, created: 1 });
    expect(notesOf(id)).toHaveLength(1);
    expect(await activityRow(id)).toMatchObject({ sync_status: 'synced', hubspot_id: notesOf(id)[0]!.id });
  });
});

describe('a batch replayed after its notes were created but never recorded', () => {
  it('creates the note once when the journaled create never reached HubSpot', async () => {
    const linus = (await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'linus@example.com' })).body.id;
    await syncNow(env.admin);
    const id = await append({ type: 'course_enrolled', title: 'Rust basics', customerId: linus });
    // The process died between journaling the create and sending it.
    await db.updateTable('activities').set({ create_started_at: Date.now() }).where('id', '=', id).execute();
    env.sandbox.control.resetCounts();

    expect(await env.ts.service.context.push.pushRecords('notes', workspaceId, [id], ACTOR)).toMatchObject({ status: 'succeeded', created: 1, failed: 0 });

    expect(calls(NOTES_OF_CONTACTS)).toBe(1);
    expect(calls(CREATE)).toBe(1);
    expect(notesOf(id)).toHaveLength(1);
  });

  it('links the notes already in HubSpot on the next run and creates none twice', async () => {
    const appended: string[] = [];
    const bulk = Array.from({ length: 150 }, (_, i) => ({ type: 'event_attended', title: `Session ${i}`, occurredAt: '2026-02-02T10:00:00Z', customerId: ada, externalId: `crash-${i}` }));
    const answer = await env.admin.post<{ results: { id: string }[] }>(`${W}/activities/bulk`, { activities: bulk });
    appended.push(...answer.body.results.map((r) => r.id));
    const before = notes().length;
    // The process fails right after HubSpot accepted a batch: its outcome is never written.
    let failOnce = true;
    const crashing: ObjectAdapter = {
      ...(noteAdapter as ObjectAdapter),
      async recordSuccesses(...args) {
        if (failOnce) {
          failOnce = false;
          throw new Error('simulated crash before the batch was recorded');
        }
        return noteAdapter.recordSuccesses(...args);
      },
    };
    const { context } = env.ts.service;
    const engine = new PushEngine({ db, clock: context.clock, gateway: context.hubspot, adapters: [contactAdapter, crashing] });
    env.sandbox.control.resetCounts();

    const { run } = await engine.start(workspaceId, { kind: 'manual', actor: ACTOR });
    await engine.wait(run.id).catch(() => undefined);

    expect((await env.admin.get(`${W}/sync/runs/${run.id}`)).body).toMatchObject({ status: 'failed' });
    expect(calls(CREATE)).toBe(2);
    expect(notes()).toHaveLength(before + 150);
    const unrecorded = await db.selectFrom('activities').select('id').where('id', 'in', appended).where('hubspot_id', 'is', null).execute();
    expect(unrecorded.length).toBeGreaterThanOrEqual(50);
    env.sandbox.control.resetCounts();

    const next = await syncNow(env.admin);

    expect(next).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: unrecorded.length });
    expect(calls(CREATE)).toBe(0);
    expect(calls(NOTES_OF_CONTACTS)).toBeGreaterThanOrEqual(1);
    expect(notes()).toHaveLength(before + 150);
    for (const id of appended) {
      const found = notesOf(id);
      expect(found, id).toHaveLength(1);
      expect(await activityRow(id)).toMatchObject({ sync_status: 'synced', hubspot_id: found[0]!.id });
    }
  });
});
