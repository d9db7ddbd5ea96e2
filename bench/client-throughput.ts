// Client throughput benchmark: how close the HubSpot client gets to the burst limit without
// tripping it. Starts the sandbox in-process at a tier (free: 100 requests / 10 s) with
// injected 5xx faults, has N concurrent callers make cheap GETs through one client and one
// governor, and reports 429s, failures and sustained throughput as a share of the limit.
//
//   node --import tsx bench/client-throughput.ts [--calls 5000] [--concurrency 8] [--tier free] [--fault-5xx 0.02]
//
// 5,000 calls at 100 / 10 s take about 8.5 minutes; `--calls 600` is a quick run.

import { pathToFileURL } from 'node:url';
import { createHubSpotClient, createRateGovernorRegistry, RATE_LIMIT_TIERS, staticToken } from '../src/hubspot/index.js';
import type { CallRecord } from '../src/hubspot/index.js';
import { startSandbox } from '../src/sandbox/index.js';

export type BenchTier = 'free' | 'pro' | 'enterprise' | 'boosted';

export interface ClientThroughputParams {
  calls: number;
  concurrency: number;
  tier: BenchTier;
  /** Share of requests answered with a 5xx (spread over 500/502/503/504). */
  fault5xx: number;
  /** Progress lines; none when omitted. */
  log?: (line: string) => void;
}

export interface ClientThroughputFigures {
  calls: number;
  succeeded: number;
  failed: number;
  failuresByCode: Record<string, number>;
  /** HTTP attempts, including retries. */
  attempts: number;
  /** Attempts answered 5xx (injected faults). */
  serverErrors: number;
  rateLimited429: number;
  rateLimitedPctOfCalls: number;
  wallMs: number;
  burstLimit: number;
  /** Successful calls per 10 s over the whole run. */
  callsPer10s: number;
  throughputPctOfLimit: number;
  /** Successful calls per 10 s, leaving out the initial burst (NaN for runs shorter than one window). */
  steadyCallsPer10s: number;
  steadyThroughputPctOfLimit: number;
  /** All attempts (what HubSpot counts) per 10 s, leaving out the initial burst. */
  steadyAttemptsPer10s: number;
  steadyAttemptPctOfLimit: number;
}

const WINDOW_MS = 10_000;
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function runClientThroughputBench(params: ClientThroughputParams): Promise<ClientThroughputFigures> {
  const share = params.fault5xx / 4;
  const sandbox = await startSandbox({
    tier: params.tier,
    faults: { '500': share, '502': share, '503': share, '504': share },
    logger: false,
  });
  const created = await sandbox.control.createPrivateAppToken({
    scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
    tier: params.tier,
  });
  const burstLimit = RATE_LIMIT_TIERS[params.tier].burstMax;
  const records: CallRecord[] = [];
  const registry = createRateGovernorRegistry();
  const client = createHubSpotClient({
    baseUrl: sandbox.baseUrl,
    auth: staticToken(created.token),
    portalId: created.portalId,
    governor: registry.forPortal(created.portalId, params.tier),
    onCall: (call) => records.push(call),
  });

  const failuresByCode: Record<string, number> = {};
  const successTimes: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < params.calls) {
      next += 1;
      try {
        await client.contacts.list({ limit: 1 });
        successTimes.push(performance.now() - started);
        if (successTimes.length % 500 === 0) {
          params.log?.(`  ${successTimes.length} calls done, ${((performance.now() - started) / 1000).toFixed(0)} s`);
        }
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'UNKNOWN';
        failuresByCode[code] = (failuresByCode[code] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: params.concurrency }, worker));
  } finally {
    await client.close();
    await sandbox.close();
  }
  const wallMs = performance.now() - started;

  const succeeded = successTimes.length;
  const failed = params.calls - succeeded;
  const rateLimited429 = records.filter((r) => r.status === 429).length;
  const serverErrors = records.filter((r) => r.status !== null && r.status >= 500).length;
  // Steady state: the first window's worth of calls goes out at once, so measure the rate
  // after it — (count − limit) over the span from the first to the last call.
  const steadyRate = (times: number[]): number => {
    if (times.length <= burstLimit) return Number.NaN;
    const span = Math.max(...times) - Math.min(...times);
    return span <= 0 ? Number.NaN : ((times.length - burstLimit) / span) * WINDOW_MS;
  };
  const callsPer10s = (succeeded / wallMs) * WINDOW_MS;
  const steadyCallsPer10s = steadyRate(successTimes);
  const steadyAttemptsPer10s = steadyRate(records.map((r) => r.startedAt));
  return {
    calls: params.calls,
    succeeded,
    failed,
    failuresByCode,
    attempts: records.length,
    serverErrors,
    rateLimited429,
    rateLimitedPctOfCalls: round((rateLimited429 / params.calls) * 100, 2),
    wallMs: Math.round(wallMs),
    burstLimit,
    callsPer10s: round(callsPer10s),
    throughputPctOfLimit: round((callsPer10s / burstLimit) * 100),
    steadyCallsPer10s: round(steadyCallsPer10s),
    steadyThroughputPctOfLimit: round((steadyCallsPer10s / burstLimit) * 100),
    steadyAttemptsPer10s: round(steadyAttemptsPer10s),
    steadyAttemptPctOfLimit: round((steadyAttemptsPer10s / burstLimit) * 100),
  };
}

function parseArgs(argv: readonly string[]): ClientThroughputParams {
  const value = (name: string, fallback: string): string => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 && argv[at + 1] !== undefined ? (argv[at + 1] as string) : fallback;
  };
  const tier = value('tier', 'free');
  if (!['free', 'pro', 'enterprise', 'boosted'].includes(tier)) throw new Error(`unknown tier ${tier}`);
  return {
    calls: Number(value('calls', '5000')),
    concurrency: Number(value('concurrency', '8')),
    tier: tier as BenchTier,
    fault5xx: Number(value('fault-5xx', '0.02')),
    log: (line) => console.log(line),
  };
}

async function main(): Promise<void> {
  const params = parseArgs(process.argv.slice(2));
  console.log(
    `client throughput: ${params.calls} calls, ${params.concurrency} callers, tier ${params.tier}, ${params.fault5xx * 100} % 5xx`,
  );
  const f = await runClientThroughputBench(params);
  console.log(`calls succeeded / failed     ${f.succeeded} / ${f.failed} ${JSON.stringify(f.failuresByCode)}`);
  console.log(`attempts                     ${f.attempts} (${f.serverErrors} answered 5xx)`);
  console.log(`429s received                ${f.rateLimited429} (${f.rateLimitedPctOfCalls} % of calls)`);
  console.log(`wall time                    ${(f.wallMs / 1000).toFixed(1)} s`);
  console.log(`throughput, whole run        ${f.callsPer10s} calls / 10 s = ${f.throughputPctOfLimit} % of ${f.burstLimit}`);
  console.log(`throughput, w/o initial burst ${f.steadyCallsPer10s} calls / 10 s = ${f.steadyThroughputPctOfLimit} % of ${f.burstLimit}`);
  console.log(`attempts, w/o initial burst ${f.steadyAttemptsPer10s} / 10 s = ${f.steadyAttemptPctOfLimit} % of ${f.burstLimit}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
