// Activity validation without a database: required fields, the support ticket's payload.
import { describe, expect, it } from 'vitest';
import { ACTIVITY_TYPES, validateActivity } from './activity-input.js';

const base = { type: 'other', occurredAt: '2026-01-15T10:00:00Z', title: 'Hello', customerId: 'cus_1' };
const ticket = { number: 'T-1', status: 'open', url: 'http://help.example.com/1' };

describe('activity input', () => {
  it('accepts every type, the support ticket with its ticket', () => {
    for (const type of ACTIVITY_TYPES) {
      const checked = validateActivity({ ...base, type, ...(type === 'support_ticket_updated' ? { ticket } : {}) });
      expect(checked.ok, type).toBe(true);
    }
    expect(validateActivity({ ...base, type: 'support_ticket_updated', ticket })).toMatchObject({ ok: true, activity: { ticket, occurredAt: Date.parse(base.occurredAt), details: null, externalId: null } });
  });

  it('requires the ticket exactly for support tickets, with an http(s) link', () => {
    const fields = (input: Record<string, unknown>) => {
      const checked = validateActivity(input);
      return checked.ok ? [] : checked.problems.map((p) => p.field);
    };
    expect(fields({ ...base, type: 'support_ticket_updated' })).toEqual(['ticket']);
    expect(fields({ ...base, type: 'support_ticket_updated', ticket: { ...ticket, url: 'ftp://x.example.com' } })).toEqual(['ticket.url']);
    expect(fields({ ...base, type: 'support_ticket_updated', ticket: { number: '', status: 'open', url: ticket.url } })).toEqual(['ticket.number']);
    expect(fields({ ...base, ticket })).toEqual(['ticket']);
    expect(fields({ type: 'nope' })).toEqual(['type', 'occurredAt', 'title', 'customerId']);
  });
});
