// The split initial pull (./pull-split.ts) against the sandbox over real HTTP, on the test
// database (SQLite or PostgreSQL): the listing and the id-range searches both read and meet,
// each record applied once; records created and changed while it runs come in with the
// incremental search that follows; a pull stopped mid-way resumes both streams from their
// checkpoints and ends where a plain listing does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxedService, type SandboxedService } from '../../../test/support/sandboxed.js';
import { ShiftedClock } from '../../../test/support/shifted-clock.js';
import { findWorkspaceBySlug, type Db } from '../../store/index.js';
import { PullEngine, type PullEngineDeps, type PullProgress } from './pull-engine.js';
import { decodeSplit } from './pull-split.js';

const W = '/api/workspaces/default';
const RECORDS = 600;
/** Small pages, so 600 contacts are a long listing: 60 list pages, or ranges of about 45 in a 50-record search page. */
const SMALL: Partial<PullEngineDeps> = { listPageSize: 10, searchPageSize: 50, splitAfterPages: 2 };
const LIST = 'GET /crm/v3/objects/contacts';
const SEARCH = 'POST /crm/v3/objects/contacts/search';

interface Setup {
  env: SandboxedService;
  db: Db;
  workspaceId: string;
  ids: string[];
}

const opened: SandboxedService[] = [];

/** A two-way workspace whose portal holds RECORDS contacts, seeded an hour ago (outside the incremental window's overlap). */
async function setUp(): Promise<Setup> {
  const clock = new ShiftedClock(-3_600_000);
  // A little latency, so requests of both streams are in flight together as against HubSpot.
  const env = await startSandboxedService({ sandbox: { clock, latencyMs: [5, 20] }, jobs: { inlineRuns: true, work: false } });
  opened.push(env);
  const ids = env.sandbox.control.seedContacts(
    env.portalId,
    Array.from({ length: RECORDS }, (_, i) => ({ email: `split${i}@example.com`, firstname: `F${i}`, city: `City ${i % 7}`, lifecyclestage: 'customer' })),
  );
  clock.advance(3_600_000);
  const settings = await env.admin.patch(`${W}/hubspot/settings`, { twoWay: true });
  expect(settings.status).toBe(200);
  const db = env.ts.service.database.db;
  return { env, db, workspaceId: (await findWorkspaceBySlug(db, 'default'))!.id, ids };
}

let a: Setup;
beforeEach(async () => {
  a = await setUp();
});
afterEach(async () => {
  for (const env of opened.splice(0)) await env.close();
});

