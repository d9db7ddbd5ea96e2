// The sandbox's custom behavioral events over real HTTP: a portal with them (an Enterprise hub)
// takes event definitions (created once by name) and occurrences on contacts (a batch is all or
// nothing, at most 500, kept by uuid); one without them answers 403 MISSING_SCOPES naming the
// events scope; the control API switches a portal either way.
import { describe, expect, it } from 'vitest';
import { useSandbox } from './testing.js';

const sb = useSandbox();
const definition = { name: 'hubsync_event_attended', label: 'Event attended', primaryObject: 'CONTACT', propertyDefinitions: [{ name: 'activity_title', label: 'Title', type: 'string' }] };

describe('custom behavioral events', () => {
  it('a portal without them refuses every events call with 403 MISSING_SCOPES naming the scope', async () => {
    expect(sb.control.customEvents(sb.portalId).definitions).toEqual([]);
    for (const [method, path, body, scope] of [
      ['GET', '/events/v3/event-definitions', undefined, 'behavioral_events.event_definitions.read_write'],
      ['POST', '/events/v3/event-definitions', definition, 'behavioral_events.event_definitions.read_write'],
      ['POST', '/events/v3/send/batch', { inputs: [] }, 'analytics.behavioral_events.send'],
    ] as const) {
      const res = await sb.call<{ category: string; errors: { context: { requiredGranularScopes: string[] } }[] }>(method, path, body);
      expect(res.status).toBe(403);
      expect(res.body.category).toBe('MISSING_SCOPES');
      expect(res.body.errors[0]!.context.requiredGranularScopes).toEqual([scope]);
    }
  });

  it('an Enterprise portal (the default for the enterprise tier) takes definitions once and occurrences by uuid', async () => {
    const enterprise = sb.control.createPortal({ tier: 'enterprise' });
    expect(enterprise.customEvents).toBe(true);
    // The control API gives the test's portal custom events.
    const switched = await sb.anon<{ customEvents: boolean }>('PUT', `/_sandbox/portals/${sb.portalId}/custom-events`, { enabled: true });
    expect(switched.body.customEvents).toBe(true);
    const made = await sb.call<{ fullyQualifiedName: string }>('POST', '/events/v3/event-definitions', definition);
    expect(made.status).toBe(201);
    expect(made.body.fullyQualifiedName).toBe(`pe${sb.portalId}_hubsync_event_attended`);
    expect((await sb.call('POST', '/events/v3/event-definitions', definition)).status).toBe(409);
    const listed = await sb.call<{ total: number; results: { name: string }[] }>('GET', '/events/v3/event-definitions');
    expect(listed.body.results.map((d) => d.name)).toEqual(['hubsync_event_attended']);

    const [contactId] = sb.control.seedContacts(sb.portalId, [{ email: 'ana@example.com' }]);
    const occurrence = { eventName: made.body.fullyQualifiedName, objectId: contactId, occurredAt: '2026-11-01T10:00:00.000Z', uuid: 'a1', properties: { activity_title: 'Meetup' } };
    expect((await sb.call('POST', '/events/v3/send/batch', { inputs: [occurrence, { ...occurrence, uuid: 'a2' }] })).status).toBe(204);
    // The same uuid again is the same occurrence.
    expect((await sb.call('POST', '/events/v3/send/batch', { inputs: [occurrence] })).status).toBe(204);
    expect(sb.control.customEvents(sb.portalId).occurrences.map((o) => o.uuid).sort()).toEqual(['a1', 'a2']);
    // All or nothing: an unknown contact refuses the whole batch.
    const bad = await sb.call<{ message: string }>('POST', '/events/v3/send/batch', { inputs: [{ ...occurrence, uuid: 'a3' }, { ...occurrence, uuid: 'a4', objectId: '999999999' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('inputs[1].objectId');
    expect(sb.control.customEvents(sb.portalId).occurrences).toHaveLength(2);
    // An undefined property and more than 500 inputs are refused.
    expect((await sb.call('POST', '/events/v3/send/batch', { inputs: [{ ...occurrence, uuid: 'a5', properties: { nope: 'x' } }] })).status).toBe(400);
    const many = Array.from({ length: 501 }, (_, i) => ({ ...occurrence, uuid: `m${i}` }));
    expect((await sb.call('POST', '/events/v3/send/batch', { inputs: many })).status).toBe(400);

    // Taken away again (a downgrade): refused.
    sb.control.setCustomEvents(sb.portalId, false);
    expect((await sb.call('POST', '/events/v3/send/batch', { inputs: [occurrence] })).status).toBe(403);
  });
});
