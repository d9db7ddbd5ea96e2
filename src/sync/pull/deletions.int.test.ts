// Deletions found by the pull's listing of archived records, against the sandbox over real HTTP
// on the test database (SQLite or PostgreSQL): customers whose contact HubSpot archived are
// unlinked (or, with archiveOnHubSpotDelete, deleted), only what was archived since the last
// listing counts, a listing stopped between pages resumes from its cursor, and nothing else
// changes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../../test/support/sandboxed.js';
import type { Clock } from '../../lib/index.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { checkArchived } from './deletions.js';

const W = '/api/workspaces/default';

/** The real clock, which a test can move (HubSpot's `archivedAt` comes from it). */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

let env: SandboxedService;
let hubspotClock: ShiftedClock;
let db: Db;
let workspaceId: string;

beforeEach(async () => {
  hubspotClock = new ShiftedClock();
  env = await startSandboxedService({ sandbox: { clock: hubspotClock }, jobs: { inlineRuns: true, work: false } });
  db = env.ts.service.database.db;
  workspaceId = (await findWorkspaceBySlug(db, 'default'))!.id;
  expect((await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
});
afterEach(async () => env?.close());

const pull = () => env.ts.service.context.pull.pull(workspaceId);
const customer = (email: string) => db.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('email_lower', '=', email).orderBy('created_at').execute();
const archive = async (id: string) => {
  const res = await fetch(`${env.sandbox.baseUrl}/crm/v3/objects/contacts/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.token}` } });
  expect(res.status).toBe(204);
};
const listCalls = () => Object.values(env.sandbox.control.counts().byRoute['GET /crm/v3/objects/contacts'] ?? {}).reduce((a, b) => a + b, 0);
/** Lets the next pull list archived records again (one listing per poll interval). */
const intervalPassed = () => db.updateTable('archive_checks').set({ checked_at: Date.now() - 10 * 60_000 }).execute();
const seed = (...emails: string[]) => env.sandbox.control.seedContacts(env.portalId, emails.map((email) => ({ email, firstname: email.split('@')[0]!, lifecyclestage: 'customer' })));

describe('deletions found by the archived listing', () => {
  it('unlinks the customers of archived contacts: they read Not synced with no base, the others stay Synced; a second listing changes nothing', async () => {
    const [a, b] = seed('a@example.com', 'b@example.com', 'c@example.com');
    expect(await pull()).toMatchObject({ created: 3, deletions: 0 });
    await archive(a!);
    await archive(b!);

    // Within the poll interval of the last listing: no listing, nothing found.
    const calls = listCalls();
    expect(await pull()).toMatchObject({ deletions: 0 });
    expect(listCalls()).toBe(calls);

    await intervalPassed();
    expect(await pull()).toMatchObject({ deletions: 2 });
    const [ca] = await customer('a@example.com');
    expect(ca).toMatchObject({ hubspot_id: null, sync_status: 'not_synced', synced_hash: null, synced_values: null, deleted_at: null, first_name: 'a' });
    expect((await customer('b@example.com'))[0]).toMatchObject({ hubspot_id: null, sync_status: 'not_synced' });
    expect((await customer('c@example.com'))[0]).toMatchObject({ sync_status: 'synced', deleted_at: null });
    expect((await customer('c@example.com'))[0]!.hubspot_id).not.toBeNull();

    await intervalPassed();
    expect(await pull()).toMatchObject({ deletions: 0 });
    // Nothing was pushed back or queued because of it.
    expect(await db.selectFrom('pending_changes').selectAll().execute()).toEqual([]);
  });

  it('with archiveOnHubSpotDelete, deletes the customer instead; another customer with its email owns the email then', async () => {
    const [a] = seed('dup@example.com');
    await pull();
    const local = await env.admin.post<{ id: string }>(`${W}/customers`, { email: 'dup@example.com', firstName: 'Second' });
    expect((await customer('dup@example.com')).map((c) => c.sync_status)).toEqual(['synced', 'duplicate']);
    expect((await env.admin.patch(`${W}/hubspot/settings`, { archiveOnHubSpotDelete: true })).status).toBe(200);
    await archive(a!);
    await intervalPassed();

    expect(await pull()).toMatchObject({ deletions: 1 });
    const [first, second] = await customer('dup@example.com');
    expect(first!.deleted_at).not.toBeNull();
    // Deleted, it keeps its link: a later pull of that contact leaves it deleted.
    expect(first!.hubspot_id).toBe(a);
    expect(second).toMatchObject({ id: local.body.id, deleted_at: null, sync_status: 'not_synced' });
    expect((await env.admin.get(`${W}/customers/${first!.id}`)).status).toBe(404);
  });

  it('applies only what was archived since the last complete listing began', async () => {
    const [early, late] = seed('early@example.com', 'late@example.com');
    await pull();
    // Archived (by HubSpot's clock) an hour before that listing: it was in it, so it is not new.
    hubspotClock.offsetMs = -3600_000;
    await archive(early!);
    hubspotClock.offsetMs = 0;
    await archive(late!);
    await intervalPassed();

    expect(await pull()).toMatchObject({ deletions: 1 });
    expect((await customer('early@example.com'))[0]!.hubspot_id).toBe(early);
    expect((await customer('late@example.com'))[0]!.hubspot_id).toBeNull();
  });

  it('resumes a listing stopped between pages from its cursor, and marks the check only once it read to the end', async () => {
    const ids = seed(...Array.from({ length: 5 }, (_, i) => `p${i}@example.com`));
    await pull();
    for (const id of ids) await archive(id);
    await intervalPassed();
    const before = (await db.selectFrom('archive_checks').selectAll().executeTakeFirstOrThrow()).checked_at;
    const deps = { db, clock: env.ts.service.context.clock };
    const client = await env.ts.service.context.hubspot.clientFor(workspaceId);

    let pages = 0;
    const first = await checkArchived(deps, client, workspaceId, 'contacts', { pageSize: 2, shouldPause: () => pages++ >= 1 });
    expect(first).toEqual({ deletions: 2, paused: true });
    const stopped = await db.selectFrom('archive_checks').selectAll().executeTakeFirstOrThrow();
    expect(stopped).toMatchObject({ checked_at: before });
    expect(stopped.listing_started_at).not.toBeNull();
    expect(stopped.after_cursor).not.toBeNull();

    const rest = await checkArchived(deps, client, workspaceId, 'contacts', { pageSize: 2 });
    expect(rest).toEqual({ deletions: 3, paused: false });
    const done = await db.selectFrom('archive_checks').selectAll().executeTakeFirstOrThrow();
    expect(done).toMatchObject({ checked_at: stopped.listing_started_at, listing_started_at: null, after_cursor: null });
    const linked = await db.selectFrom('customers').select('hubspot_id').where('workspace_id', '=', workspaceId).where('hubspot_id', 'is not', null).execute();
    expect(linked).toEqual([]);
  });
});