const engine = (s: Setup, options: Partial<PullEngineDeps> = {}) => new PullEngine({ db: s.db, clock: s.env.ts.service.context.clock, gateway: s.env.ts.service.context.hubspot, overlapMs: 1_000, ...options });
const calls = (s: Setup, route: string) => Object.values(s.env.sandbox.control.counts().byRoute[route] ?? {}).reduce((x, y) => x + y, 0);
const customers = (s: Setup) =>
  s.db
    .selectFrom('customers')
    .select(['hubspot_id', 'email_lower', 'first_name', 'city', 'tags', 'sync_status', 'synced_values'])
    .where('workspace_id', '=', s.workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('email_lower')
    .execute();
const checkpoint = (s: Setup) => s.db.selectFrom('sync_checkpoints').selectAll().where('workspace_id', '=', s.workspaceId).where('object_type', '=', 'contacts').executeTakeFirstOrThrow();
const http = async (s: Setup, method: string, path: string, body: unknown) => {
  const res = await fetch(`${s.env.sandbox.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${s.env.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as { id: string };
};

describe('the split initial pull', () => {
  it('lists from the bottom and searches id ranges from the top until they meet, each record applied once; what changes meanwhile comes with the incremental search', async () => {
    const highest = a.ids.at(-1)!;
    let splitSeen = false;
    let edited = false;
    let created = '';
    let initialPulled: number | null = null;
    const summary = (await engine(a, SMALL).pull(a.workspaceId, {
      onPage: async (p: PullProgress) => {
        if (p.phase === 'incremental' && initialPulled === null) initialPulled = p.pulled;
        if (p.phase !== 'initial' || edited) return;
        const split = decodeSplit((await checkpoint(a)).split);
        // Once the searches applied their first range (the highest ids), HubSpot changes one of
        // those and gets a new contact above them: neither stream reads them again.
        if (split && split.floor <= Number(highest)) {
          splitSeen = true;
          edited = true;
          await http(a, 'PATCH', `/crm/v3/objects/contacts/${highest}`, { properties: { firstname: 'Changed meanwhile' } });
          created = (await http(a, 'POST', '/crm/v3/objects/contacts', { properties: { email: 'new@example.com', lifecyclestage: 'customer' } })).id;
        }
      },
    }))!;
    expect(splitSeen).toBe(true);

    // The initial phase applied every record once (a record read by both streams is left out of the second page).
    expect(initialPulled).toBe(RECORDS);
    // Both streams read: fewer list pages than a plain listing's 60 (+ the archived listing), and range searches.
    const lists = calls(a, LIST);
    const searches = calls(a, SEARCH);
    expect(lists).toBeGreaterThan(2 + 1);
    expect(lists).toBeLessThan(RECORDS / 10);
    // The search for the highest id, ranges, and the incremental window.
    expect(searches).toBeGreaterThan(3);
    expect(summary.created).toBe(RECORDS + 1);

    const local = await customers(a);
    expect(local).toHaveLength(RECORDS + 1);
    expect(new Set(local.map((c) => c.hubspot_id)).size).toBe(RECORDS + 1);
    expect(local.every((c) => c.sync_status === 'synced')).toBe(true);
    expect(local.find((c) => c.hubspot_id === highest)).toMatchObject({ first_name: 'Changed meanwhile' });
    expect(local.find((c) => c.hubspot_id === created)).toMatchObject({ email_lower: 'new@example.com' });
    expect(local.find((c) => c.hubspot_id === a.ids[0])).toMatchObject({ email_lower: 'split0@example.com', first_name: 'F0', city: 'City 0' });
    expect(await checkpoint(a)).toMatchObject({ phase: 'incremental', split: null, after_cursor: null });
  });

  it('stopped mid-way, resumes both streams from their checkpoints and ends where a plain listing ends', async () => {
    let crashedAt: PullProgress | undefined;
    await expect(
      engine(a, SMALL).pull(a.workspaceId, {
        // The process dies once both streams have committed pages and are 60 ids or fewer apart
        // (each page moves one of them by 45 at most, so that moment comes).
        onPage: async (p) => {
          const split = decodeSplit((await checkpoint(a)).split);
          if (split && split.floor <= split.top && split.listed > 0 && split.floor - split.listed - 1 <= 60) {
            crashedAt = p;
            throw new Error('crash');
          }
        },
      }),
    ).rejects.toThrow('crash');
    // The listing's cursor and the searches' floor are stored.
    const stopped = await checkpoint(a);
    expect(stopped).toMatchObject({ phase: 'initial' });
    expect(stopped.after_cursor).not.toBeNull();
    const split = decodeSplit(stopped.split)!;
    expect(split.top).toBe(Number(a.ids.at(-1)));
    expect(split.floor).toBeLessThanOrEqual(split.top);
    expect(split.listed).toBeGreaterThanOrEqual(20);
    expect(split.listed + 1).toBeLessThan(split.floor);
    const before = await customers(a);
    expect(before).toHaveLength(crashedAt!.pulled);
    // What each stream applied: the lowest ids up to `listed`, the highest from `floor`.
    expect(before.every((c) => Number(c.hubspot_id) <= split.listed || Number(c.hubspot_id) >= split.floor)).toBe(true);
    expect(before.some((c) => Number(c.hubspot_id) >= split.floor)).toBe(true);

    const listsBefore = calls(a, LIST);
    // Resumed with list pages of 100: its first page reads past the searches' floor, and leaves
    // out what they applied.
    const resumed = (await engine(a, { ...SMALL, listPageSize: 100 }).pull(a.workspaceId))!;
    // Every record once over the two pulls; the resumed listing went on from its cursor, not from the start.
    expect(crashedAt!.pulled + resumed.pulled).toBe(RECORDS);
    expect(resumed.created).toBe(RECORDS - crashedAt!.pulled);
    // The one page between the two checkpoints, and the archived listing.
    expect(calls(a, LIST) - listsBefore).toBe(1 + 1);
    expect(await checkpoint(a)).toMatchObject({ phase: 'incremental', split: null });

    // The same portal pulled by a plain listing ends in the same local records.
    const b = await setUp();
    const plain = (await engine(b, { listPageSize: 10, searchPageSize: 50, splitAfterPages: Infinity }).pull(b.workspaceId))!;
    expect(plain.pulled).toBe(RECORDS);
    expect(calls(b, SEARCH)).toBe(1);
    const project = (rows: Awaited<ReturnType<typeof customers>>) => rows.map(({ hubspot_id: _id, ...rest }) => rest);
    const split1 = await customers(a);
    expect(split1).toHaveLength(RECORDS);
    expect(project(split1)).toEqual(project(await customers(b)));
  });

  it('spends no call on a split while the listing is short', async () => {
    // 600 contacts are 6 pages of 100: one more than the listing reads before it splits.
    const summary = (await engine(a, { splitAfterPages: 6 }).pull(a.workspaceId))!;
    expect(summary.pulled).toBe(RECORDS);
    // The six pages and the archived listing; one search: the incremental window.
    expect(calls(a, LIST)).toBe(6 + 1);
    expect(calls(a, SEARCH)).toBe(1);
  });
});
