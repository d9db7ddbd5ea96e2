import { describe, expect, it } from 'vitest';
import { parseExistingContactId, parseRequiredScopes, parseValidationErrors, readErrorBody } from './error-parsing.js';

describe('parseValidationErrors', () => {
  it('reads the recorded INVALID_EMAIL message', () => {
    const message =
      'Property values were not valid: [{"isValid":false,"message":"Email address example.lcom is invalid","error":"INVALID_EMAIL","name":"email"}]';
    expect(parseValidationErrors(message)).toEqual([
      { name: 'email', error: 'INVALID_EMAIL', message: 'Email address example.lcom is invalid' },
    ]);
  });

  it('reads several properties, including PROPERTY_DOESNT_EXIST and INVALID_OPTION', () => {
    const message = `Property values were not valid: ${JSON.stringify([
      { isValid: false, message: 'Property "testproperty" does not exist', error: 'PROPERTY_DOESNT_EXIST', name: 'testproperty' },
      { isValid: false, message: 'reports was not one of the allowed options: [A, B]', error: 'INVALID_OPTION', name: 'hs_ticket_category' },
    ])}`;
    expect(parseValidationErrors(message).map((e) => [e.name, e.error])).toEqual([
      ['testproperty', 'PROPERTY_DOESNT_EXIST'],
      ['hs_ticket_category', 'INVALID_OPTION'],
    ]);
  });

  it('returns nothing for a cut-off message or another message', () => {
    expect(parseValidationErrors('Property values were not valid: [{"isValid":false,"message":"reports was not one of')).toEqual([]);
    expect(parseValidationErrors('Contact already exists. Existing ID: 1')).toEqual([]);
    expect(parseValidationErrors(undefined)).toEqual([]);
  });
});

describe('parseExistingContactId', () => {
  it('reads the id from the 409 message', () => {
    expect(parseExistingContactId('Contact already exists. Existing ID: 37765128953')).toBe('37765128953');
  });
  it('is undefined when the message names no id', () => {
    expect(parseExistingContactId('Contact already exists. Existing ID: XXX1')).toBeUndefined();
    expect(parseExistingContactId(undefined)).toBeUndefined();
  });
});

describe('parseRequiredScopes', () => {
  it('reads granular scopes and the older requiredScopes form', () => {
    const granular = readErrorBody({
      category: 'MISSING_SCOPES',
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: ['crm.schemas.deals.read', 'crm.objects.deals.read'] },
        },
      ],
    });
    expect(parseRequiredScopes(granular)).toEqual(['crm.schemas.deals.read', 'crm.objects.deals.read']);
    const older = readErrorBody({ errors: [{ message: 'x', context: { requiredScopes: ['contacts'] } }] });
    expect(parseRequiredScopes(older)).toEqual(['contacts']);
  });
});

describe('readErrorBody', () => {
  it('keeps only well-typed fields and survives non-objects', () => {
    expect(readErrorBody('<html>bad gateway</html>')).toEqual({});
    expect(readErrorBody({ message: 7, category: 'CONFLICT', errors: [{ message: 'm', code: 'C' }, 'junk'] })).toEqual({
      category: 'CONFLICT',
      errors: [{ message: 'm', code: 'C' }],
    });
  });
});
