// Turns loosely-typed input into a validated activity, naming every failing field. Pure: which
// linked records exist is checked by the service. Activities are appended, never edited, so
// there is no partial change here: an input is a whole activity.
import { MAX_TEXT, validateExternalId, validateText, validateTimestamp, type FieldProblem, type FieldResult } from '../../records/index.js';
import { ACTIVITY_TYPES, type ActivityTicket, type ActivityType } from '../../store/index.js';

// The types are the stored vocabulary (store/activity.repository.ts), shared with the notes adapter.
export { ACTIVITY_TYPES, type ActivityType } from '../../store/index.js';

/** Length limits (README "What the customer, deal and activity APIs accept"). */
export const ACTIVITY_LIMITS = { title: 500, details: MAX_TEXT, ticketNumber: 100, ticketStatus: 100, ticketUrl: 2048, id: 100 } as const;

export interface ActivityInput {
  externalId: string | null;
  customerId: string;
  organizationId: string | null;
  dealId: string | null;
  type: ActivityType;
  occurredAt: number;
  title: string;
  details: string | null;
  ticket: ActivityTicket | null;
}

const FIELDS = new Set(['externalId', 'customerId', 'organizationId', 'dealId', 'type', 'occurredAt', 'title', 'details', 'ticket']);

function id(raw: unknown, required: boolean): FieldResult<string | null> {
  if (raw === null || raw === undefined || raw === '') return required ? { ok: false, message: 'is required' } : { ok: true, value: null };
  if (typeof raw !== 'string' || raw.length > ACTIVITY_LIMITS.id) return { ok: false, message: 'must be an id this API hands out' };
  return { ok: true, value: raw };
}

function url(raw: unknown): FieldResult<string | null> {
  const text = validateText(raw, ACTIVITY_LIMITS.ticketUrl);
  if (!text.ok || text.value === null) return text;
  let parsed: URL | undefined;
  try {
    parsed = new URL(text.value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return { ok: false, message: 'must be an http(s) link back to the ticket' };
  return text;
}

function ticket(raw: unknown, problems: FieldProblem[]): ActivityTicket | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ field: 'ticket', message: 'must be an object { number, status, url }' });
    return null;
  }
  const input = raw as Record<string, unknown>;
  const parts: [keyof ActivityTicket, FieldResult<string | null>][] = [
    ['number', validateText(input['number'], ACTIVITY_LIMITS.ticketNumber)],
    ['status', validateText(input['status'], ACTIVITY_LIMITS.ticketStatus)],
    ['url', url(input['url'])],
  ];
  const out: Partial<ActivityTicket> = {};
  for (const [key, result] of parts) {
    if (!result.ok) problems.push({ field: `ticket.${key}`, message: result.message });
    else if (result.value === null) problems.push({ field: `ticket.${key}`, message: 'is required for a support ticket' });
    else out[key] = result.value;
  }
  const unknown = Object.keys(input).find((k) => !['number', 'status', 'url'].includes(k));
  if (unknown) problems.push({ field: `ticket.${unknown}`, message: 'is not a ticket field' });
  return out.number && out.status && out.url ? (out as ActivityTicket) : null;
}

/** Checks a whole activity: type, occurredAt and title are required; a support ticket needs its ticket. */
export function validateActivity(input: Record<string, unknown>): { ok: true; activity: ActivityInput } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const take = <T>(field: string, result: FieldResult<T>): T | null => {
    if (result.ok) return result.value;
    problems.push({ field, message: result.message });
    return null;
  };
  for (const key of Object.keys(input)) if (!FIELDS.has(key)) problems.push({ field: key, message: 'is not an activity field' });
  const type = input['type'];
  if (typeof type !== 'string' || !(ACTIVITY_TYPES as readonly string[]).includes(type)) {
    problems.push({ field: 'type', message: `must be one of ${ACTIVITY_TYPES.join(', ')}` });
  }
  const occurredAt = take('occurredAt', validateTimestamp(input['occurredAt']));
  const title = take('title', validateText(input['title'], ACTIVITY_LIMITS.title));
  if (title === null && !problems.some((p) => p.field === 'title')) problems.push({ field: 'title', message: 'is required' });
  const details = take('details', validateText(input['details'], ACTIVITY_LIMITS.details));
  const customerId = take('customerId', id(input['customerId'], true));
  const organizationId = take('organizationId', id(input['organizationId'], false));
  const dealId = take('dealId', id(input['dealId'], false));
  const externalId = take('externalId', validateExternalId(input['externalId']));
  let ticketValue: ActivityTicket | null = null;
  const hasTicket = input['ticket'] !== undefined && input['ticket'] !== null;
  if (type === 'support_ticket_updated') {
    if (!hasTicket) problems.push({ field: 'ticket', message: 'is required for support_ticket_updated: { number, status, url }' });
    else ticketValue = ticket(input['ticket'], problems);
  } else if (hasTicket) {
    problems.push({ field: 'ticket', message: 'only a support_ticket_updated activity carries a ticket' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    activity: { externalId, customerId: customerId!, organizationId, dealId, type: type as ActivityType, occurredAt: occurredAt!, title: title!, details, ticket: ticketValue },
  };
}
