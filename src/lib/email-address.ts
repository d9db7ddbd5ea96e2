// The one email address rule of hubsync, for customers, users and the check before pushing a
// contact. It follows what HubSpot accepts for a contact email: one "@", a local part of
// letters, digits and the usual specials (dots inside, not doubled), a domain of at least two
// dotted labels (letters, digits, inner hyphens; non-ASCII letters allowed, so IDN addresses
// pass) ending in a top-level domain of two or more letters. HubSpot answers anything else with
// INVALID_EMAIL ("Email address x is invalid"). Each refusal says why, so a person can fix it.

export type EmailVerdict = { ok: true } | { ok: false; reason: string };

export const MAX_EMAIL_LENGTH = 254;
const LOCAL_CHAR = /[\p{L}\p{N}\p{M}!#$%&'*+/=?^_`{|}~.-]/u;
const LABEL_CHAR = /[\p{L}\p{N}\p{M}-]/u;
const TLD = /^(?:[\p{L}\p{M}]{2,}|xn--[a-z0-9-]+)$/iu;

function firstBadChar(text: string, allowed: RegExp): string | undefined {
  return [...text].find((ch) => !allowed.test(ch));
}

const shown = (ch: string) => (/[\p{C}]/u.test(ch) ? `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `"${ch}"`);

/**
 * Whether `value` is an email address HubSpot accepts, and if not, why.
 *
 * @example
 * checkEmailAddress('zoë@exämple.ch')   // { ok: true }
 * checkEmailAddress('a@b.c')            // { ok: false, reason: 'its top-level domain "c" has fewer than two letters' }
 */
export function checkEmailAddress(value: string): EmailVerdict {
  const no = (reason: string): EmailVerdict => ({ ok: false, reason });
  if (value.length > MAX_EMAIL_LENGTH) return no(`it is longer than ${MAX_EMAIL_LENGTH} characters`);
  if (/\s/u.test(value)) return no('it contains white space');
  const at = value.lastIndexOf('@');
  if (at < 0) return no('it has no "@"');
  if (value.indexOf('@') !== at) return no('it has more than one "@"');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local === '') return no('it has nothing before the "@"');
  if (local.length > 64) return no('it has more than 64 characters before the "@"');
  const badLocal = firstBadChar(local, LOCAL_CHAR);
  if (badLocal !== undefined) return no(`it contains ${shown(badLocal)} before the "@"`);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return no('a dot before the "@" is at the start, at the end or doubled');
  if (domain === '') return no('it has nothing after the "@"');
  const badDomain = firstBadChar(domain.replaceAll('.', ''), LABEL_CHAR);
  if (badDomain !== undefined) return no(`its domain contains ${shown(badDomain)}`);
  const labels = domain.split('.');
  if (labels.length < 2) return no(`its domain "${domain}" has no dot`);
  if (labels.some((l) => l === '')) return no(`its domain "${domain}" has an empty part`);
  if (labels.some((l) => l.length > 63)) return no('a part of its domain is longer than 63 characters');
  if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) return no('a part of its domain starts or ends with "-"');
  const tld = labels.at(-1)!;
  if (!TLD.test(tld)) return no(tld.length < 2 ? `its top-level domain "${tld}" has fewer than two letters` : `its top-level domain "${tld}" is not made of letters`);
  return { ok: true };
}
