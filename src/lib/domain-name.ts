// An organization's web domain, normalized into the key two organizations are compared by (the
// Duplicate rule) and a HubSpot company is matched by: lower case, no scheme, no `www.`, no
// user, port, path, query or fragment, no trailing dot; Unicode names in their ASCII (punycode)
// form, so `Bücher.example` and `xn--bcher-kva.example` are one domain. Pure.
import { domainToASCII } from 'node:url';

export type DomainVerdict = { ok: true; key: string } | { ok: false; reason: string };

/** A domain name's longest text form (RFC 1035). */
export const MAX_DOMAIN_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Normalizes `https://WWW.Example.com:8080/about?x` to `example.com`, or says why the text is
 * not a domain. Accepts what people paste: a bare domain, a website address, `www.` forms.
 */
export function normalizeDomain(text: string): DomainVerdict {
  let host = text.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^\/\//, '');
  host = host.split(/[/?#\\]/, 1)[0]!;
  host = host.slice(host.lastIndexOf('@') + 1).replace(/:\d*$/, '').replace(/\.$/, '');
  if (host === '') return { ok: false, reason: 'names no domain' };
  if (/\s/.test(host)) return { ok: false, reason: 'contains white space' };
  const ascii = /^[\x21-\x7e]*$/.test(host) ? host : domainToASCII(host);
  if (ascii === '') return { ok: false, reason: 'is not a valid internationalized domain name' };
  const key = ascii.startsWith('www.') ? ascii.slice(4) : ascii;
  if (key.length > MAX_DOMAIN_LENGTH) return { ok: false, reason: `is longer than ${MAX_DOMAIN_LENGTH} characters` };
  const labels = key.split('.');
  if (labels.length < 2) return { ok: false, reason: 'needs a dot and a top-level domain, such as example.com' };
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) return { ok: false, reason: `"${bad}" is not a valid part of a domain name (letters, digits and inner hyphens only)` };
  if (!TOP_LEVEL.test(labels.at(-1)!)) return { ok: false, reason: `its top-level domain "${labels.at(-1)}" is not two or more letters` };
  return { ok: true, key };
}
