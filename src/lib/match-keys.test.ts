// The duplicates report's keys: one phone written many ways is one key, and names compare
// without case or spacing.
import { describe, expect, it } from 'vitest';
import { foldText, organizationNameKey, personNameKey, phoneKey } from './match-keys.js';

describe('phoneKey', () => {
  it('keeps digits and a leading +, reading 00 as + and dropping (0) and an extension', () => {
    const same = ['+41 44 123 45 67', '0041 44 123 45 67', '+41 (0)44 123-45-67', '+41.44.123.45.67 ext. 12', '+41 44 1234567 x9', '+41441234567#3'];
    for (const written of same) expect(phoneKey(written), written).toBe('+41441234567');
    expect(phoneKey('044 123 45 67')).toBe('0441234567');
    expect(phoneKey('(555) 010-9999')).toBe('5550109999');
  });
  it('gives no key to nothing, or to too few digits', () => {
    expect(phoneKey(null)).toBeNull();
    expect(phoneKey('')).toBeNull();
    expect(phoneKey('n/a')).toBeNull();
    expect(phoneKey('+1 23')).toBeNull();
  });
});

describe('name keys', () => {
  it('fold case, outer and inner spacing', () => {
    expect(foldText('  Ada\t LOVELACE ')).toBe('ada lovelace');
    expect(personNameKey(' ada', 'LOVELACE ', 'Analytical  Engines')).toBe('ada lovelace|analytical engines');
    expect(organizationNameKey(' Zeta  Labs')).toBe('zeta labs');
  });
  it('need a name, and for a person an organization too', () => {
    expect(personNameKey('Ada', 'Lovelace', null)).toBeNull();
    expect(personNameKey(null, ' ', 'Acme')).toBeNull();
    expect(personNameKey(null, 'Lovelace', 'Acme')).toBe('lovelace|acme');
    expect(organizationNameKey('  ')).toBeNull();
  });
});
