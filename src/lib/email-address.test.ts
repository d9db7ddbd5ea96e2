import { describe, expect, it } from 'vitest';
import { checkEmailAddress } from './email-address.js';

const reason = (value: string) => {
  const verdict = checkEmailAddress(value);
  return verdict.ok ? null : verdict.reason;
};

describe('the one email rule', () => {
  it.each([
    'ann@example.com',
    "o'brien+tag@mail.example.co.uk",
    'first.last@example.io',
    'zoë@exämple.ch', // IDN: HubSpot takes non-ASCII letters
    'user@xn--exmple-cua.ch',
    'x_1-2@sub-domain.example.museum',
  ])('accepts %s', (value) => {
    expect(checkEmailAddress(value)).toEqual({ ok: true });
  });

  it.each([
    ['x@example.com<script>', 'its domain contains "<"'],
    ['a@b.c', 'its top-level domain "c" has fewer than two letters'],
    ['bad@nowhere', 'its domain "nowhere" has no dot'],
    ['ann example.com', 'it contains white space'],
    ['ann.example.com', 'it has no "@"'],
    ['a@b@example.com', 'it has more than one "@"'],
    ['@example.com', 'it has nothing before the "@"'],
    ['ann@', 'it has nothing after the "@"'],
    ['.ann@example.com', 'a dot before the "@" is at the start, at the end or doubled'],
    ['an..n@example.com', 'a dot before the "@" is at the start, at the end or doubled'],
    ['<ann>@example.com', 'it contains "<" before the "@"'],
    ['ann@example..com', 'its domain "example..com" has an empty part'],
    ['ann@-example.com', 'a part of its domain starts or ends with "-"'],
    ['ann@example.123', 'its top-level domain "123" is not made of letters'],
    ['ann\u0000@example.com', 'it contains U+0000 before the "@"'],
    [`${'a'.repeat(65)}@example.com`, 'it has more than 64 characters before the "@"'],
    [`a@${'b'.repeat(250)}.com`, 'it is longer than 254 characters'],
  ])('refuses %s: %s', (value, why) => {
    expect(reason(value)).toBe(why);
  });
});
