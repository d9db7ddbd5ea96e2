// `hubsync sandbox`: starts the sandbox as a long-running local server and prints its base URL
// and a ready private-app token. The option parsing is a pure function so it is tested without
// starting a process.

import { InvalidArgumentError, type Command } from 'commander';
import { parseFaults, parseLatency } from './faults.js';
import { startSandbox } from './server.js';
import { TIERS, type SandboxOptions, type Tier } from './types.js';

export interface SandboxCliFlags {
  port: string;
  host: string;
  privateAppToken: string[];
  scopes?: string;
  tier: string;
  latency?: string;
  faults?: string;
  searchLag?: string;
  retryAfter?: boolean;
  tokenTtl?: string;
  controlApi: boolean;
  portalId?: string;
  customEvents?: string;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

function nonNegative(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a number ≥ 0, got "${raw}".`);
  return n;
}

/** Turns the command-line flags into `SandboxOptions`; throws commander's InvalidArgumentError on bad input. */
export function sandboxOptionsFromFlags(flags: SandboxCliFlags): SandboxOptions {
  if (!(TIERS as readonly string[]).includes(flags.tier)) {
    throw new InvalidArgumentError(`--tier must be one of ${TIERS.join(', ')}.`);
  }
  const tier = flags.tier as Tier;
  const scopes = flags.scopes ? flags.scopes.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (flags.portalId !== undefined && !/^[1-9]\d{0,14}$/.test(flags.portalId)) {
    throw new InvalidArgumentError(`--portal-id must be a positive whole number, got "${flags.portalId}".`);
  }
  const portalId = flags.portalId === undefined ? undefined : Number(flags.portalId);
  const tokens = flags.privateAppToken.length > 0 ? flags.privateAppToken : [undefined];
  const options: SandboxOptions = {
    port: nonNegative(flags.port, '--port'),
    host: flags.host,
    tier,
    controlApi: flags.controlApi,
    retryAfter: flags.retryAfter === true,
    privateAppTokens: tokens.map((token) => ({
      ...(token === undefined ? {} : { token }),
      ...(portalId === undefined ? {} : { portalId }),
      ...(scopes === undefined ? {} : { scopes }),
      tier,
    })),
  };
  if (flags.latency !== undefined) options.latencyMs = wrap(() => parseLatency(flags.latency!));
  if (flags.faults !== undefined) options.faults = wrap(() => parseFaults(flags.faults!));
  if (flags.searchLag !== undefined) options.searchLagMs = nonNegative(flags.searchLag, '--search-lag');
  if (flags.customEvents !== undefined) {
    if (flags.customEvents !== 'on' && flags.customEvents !== 'off') throw new InvalidArgumentError(`--custom-events must be on or off, got "${flags.customEvents}".`);
    options.customEvents = flags.customEvents === 'on';
  }
  if (flags.tokenTtl !== undefined) options.accessTokenTtlSeconds = nonNegative(flags.tokenTtl, '--token-ttl');
  return options;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `hubsync sandbox` to the main program. */
export function registerSandboxCommand(program: Command): Command {
  return program
    .command('sandbox')
    .description('Run a local HubSpot API sandbox (stateful, with rate limits, OAuth, webhooks and fault injection)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4010')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--private-app-token <token>', 'accept this private-app token (repeatable); one is generated when none is given', collect, [])
    .option('--portal-id <id>', 'portal id for the tokens (default: a new portal)')
    .option('--scopes <list>', 'comma-separated scopes for the tokens (default: every scope hubsync uses)')
    .option('--tier <tier>', `rate-limit tier: ${TIERS.join('|')}`, 'pro')
    .option('--latency <ms>', 'added latency per request: 50 or a range 50-200')
    .option('--faults <list>', 'fault probabilities, e.g. 429=0.02,500=0.01,timeout=0.005,drop=0.001')
    .option('--search-lag <ms>', 'new or changed records become searchable after this many milliseconds')
    .option('--retry-after', 'add a Retry-After header to 429 answers (HubSpot sends none)')
    .option('--custom-events <on|off>', 'whether portals have custom behavioral events (an Enterprise hub); without them the events API answers 403 (default: enterprise tier only)')
    .option('--token-ttl <seconds>', 'OAuth access-token lifetime in seconds', '1800')
    .option('--no-control-api', 'do not serve the /_sandbox control API')
    .action(async (flags: SandboxCliFlags, command: Command) => {
      let options: SandboxOptions;
      try {
        options = sandboxOptionsFromFlags(flags);
      } catch (err) {
        if (err instanceof InvalidArgumentError) command.error(`error: ${err.message}`, { exitCode: 1, code: err.code });
        throw err;
      }
      const sandbox = await startSandbox(options);
      const lines = [
        `HubSpot sandbox listening on ${sandbox.baseUrl}`,
        ...sandbox.privateAppTokens.map((t) => `private-app token: ${t.token} (portal ${t.portalId})`),
        flags.controlApi ? `control API: ${sandbox.baseUrl}/_sandbox` : 'control API: off',
        'Press Ctrl+C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      const stop = (): void => {
        void sandbox.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
