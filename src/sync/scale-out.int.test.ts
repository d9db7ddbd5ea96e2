// The scale-out acceptance scenario, run as a new user would from the README, on PostgreSQL:
// `hubsync serve --web-only` and two `hubsync worker` processes, three workspaces each
// connected to its own sandbox portal (80–250 ms latency, pro tier), on-change push on, and
// customers created through the API in all three for about 40 s while a worker is SIGKILLed
// in the middle of an on-change run and a new one started. Afterwards every customer is Synced,
// each portal holds exactly one contact per email, no contact was written by two callers at
// once, and under 1 % of the sandbox's calls were 429s.
import { afterAll, describe, expect, it } from 'vitest';
import type { WriteRecord } from '../sandbox/index.js';
import { TEST_DB_KIND } from '../../test/support/database.js';
import { startProcessSet, type ProcessSet } from '../../test/support/multi-process.js';

const CREATE_FOR_MS = 40_000;
const KILL_AFTER_MS = 12_000;

let set: ProcessSet | undefined;
afterAll(async () => {
  await set?.close();
});

/** Pairs of writes of one record (same portal) whose time windows overlap. */
function overlappingWrites(writes: readonly WriteRecord[]): { id: string; a: WriteRecord; b: WriteRecord }[] {
  const byRecord = new Map<string, WriteRecord[]>();
  for (const w of writes) {
    for (const id of w.ids) {
      const key = `${w.portalId}:${w.objectType}:${id}`;
      byRecord.set(key, [...(byRecord.get(key) ?? []), w]);
    }
  }
  const found: { id: string; a: WriteRecord; b: WriteRecord }[] = [];
  for (const [id, list] of byRecord) {
    const sorted = [...list].sort((x, y) => x.startedAt - y.startedAt);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.startedAt < sorted[i - 1]!.endedAt) found.push({ id, a: sorted[i - 1]!, b: sorted[i]! });
  }
  return found;
}

describe.runIf(TEST_DB_KIND === 'postgres')('scale-out on PostgreSQL', () => {
  it('two workers, one SIGKILLed mid-run and replaced, push every customer of three portals once, with no overlapping writes and under 1 % 429s', async () => {
    set = await startProcessSet({ workspaces: 3, workers: 2, tier: 'pro', latencyMs: [80, 250], onChangePush: true, recordWrites: true });
    const s = set;
    const emails = new Map<string, string[]>(s.workspaces.map((w) => [w.slug, []]));

    // Customers created continuously in all three workspaces: one at a time, a few per second each.
    const started = Date.now();
    const creators = s.workspaces.map(async (w) => {
      for (let i = 0; Date.now() - started < CREATE_FOR_MS; i++) {
        const email = `${w.slug}-${i}@example.com`;
        const created = await s.admin.post(`/api/workspaces/${w.slug}/customers`, { email, firstName: `Customer ${i}` });
        if (created.status !== 201) throw new Error(`creating ${email} failed: ${created.status} ${JSON.stringify(created.body)}`);
        emails.get(w.slug)!.push(email);
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    // Mid-way, SIGKILL a worker while it is running an on-change run, then start another. A run
    // that ended in the instant between finding it and the kill does not count: try again.
    await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
    let killedRun: string | undefined;
    for (let attempt = 0; attempt < 3 && !killedRun; attempt++) {
      const victim = s.workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
      const ownedRun = async () => (await s.sql.query<{ id: string }>(`select id from sync_runs where status = 'running' and owner like $1`, [`%:${victim.child.pid}:%`])).rows[0]?.id;
      let caught: string | undefined;
      for (const giveUp = Date.now() + 15_000; !caught && Date.now() < giveUp; ) {
        caught = await ownedRun();
        if (!caught) await new Promise((r) => setTimeout(r, 10));
      }
      victim.child.kill('SIGKILL');
      await victim.exited;
      const status = caught && (await s.sql.query<{ status: string }>('select status from sync_runs where id = $1', [caught])).rows[0]?.status;
      if (status === 'running' || status === 'interrupted') killedRun = caught;
      await s.startWorker();
    }
    expect(killedRun, 'a worker was SIGKILLed in the middle of an on-change run').toBeDefined();
    await Promise.all(creators);

    // Every customer reaches Synced (bounded, so a stuck workspace fails with a message, not a timeout).
    const counts = () => Promise.all(s.workspaces.map(async (w) => (await s.admin.get<{ byStatus: Record<string, number> }>(`/api/workspaces/${w.slug}/sync/summary`)).body.byStatus));
    const allSynced = async () => (await counts()).every((byStatus, k) => byStatus['synced'] === emails.get(s.workspaces[k]!.slug)!.length);
    for (const giveUp = Date.now() + 60_000; !(await allSynced()) && Date.now() < giveUp; ) await new Promise((r) => setTimeout(r, 200));
    const final = await counts();
    s.workspaces.forEach((w, k) => expect({ workspace: w.slug, byStatus: final[k] }).toEqual({ workspace: w.slug, byStatus: expect.objectContaining({ synced: emails.get(w.slug)!.length }) as unknown }));

    // The run the SIGKILL cut short was ended as interrupted by a later flush.
    expect((await s.sql.query<{ status: string }>('select status from sync_runs where id = $1', [killedRun])).rows[0]?.status).toBe('interrupted');

    // Each portal holds exactly one contact per email, and every customer's email is there.
    for (const w of s.workspaces) {
      const inPortal = s.sandbox.control.listObjects(w.portalId, 'contacts').map((c) => String(c.properties['email']));
      expect(inPortal.length, `contacts in ${w.slug}'s portal`).toBe(new Set(inPortal).size);
      expect(new Set(inPortal)).toEqual(new Set(emails.get(w.slug)));
    }

    // No contact was written by two callers at the same time.
    expect(overlappingWrites(s.sandbox.control.writes())).toEqual([]);

    // The portals' budgets held: under 1 % of all calls were 429s.
    const byPortal = Object.values(s.sandbox.control.counts().byPortal);
    const calls = byPortal.reduce((sum, p) => sum + p.total, 0);
    const limited = byPortal.reduce((sum, p) => sum + (p.byStatus['429'] ?? 0), 0);
    expect(calls).toBeGreaterThan(0);
    expect(limited / calls).toBeLessThan(0.01);
  }, 180_000);
});
