// HUBSYNC_TRUST_PROXY, HUBSYNC_OPEN_WORKSPACE_CREATION and HUBSPOT_API_KEY as the environment spells them.
import { describe, expect, it } from 'vitest';
import { ConfigError, fastifyTrustProxy, loadConfig, parseTrustProxy } from './config.js';

describe('HUBSYNC_TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8', ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ] as const)('reads %s', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  it.each(['yes', '10.0.0.0/33', 'proxy.example.com', '1.2.3.4/8/1'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ HUBSYNC_TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ HUBSYNC_TRUST_PROXY: value })).toThrow(/HUBSYNC_TRUST_PROXY/);
  });

  it('is off by default', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it('a hop count trusts that many proxies nearest to hubsync', () => {
    const trust = fastifyTrustProxy(1);
    expect(typeof trust).toBe('function');
    const decide = trust as (address: string, hop: number) => boolean;
    expect([decide('10.0.0.1', 0), decide('10.0.0.2', 1)]).toEqual([true, false]);
  });
});

describe('HUBSYNC_OPEN_WORKSPACE_CREATION', () => {
  it('is off unless set to true', () => {
    expect(loadConfig({}).openWorkspaceCreation).toBe(false);
    expect(loadConfig({ HUBSYNC_OPEN_WORKSPACE_CREATION: 'true' }).openWorkspaceCreation).toBe(true);
    expect(() => loadConfig({ HUBSYNC_OPEN_WORKSPACE_CREATION: 'maybe' })).toThrow(ConfigError);
  });
});

describe('HUBSPOT_API_KEY', () => {
  it.each(['pat-na1-abc\ndef', 'pat-na1-abc def', 'pat-na1-\u0007bell', 'pat-na1-é'])('refuses %j at start, naming the variable', (value) => {
    expect(() => loadConfig({ HUBSPOT_API_KEY: value })).toThrow(/HUBSPOT_API_KEY: must be the token exactly as HubSpot shows it/);
  });

  it('keeps a token pasted with whitespace around it', () => {
    expect(loadConfig({ HUBSPOT_API_KEY: '  pat-na1-0123abcd\n' }).hubspot.apiKey).toBe('pat-na1-0123abcd');
  });
});
