// Rules every record type applies to text: what hubsync will not store, and the host app's
// externalId. Pure, shared by customers, organizations, deals and activities.

export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** The host application's id for a record. */
export const MAX_EXTERNAL_ID = 255;

// In a `u` regex a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text hubsync will not store: the NUL character (PostgreSQL cannot hold it, and no field needs
 * it) and unpaired UTF-16 surrogates (not Unicode text; JSON can smuggle them in as \ud800).
 * Returns the problem, or null when the text is fine.
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired surrogate, which is not valid Unicode text';
  return null;
}

/** The externalId: text of at most 255 characters; null or "" clears it. */
export function validateExternalId(raw: unknown): FieldResult<string | null> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, message: 'must be text (or null to clear it)' };
  const problem = textProblem(raw);
  if (problem) return { ok: false, message: problem };
  if (raw.length > MAX_EXTERNAL_ID) return { ok: false, message: `must be at most ${MAX_EXTERNAL_ID} characters` };
  return { ok: true, value: raw };
}

/**
 * Optional text of at most `max` characters, trimmed; null, undefined and "" mean no value.
 * Returns the problem as a message.
 */
export function validateText(raw: unknown, max: number): FieldResult<string | null> {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, message: 'must be text' };
  const problem = textProblem(raw);
  if (problem) return { ok: false, message: problem };
  const value = raw.trim();
  if (value === '') return { ok: true, value: null };
  if (value.length > max) return { ok: false, message: `must be at most ${max} characters` };
  return { ok: true, value };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date written `YYYY-MM-DD` that exists (no 2026-02-30). */
export function validateCalendarDate(raw: unknown): FieldResult<string> {
  if (typeof raw !== 'string' || !ISO_DATE.test(raw)) return { ok: false, message: 'must be a date written YYYY-MM-DD' };
  const date = new Date(`${raw}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw) return { ok: false, message: `${raw} is not a real calendar date` };
  return { ok: true, value: raw };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A point in time in ISO 8601 with seconds and a zone (`Z` or an offset), as epoch ms.
 * 2026-02-30T00:00:00Z is refused, not rolled over to March.
 */
export function validateTimestamp(raw: unknown): FieldResult<number> {
  const refused = { ok: false, message: 'must be an ISO 8601 time with a zone, such as 2026-01-01T09:30:00Z' } as const;
  if (typeof raw !== 'string' || !ISO_TIME.test(raw)) return refused;
  const day = validateCalendarDate(raw.slice(0, 10));
  const ms = Date.parse(raw);
  if (!day.ok || Number.isNaN(ms)) return { ok: false, message: `${raw} is not a real calendar time` };
  return { ok: true, value: ms };
}
