// The field rules every record type applies (text, externalId, dates and times), without a database.
import { describe, expect, it } from 'vitest';
import { validateCalendarDate, validateExternalId, validateText, validateTimestamp } from './fields.js';

describe('text rules', () => {
  it('trims text, treats blank as no value, and names NUL, lone surrogates and lengths', () => {
    expect(validateText('  Zoë 😀  ', 10)).toEqual({ ok: true, value: 'Zoë 😀' });
    expect(validateText('   ', 10)).toEqual({ ok: true, value: null });
    expect(validateText('a\u0000', 10)).toMatchObject({ ok: false, message: expect.stringContaining('NUL') });
    expect(validateText('\ud800', 10)).toMatchObject({ ok: false, message: expect.stringContaining('unpaired surrogate') });
    expect(validateText('x'.repeat(11), 10)).toEqual({ ok: false, message: 'must be at most 10 characters' });
    expect(validateText(5, 10)).toEqual({ ok: false, message: 'must be text' });
  });

  it('checks external ids', () => {
    expect(validateExternalId('')).toEqual({ ok: true, value: null });
    expect(validateExternalId(7)).toMatchObject({ ok: false });
    expect(validateExternalId('e'.repeat(256))).toMatchObject({ ok: false });
  });

  it('accepts real calendar dates and times with a zone only', () => {
    expect(validateCalendarDate('2028-02-29')).toEqual({ ok: true, value: '2028-02-29' });
    expect(validateCalendarDate('2026-02-29')).toMatchObject({ ok: false, message: '2026-02-29 is not a real calendar date' });
    expect(validateCalendarDate('2026-1-01')).toMatchObject({ ok: false });
    expect(validateTimestamp('2026-01-01T01:00:00+01:00')).toEqual({ ok: true, value: Date.parse('2026-01-01T00:00:00Z') });
    expect(validateTimestamp('2026-01-01T00:00:00')).toMatchObject({ ok: false });
    expect(validateTimestamp('2026-04-31T00:00:00Z')).toMatchObject({ ok: false, message: expect.stringContaining('not a real calendar time') });
  });
});
