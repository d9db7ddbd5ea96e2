import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSandboxCommand, sandboxOptionsFromFlags, type SandboxCliFlags } from './cli.js';

const base: SandboxCliFlags = { port: '4010', host: '127.0.0.1', privateAppToken: [], tier: 'pro', controlApi: true };

describe('hubsync sandbox flags', () => {
  it('maps every flag to a sandbox option', () => {
    const options = sandboxOptionsFromFlags({
      ...base,
      privateAppToken: ['pat-na1-a', 'pat-na1-b'],
      scopes: 'crm.objects.contacts.read, oauth',
      tier: 'free',
      latency: '50-200',
      faults: '429=0.02,500=0.01,timeout=0.005',
      searchLag: '2000',
      retryAfter: true,
      tokenTtl: '60',
      controlApi: false,
      portalId: '123',
      customEvents: 'off',
    });
    expect(options).toMatchObject({
      port: 4010,
      host: '127.0.0.1',
      tier: 'free',
      latencyMs: [50, 200],
      faults: { '429': 0.02, '500': 0.01, timeout: 0.005 },
      searchLagMs: 2000,
      retryAfter: true,
      accessTokenTtlSeconds: 60,
      controlApi: false,
      customEvents: false,
    });
    expect(options.privateAppTokens).toEqual([
      { token: 'pat-na1-a', portalId: 123, scopes: ['crm.objects.contacts.read', 'oauth'], tier: 'free' },
      { token: 'pat-na1-b', portalId: 123, scopes: ['crm.objects.contacts.read', 'oauth'], tier: 'free' },
    ]);
  });

  it('asks for one generated token when none is given', () => {
    expect(sandboxOptionsFromFlags(base).privateAppTokens).toEqual([{ tier: 'pro' }]);
  });

  it('rejects unknown tiers, faults, latencies and portal ids that are not positive whole numbers', () => {
    expect(() => sandboxOptionsFromFlags({ ...base, tier: 'gold' })).toThrow(/--tier/);
    expect(() => sandboxOptionsFromFlags({ ...base, customEvents: 'yes' })).toThrow(/--custom-events/);
    expect(() => sandboxOptionsFromFlags({ ...base, faults: 'boom=1' })).toThrow(/Unknown fault/);
    expect(() => sandboxOptionsFromFlags({ ...base, latency: 'slow' })).toThrow(/Latency/);
    for (const portalId of ['0', '1.5', '-3', 'abc', '1e5']) {
      expect(() => sandboxOptionsFromFlags({ ...base, portalId })).toThrow(`--portal-id must be a positive whole number, got "${portalId}".`);
    }
  });

  it('registers a sandbox subcommand with help for every option', () => {
    const program = new Command('hubsync');
    registerSandboxCommand(program);
    const sandbox = program.commands.find((c) => c.name() === 'sandbox');
    const help = sandbox?.helpInformation() ?? '';
    for (const flag of ['--port', '--host', '--private-app-token', '--scopes', '--tier', '--latency', '--faults', '--search-lag', '--retry-after', '--custom-events', '--no-control-api']) {
      expect(help).toContain(flag);
    }
  });
});
