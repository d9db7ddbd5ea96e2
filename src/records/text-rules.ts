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
