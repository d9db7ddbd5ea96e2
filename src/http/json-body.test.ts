// The JSON body parser: UTF-8 only, and keys that could reach a prototype refused by name.
import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/index.js';
import { findForbiddenKey, parseJsonBody } from './json-body.js';

function refusal(text: string | Buffer): AppError {
  try {
    parseJsonBody(typeof text === 'string' ? Buffer.from(text) : text);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseJsonBody', () => {
  it('parses ordinary JSON, keys named like Object methods included', () => {
    expect(parseJsonBody(Buffer.from('{"custom":{"constructor":"ACME","toString":"x"},"tags":["proto"]}'))).toEqual({ custom: { constructor: 'ACME', toString: 'x' }, tags: ['proto'] });
  });

  it('names __proto__ and where it was, however it is spelled in the JSON text', () => {
    const error = refusal('{"customers":[{"ok":1},{"custom":{"\\u005f_proto__":{"admin":true}}}]}');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual({ field: 'customers.1.custom.__proto__', key: '__proto__' });
    expect(error.message).toBe('customers.1.custom.__proto__: the key "__proto__" is not allowed in a request body.');
  });

  it('names constructor.prototype, but not a constructor key without one', () => {
    expect(refusal('{"a":{"constructor":{"prototype":{"polluted":true}}}}').details).toEqual({ field: 'a.constructor.prototype', key: 'constructor.prototype' });
    expect(findForbiddenKey({ constructor: { name: 'x' } })).toBeUndefined();
  });

  it('refuses bytes that are not UTF-8 rather than replacing them', () => {
    expect(refusal(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])).message).toBe('The request body is not valid UTF-8.');
  });

  it('refuses empty and malformed bodies as INVALID_JSON', () => {
    expect(refusal('  ').code).toBe('INVALID_JSON');
    expect(refusal('{"a": ').code).toBe('INVALID_JSON');
  });

  it('walks deeply nested input without running out of stack', () => {
    const depth = 50_000;
    const nested = JSON.parse(`${'['.repeat(depth)}{"__proto__":1}${']'.repeat(depth)}`) as unknown;
    expect(findForbiddenKey(nested)?.key).toBe('__proto__');
  });
});
