import { describe, expect, it } from 'vitest';
import { defaultProperties } from './default-properties.js';
import { checkPropertyValues, parseDateValue, toPropertyString } from './property-values.js';

const contactDefs = new Map(defaultProperties('contacts').map((p) => [p.name, p]));
const dealDefs = new Map(defaultProperties('deals').map((p) => [p.name, p]));

describe('property value checks', () => {
  it('turns numbers, booleans and null into HubSpot strings', () => {
    expect(toPropertyString(10000)).toBe('10000');
    expect(toPropertyString(true)).toBe('true');
    expect(toPropertyString(null)).toBe('');
  });

  it('lower-cases valid emails and rejects invalid ones with INVALID_EMAIL', () => {
    expect(checkPropertyValues(contactDefs, { email: ' Ann@Example.COM ' }, 1).values).toEqual({ email: 'ann@example.com' });
    const { problems } = checkPropertyValues(contactDefs, { email: 'example.lcom' }, 1);
    expect(problems).toEqual([{ isValid: false, message: 'Email address example.lcom is invalid', error: 'INVALID_EMAIL', name: 'email' }]);
  });

  it('checks enumeration options and names them in the message', () => {
    const { problems } = checkPropertyValues(contactDefs, { lifecyclestage: 'vip' }, 1);
    expect(problems[0]).toMatchObject({
      error: 'INVALID_OPTION',
      name: 'lifecyclestage',
      message: 'vip was not one of the allowed options: [subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist, other]',
    });
  });

  it('reports unknown properties as PROPERTY_DOESNT_EXIST with the portal id', () => {
    const { problems } = checkPropertyValues(contactDefs, { testproperty: 'x' }, 42);
    expect(problems[0]).toEqual({
      isValid: false,
      message: 'Property "testproperty" does not exist',
      error: 'PROPERTY_DOESNT_EXIST',
      name: 'testproperty',
      localizedErrorMessage: 'Property "testproperty" does not exist',
      portalId: 42,
    });
  });

  it('refuses values for read-only properties', () => {
    expect(checkPropertyValues(contactDefs, { hs_object_id: '5' }, 1).problems[0]?.error).toBe('READ_ONLY_VALUE');
  });

  it('lets "" clear any property without type checks', () => {
    expect(checkPropertyValues(dealDefs, { amount: '', closedate: '' }, 1)).toEqual({ values: { amount: '', closedate: '' }, problems: [] });
  });

  it('normalises dates from epoch ms and date-only strings, and rejects garbage', () => {
    const ok = checkPropertyValues(dealDefs, { closedate: '1767225600000' }, 1);
    expect(ok.values['closedate']).toBe('2026-01-01T00:00:00.000Z');
    expect(checkPropertyValues(dealDefs, { closedate: '2026-02-03' }, 1).values['closedate']).toBe('2026-02-03T00:00:00Z');
    expect(checkPropertyValues(dealDefs, { closedate: 'soon' }, 1).problems[0]?.error).toBe('INVALID_DATE');
    expect(parseDateValue('2026-01-01T10:00:00Z')).toBe(Date.UTC(2026, 0, 1, 10));
  });

  it('checks numbers', () => {
    expect(checkPropertyValues(dealDefs, { amount: 12.5 }, 1).values['amount']).toBe('12.5');
    expect(checkPropertyValues(dealDefs, { amount: 'lots' }, 1).problems[0]?.error).toBe('INVALID_LONG');
  });
});
