import { describe, expect, it } from 'vitest';
import { normalizeDomain } from './domain-name.js';

describe('normalizeDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  Example.COM ', 'example.com'],
    ['https://www.Example.com:8443/about?x=1#top', 'example.com'],
    ['http://user@shop.example.co.uk/', 'shop.example.co.uk'],
    ['//www.example.org', 'example.org'],
    ['example.com.', 'example.com'],
    ['Bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['www.wwwexample.com', 'wwwexample.com'],
  ])('%s → %s', (text, key) => {
    expect(normalizeDomain(text)).toEqual({ ok: true, key });
  });

  it.each([['localhost'], ['exa mple.com'], ['-bad.com'], ['example.c'], ['example.123'], [''], ['https://'], [`${'a'.repeat(250)}.com`]])('refuses %j', (text) => {
    expect(normalizeDomain(text).ok).toBe(false);
  });
});
