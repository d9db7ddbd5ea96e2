// The keys two records are compared by to find likely duplicates (the duplicates report):
// a phone number reduced to its digits, and a person's or a company's name folded. Pure, and
// stored beside the record (`phone_key`, `name_key`) so the report groups by an index.

/** Fewer digits than this are an extension or a typo, not a number worth comparing. */
const MIN_PHONE_DIGITS = 5;

/**
 * A phone number as digits, with a leading `+` kept (`00` as the international prefix becomes
 * `+`); an extension (`ext. 12`, `x12`, `#12`) is dropped. Null when too short to compare.
 *
 * @example phoneKey('+41 (0)44 123 45 67') // '+41441234567'
 * @example phoneKey('0044 20 7946 0958 ext. 12') // '+442079460958'
 */
export function phoneKey(raw: string | null | undefined): string | null {
  if (!raw) return null;
  // "(0)" is the trunk prefix written beside a country code: +41 (0)44 … is dialled +41 44 ….
  const main = raw.trim().replace(/\s*(?:ext\.?|extension|x|#)\s*\d+\s*$/i, '').replace(/\(0\)/g, '');
  let digits = main.replace(/\D/g, '');
  let plus = main.startsWith('+');
  if (!plus && digits.startsWith('00')) {
    digits = digits.slice(2);
    plus = true;
  }
  if (digits.length < MIN_PHONE_DIGITS) return null;
  return plus ? `+${digits}` : digits;
}

/** Text folded for comparison: trimmed, lower case, inner runs of space as one. */
export function foldText(raw: string | null | undefined): string {
  return (raw ?? '').normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * A customer's name and organization (the Company field) as one key; null unless both a name
 * and an organization are known (a shared first name alone says little).
 *
 * @example personNameKey('Ada ', 'Lovelace', 'Analytical  Engines') // 'ada lovelace|analytical engines'
 */
export function personNameKey(firstName: string | null, lastName: string | null, organization: string | null): string | null {
  const name = foldText(`${firstName ?? ''} ${lastName ?? ''}`);
  const org = foldText(organization);
  return name === '' || org === '' ? null : `${name}|${org}`;
}

/** An organization's name folded; null when it has none. */
export function organizationNameKey(name: string | null): string | null {
  const key = foldText(name);
  return key === '' ? null : key;
}
