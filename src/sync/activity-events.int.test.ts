// Activities as HubSpot custom behavioral events (issue 16), over real HTTP to the sandbox with
// the on-change push and the tag jobs running as in production: on an Enterprise portal each
// activity becomes an occurrence on its contact, sent in batches, each event definition created
// once (and found again by name, not made twice); a portal that refuses the events API leaves
// the state "unavailable" with HubSpot's message, Sync now still succeeds, and nothing more is
// tried until the admin turns it on again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEnded, startSandboxedService, waitForRun, type SandboxedService } from '../../test/support/sandboxed.js';

const W = '/api/workspaces/default';

let env: SandboxedService;

beforeAll(async () => {
  env = await startSandboxedService({ onChangePush: true, jobs: { flushDelayMs: 100 } });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

interface EventsView {
  enabled: boolean;
  state: string;
  message: string | null;
  definitions: Record<string, string>;
  queued: number;
  sent: number;
}

/** Waits until no change, flush or tag job is waiting and no queued activity has a contact to go to. */
async function settled(): Promise<void> {
  const db = env.ts.service.database.db;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pending = await db.selectFrom('pending_changes').select('record_id').limit(1).execute();
    const counts = await env.ts.service.jobs.counts();
    const busy = counts.filter((c) => ['sync.flush', 'tags.lists'].includes(c.queue)).some((c) => c.queued + c.active + c.retry > 0);
    const waiting = await db
      .selectFrom('activity_event_queue as q')
      .innerJoin('activities as a', 'a.id', 'q.activity_id')
      .innerJoin('customers as c', 'c.id', 'a.customer_id')
      .innerJoin('activity_event_settings as s', 's.workspace_id', 'q.workspace_id')
      .where('c.hubspot_id', 'is not', null)
      .where('s.state', '!=', 'unavailable')
      .select('q.activity_id')
      .limit(1)
      .execute();
    if (pending.length === 0 && !busy && waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error('not settled in 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const calls = (route: string) => Object.values(env.sandbox.control.counts().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);
const eventCalls = () => Object.entries(env.sandbox.control.counts().byRoute).filter(([route]) => route.includes('/events/v3/')).reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
const events = async () => (await env.admin.get<{ events: EventsView }>(`${W}/tags`)).body.events;

let t = Date.parse('2026-11-01T10:00:00Z');
const activity = (customerId: string, type: string) => ({ customerId, type, occurredAt: new Date((t += 60_000)).toISOString(), title: `${type.replace(/_/g, ' ')} — Annual meetup` });

async function customers(): Promise<Map<string, { id: string; hubspotId: string | null }>> {
  const rows = await env.ts.service.database.db.selectFrom('customers').select(['id', 'external_id', 'hubspot_id']).execute();
  return new Map(rows.map((r) => [r.external_id ?? r.id, { id: r.id, hubspotId: r.hubspot_id }]));
}

describe('custom behavioral events on an Enterprise portal', () => {
  it('is off by default: activities send no event', async () => {
    expect(await events()).toMatchObject({ enabled: false, state: 'off' });
    const made = await env.admin.post(`${W}/customers/bulk-upsert`, { customers: [{ externalId: 'm-zed', email: 'zed@example.com' }] });
    expect(made.body['failed']).toBe(0);
    await env.admin.post(`${W}/activities`, activity((await customers()).get('m-zed')!.id, 'event_registered'));
    await settled();
    expect(eventCalls()).toBe(0);
    expect(env.sandbox.control.customEvents(env.portalId).occurrences).toEqual([]);
  }, 120_000);

  it('sends each activity as an occurrence on its contact, creating each definition once, in batches', async () => {
    const on = await env.admin.request<EventsView>('PUT', `${W}/tags/events`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, state: 'ready', message: null });
    env.sandbox.control.resetCounts();
    const members = ['ana', 'ben', 'cai'].map((n) => ({ externalId: `m-${n}`, email: `${n}@example.com`, firstName: n }));
    expect((await env.admin.post(`${W}/customers/bulk-upsert`, { customers: members })).body['failed']).toBe(0);
    const ids = await customers();
    const [ana, ben, cai] = ['m-ana', 'm-ben', 'm-cai'].map((e) => ids.get(e)!.id);
    const appended = await env.admin.post(`${W}/activities/bulk`, {
      activities: [activity(ana!, 'event_registered'), activity(ben!, 'event_registered'), activity(ana!, 'event_attended'), activity(ben!, 'event_no_show'), activity(cai!, 'membership_activated')],
    });
    expect(appended.body['failed']).toBe(0);
    await settled();

    const linked = await customers();
    const hs = (e: string) => linked.get(e)!.hubspotId!;
    const { definitions, occurrences } = env.sandbox.control.customEvents(env.portalId);
    expect(definitions.map((d) => d.name).sort()).toEqual(['hubsync_event_attended', 'hubsync_event_no_show', 'hubsync_event_registered', 'hubsync_membership_activated']);
    const fqn = (type: string) => `pe${env.portalId}_hubsync_${type}`;
    const got = occurrences.map((o) => [o.eventName, o.objectId, o.properties['activity_title']]).sort();
    expect(got).toEqual(
      [
        [fqn('event_registered'), hs('m-ana'), 'event registered — Annual meetup'],
        [fqn('event_registered'), hs('m-ben'), 'event registered — Annual meetup'],
        [fqn('event_attended'), hs('m-ana'), 'event attended — Annual meetup'],
        [fqn('event_no_show'), hs('m-ben'), 'event no show — Annual meetup'],
        [fqn('membership_activated'), hs('m-cai'), 'membership activated — Annual meetup'],
      ].sort(),
    );
    expect(calls('POST /events/v3/event-definitions')).toBe(4);
    // Batch sends only, one or two (the activities may reach the job before all contacts are linked).
    expect(calls('POST /events/v3/send')).toBe(0);
    expect(calls('POST /events/v3/send/batch')).toBeGreaterThanOrEqual(1);
    expect(calls('POST /events/v3/send/batch')).toBeLessThanOrEqual(3);
    const view = await events();
    expect(view).toMatchObject({ state: 'ready', sent: 5, queued: 0 });
    expect(view.definitions['event_attended']).toBe(fqn('event_attended'));

    // More activities of the same types: no definition is made again.
    env.sandbox.control.resetCounts();
    await env.admin.post(`${W}/activities/bulk`, { activities: [activity(cai!, 'event_registered'), activity(cai!, 'event_attended')] });
    await settled();
    expect(calls('POST /events/v3/event-definitions')).toBe(0);
    expect(calls('GET /events/v3/event-definitions')).toBe(0);
    expect(env.sandbox.control.customEvents(env.portalId).occurrences).toHaveLength(7);
  }, 120_000);

  it('finds its definitions again by name when it has forgotten them (a new install on the same portal)', async () => {
    await env.ts.service.database.db.updateTable('activity_event_settings').set({ definitions: null }).execute();
    env.sandbox.control.resetCounts();
    await env.admin.post(`${W}/activities`, activity((await customers()).get('m-ana')!.id, 'event_registered'));
    await settled();
    expect(calls('GET /events/v3/event-definitions')).toBe(1);
    expect(calls('POST /events/v3/event-definitions')).toBe(0);
    expect(env.sandbox.control.customEvents(env.portalId).definitions).toHaveLength(4);
    expect(env.sandbox.control.customEvents(env.portalId).occurrences).toHaveLength(8);
  }, 120_000);
});

describe('a portal that refuses custom events', () => {
  it('records "unavailable" with HubSpot’s message, Sync now still succeeds, and nothing more is tried until the admin retries', async () => {
    env.sandbox.control.setCustomEvents(env.portalId, false);
    const before = env.sandbox.control.customEvents(env.portalId).occurrences.length;
    const ben = (await customers()).get('m-ben')!.id;
    await env.admin.post(`${W}/activities`, activity(ben, 'course_enrolled'));
    await settled();
    const view = await events();
    expect(view.enabled).toBe(true);
    expect(view.state).toBe('unavailable');
    expect(view.message).toContain("hasn't been granted all required scopes");
    expect(view.message).toContain('behavioral_events.event_definitions.read_write');
    expect(env.sandbox.control.customEvents(env.portalId).occurrences).toHaveLength(before);

    // A whole Sync now run is untouched by it (a click within 10 s of the last run answers that
    // run instead of starting one: wait for a new one).
    let run: Record<string, unknown> | undefined;
    while (run === undefined) {
      const started = await env.admin.post<{ id: string }>(`${W}/sync/runs`);
      if (started.status === 202) run = await waitForRun(env.admin, started.body.id, runEnded);
      else await new Promise((r) => setTimeout(r, 500));
    }
    expect(run['trigger']).toBe('manual');
    expect(run['status']).toBe('succeeded');
    expect((await events()).state).toBe('unavailable');

    // Stopped: another activity is neither queued nor tried.
    env.sandbox.control.resetCounts();
    await env.admin.post(`${W}/activities`, activity(ben, 'course_completed'));
    await settled();
    await new Promise((r) => setTimeout(r, 700));
    await settled();
    expect(eventCalls()).toBe(0);
    expect((await events()).state).toBe('unavailable');

    // The admin retries while the portal still refuses: asked at once, still unavailable.
    const again = await env.admin.request<EventsView>('PUT', `${W}/tags/events`, { enabled: true });
    expect(again.body.state).toBe('unavailable');
    expect(eventCalls()).toBe(1);

    // The portal gets custom events (upgraded to Enterprise); the retry makes it ready and the
    // activity queued before the refusal goes out.
    env.sandbox.control.setCustomEvents(env.portalId, true);
    const ready = await env.admin.request<EventsView>('PUT', `${W}/tags/events`, { enabled: true });
    expect(ready.body.state).toBe('ready');
    await env.admin.post(`${W}/activities`, activity(ben, 'course_completed'));
    await settled();
    const names = env.sandbox.control.customEvents(env.portalId).occurrences.map((o) => o.eventName);
    expect(names).toContain(`pe${env.portalId}_hubsync_course_enrolled`);
    expect(names).toContain(`pe${env.portalId}_hubsync_course_completed`);
    expect((await events()).state).toBe('ready');
  }, 240_000);

  it('refuses a setting that is not a boolean with VALIDATION_FAILED', async () => {
    const bad = await env.admin.request<{ error: { code: string } }>('PUT', `${W}/tags/events`, { enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});
