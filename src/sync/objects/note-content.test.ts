// What a note says, without a database or HubSpot: a readable heading per activity type, HTML
// escaped so any text shows as written, the support ticket's link, the 65,536-character limit
// (details cut, the reference kept) and the reference read back from any text.
import { describe, expect, it } from 'vitest';
import { ACTIVITY_TYPES } from '../../crm/activities/index.js';
import type { Activity } from '../../store/index.js';
import { ACTIVITY_LABELS, activityIdIn, NOTE_BODY_MAX, noteHash, notePropertiesFor } from './note.adapter.js';

const activity = (over: Partial<Activity> = {}): Activity => ({
  id: 'act_01hx000000abcdef',
  workspaceId: 'ws',
  externalId: null,
  customerId: 'cus_1',
  organizationId: null,
  dealId: null,
  type: 'event_attended',
  occurredAt: Date.parse('2026-03-01T18:30:00Z'),
  title: 'Spring gala',
  details: null,
  ticket: null,
  createdAt: 1,
  sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  ...over,
});

describe('a note body', () => {
  it('opens with the readable label of every type and the title, and ends with the reference', () => {
    for (const type of ACTIVITY_TYPES) expect(ACTIVITY_LABELS[type], type).toMatch(/^[A-Z][a-z -]+$/);
    const properties = notePropertiesFor(activity({ details: 'Sat at table 4.\nLeft early.' }));
    expect(properties).toEqual({
      hs_timestamp: '2026-03-01T18:30:00.000Z',
      hs_note_body: '<p><strong>Event attended: Spring gala</strong></p><p>Sat at table 4.<br>Left early.</p><p>hubsync activity act_01hx000000abcdef</p>',
    });
  });

  it('carries a support ticket’s number, status and link back', () => {
    const body = notePropertiesFor(activity({ type: 'support_ticket_updated', title: 'Login fails', ticket: { number: 'T-1042', status: 'waiting on customer', url: 'https://help.example.com/t/1042?a=1&b=2' } }))['hs_note_body'];
    expect(body).toContain('<strong>Support ticket updated: Login fails</strong>');
    expect(body).toContain('Ticket T-1042 · Status: waiting on customer · <a href="https://help.example.com/t/1042?a=1&amp;b=2">Open ticket T-1042</a>');
  });

  it('escapes HTML and keeps every other character as written', () => {
    const title = '<b>"Tom & Jerry"</b> 😀 שלום 中文';
    const body = notePropertiesFor(activity({ title }))['hs_note_body']!;
    expect(body).toContain('&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt; 😀 שלום 中文');
    expect(body).not.toContain('<b>');
  });

  it('stays within HubSpot’s limit by cutting the details, never the reference, nor a character in half', () => {
    const details = `${'😀'.repeat(20_000)}${'<'.repeat(20_000)}`;
    const body = notePropertiesFor(activity({ details }))['hs_note_body']!;
    expect(body.length).toBeLessThanOrEqual(NOTE_BODY_MAX);
    expect(body.length).toBeGreaterThan(NOTE_BODY_MAX - 10);
    expect(body).toContain('…</p><p>hubsync activity act_01hx000000abcdef</p>');
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(activityIdIn(body)).toBe('act_01hx000000abcdef');
  });

  it('is read back to its activity from any text, by the last reference in it', () => {
    const body = notePropertiesFor(activity({ title: 'mentions hubsync activity act_other' }))['hs_note_body']!;
    expect(activityIdIn(body)).toBe('act_01hx000000abcdef');
    expect(activityIdIn(JSON.stringify({ message: 'Bad input', context: { body } }))).toBe('act_01hx000000abcdef');
    expect(activityIdIn('nothing here')).toBe('');
  });

  it('hashes the same for the same activity, and differently for another', () => {
    expect(noteHash(activity())).toBe(noteHash(activity()));
    expect(noteHash(activity({ id: 'act_2' }))).not.toBe(noteHash(activity()));
  });
});
