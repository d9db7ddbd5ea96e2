// Deal input validation and link checks, without a database.
import { describe, expect, it } from 'vitest';
import { linkProblems, validateDealPatch } from './deal-input.js';

describe('deal input', () => {
  it('normalizes what it can and keeps only the fields present', () => {
    const checked = validateDealPatch({ currency: ' eur ', amount: 12.5, pipeline: null, customerIds: ['b', 'a', 'b'], closeDate: '' }, []);
    expect(checked).toEqual({ ok: true, patch: { values: { currency: 'EUR', amount: '12.5', pipeline: 'default', customerIds: ['a', 'b'], closeDate: null }, custom: {} } });
  });

  it('lists every bad field', () => {
    const checked = validateDealPatch({ currency: 'EUROS', amount: '1e5', stage: '-x', customerIds: [1], colour: 'red' }, []);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems.map((p) => p.field)).toEqual(['currency', 'amount', 'stage', 'customerIds', 'colour']);
  });

  it('refuses links to ids that are not live records or members of the workspace', () => {
    const targets = { customers: new Set(['cus_1']), organizations: new Set(['org_1']), members: new Set(['usr_1']) };
    expect(linkProblems({ customerIds: ['cus_1'], organizationId: 'org_1', ownerUserId: 'usr_1' }, targets)).toEqual([]);
    expect(linkProblems({ customerIds: ['cus_1', 'cus_2'], organizationId: 'org_2', ownerUserId: 'usr_2' }, targets).map((p) => p.field)).toEqual(['customerIds', 'organizationId', 'ownerUserId']);
  });
});
