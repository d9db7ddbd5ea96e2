// The naive baseline: what a straightforward integration does — one customer at a time, look
// the email up with the search endpoint, then PATCH the contact it found or POST a new one.
// For fairness it goes through hubsync's own HubSpot client and its rate governor (same tier
// limits, same retries), so the difference measured is the sync strategy, not the plumbing.
import { createHubSpotClient, createRateGovernorRegistry, staticToken, type CallRecord } from '../../src/hubspot/index.js';
import { startSandbox, type Tier } from '../../src/sandbox/index.js';
import { customerAt } from './harness.js';

export interface NaiveFigures {
  customers: number;
  concurrency: number;
  wallMs: number;
  recordsPerSecond: number;
  attempts: number;
  rateLimited429: number;
  callsPerRecord: number;
  failed: number;
}

const GOVERNOR_TIER: Record<Tier, 'free' | 'pro' | 'enterprise' | 'boosted' | undefined> = {
  free: 'free',
  pro: 'pro',
  enterprise: 'enterprise',
  boosted: 'boosted',
  unlimited: undefined,
};

export async function runNaive(params: { customers: number; concurrency: number; tier: Tier; latencyMs: [number, number] }): Promise<NaiveFigures> {
  const sandbox = await startSandbox({ tier: params.tier, latencyMs: params.latencyMs, logger: false });
  const { portalId } = sandbox.control.createPortal({ tier: params.tier });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  const records: CallRecord[] = [];
  const tier = GOVERNOR_TIER[params.tier];
  const registry = createRateGovernorRegistry();
  const client = createHubSpotClient({
    baseUrl: sandbox.baseUrl,
    auth: staticToken(token),
    portalId,
    ...(tier === undefined ? {} : { governor: registry.forPortal(portalId, tier) }),
    onCall: (call) => records.push(call),
  });
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < params.customers) {
      const c = customerAt(next++, 'n');
      const properties = { email: c.email, firstname: c.firstName, lastname: c.lastName, city: c.city ?? '' };
      try {
        const found = await client.contacts.search({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: c.email }] }], limit: 1 });
        const hit = found.results[0];
        if (hit) await client.contacts.update(hit.id, properties);
        else await client.contacts.create({ properties });
      } catch {
        failed++;
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
  return {
    customers: params.customers,
    concurrency: params.concurrency,
    wallMs,
    recordsPerSecond: params.customers / (wallMs / 1000),
    attempts: records.length,
    rateLimited429: records.filter((r) => r.status === 429).length,
    callsPerRecord: records.length / params.customers,
    failed,
  };
}
