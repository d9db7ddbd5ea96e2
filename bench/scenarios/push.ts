// The push scenarios, each against the real service and the sandbox:
//   initial      N new customers → one Sync now (creates by batch upsert);
//   incremental  then edit 1 % of them → Sync now again (updates only what changed);
//   mixed        a fresh workspace where 30 % already exist in HubSpot by email and 5 % carry
//                emails HubSpot refuses (`…@nowhere`, refused when saved): calls spent per record.
import type { Tier } from '../../src/sandbox/index.js';
import { rssSampler } from '../lib/report.js';
import { bulkUpsert, customerAt, sandboxTotals, startRig, syncNow, type RunResult } from './harness.js';

export interface PushParams {
  tier: Tier;
  latencyMs: [number, number];
  log: (line: string) => void;
}

export interface InitialFigures {
  customers: number;
  run: RunResult;
  recordsPerSecond: number;
  /** Requests the sandbox answered during the run (all routes). */
  sandboxRequests: number;
  rateLimited429: number;
  peakRssBytes: number;
  loadMs: number;
}

export interface IncrementalFigures {
  changed: number;
  run: RunResult;
  sandboxRequests: number;
  rateLimited429: number;
}

export interface MixedFigures {
  customers: number;
  existing: number;
  invalid: number;
  /** Items the bulk upsert refused (the invalid emails). */
  refusedOnSave: number;
  run: RunResult;
  sandboxRequests: number;
  rateLimited429: number;
  callsPerRecord: number;
  contactsInHubSpot: number;
}

export async function runInitialAndIncremental(
  params: PushParams & { customers: number; changedShare: number },
): Promise<{ initial: InitialFigures; incremental: IncrementalFigures }> {
  const rig = await startRig({ tier: params.tier, latencyMs: params.latencyMs });
  try {
    const customers = Array.from({ length: params.customers }, (_, i) => customerAt(i));
    const loadStarted = performance.now();
    await bulkUpsert(rig.admin, customers);
    const loadMs = performance.now() - loadStarted;
    params.log(`  initial: ${params.customers} customers loaded through bulk-upsert in ${(loadMs / 1000).toFixed(1)} s; Sync now…`);

    rig.sandbox.control.resetCounts();
    const rss = rssSampler();
    const run = await syncNow(rig.admin);
    const peakRssBytes = rss.stop();
    if (run.status !== 'succeeded') throw new Error(`initial push ended ${run.status}: ${run.error ?? ''}`);
    const initialTotals = sandboxTotals(rig.sandbox);
    const initial: InitialFigures = {
      customers: params.customers,
      run,
      recordsPerSecond: run.processed / (run.wallMs / 1000),
      sandboxRequests: initialTotals.requests,
      rateLimited429: initialTotals.rateLimited,
      peakRssBytes,
      loadMs,
    };
    params.log(`  initial: ${run.processed} pushed in ${(run.wallMs / 1000).toFixed(1)} s, ${run.apiCalls} calls, ${initialTotals.rateLimited} × 429`);

    // Edit 1 %: spread over the whole id range, one field each, through the same bulk upsert.
    const changed = Math.max(1, Math.round(params.customers * params.changedShare));
    const stride = params.customers / changed;
    const edits = Array.from({ length: changed }, (_, k) => ({ ...customerAt(Math.floor(k * stride)), city: 'Moved Town' }));
    await bulkUpsert(rig.admin, edits);
    rig.sandbox.control.resetCounts();
    const second = await syncNow(rig.admin);
    if (second.status !== 'succeeded') throw new Error(`incremental push ended ${second.status}: ${second.error ?? ''}`);
    const secondTotals = sandboxTotals(rig.sandbox);
    params.log(`  incremental: ${changed} changed → ${second.processed} pushed, ${second.apiCalls} calls, ${(second.wallMs / 1000).toFixed(1)} s`);
    return {
      initial,
      incremental: { changed, run: second, sandboxRequests: secondTotals.requests, rateLimited429: secondTotals.rateLimited },
    };
  } finally {
    await rig.close();
  }
}

export async function runMixed(params: PushParams & { customers: number; existingShare: number; invalidShare: number }): Promise<MixedFigures> {
  const rig = await startRig({ tier: params.tier, latencyMs: params.latencyMs });
  try {
    // Every 20th customer has an address HubSpot refuses; of the rest, 30 % of all customers
    // already exist in HubSpot under the same email (created there by someone else).
    const invalidEvery = Math.max(1, Math.round(1 / params.invalidShare));
    const customers = Array.from({ length: params.customers }, (_, i) => {
      const c = customerAt(i, 'm');
      return i % invalidEvery === invalidEvery - 1 ? { ...c, email: `m${i}@nowhere` } : c;
    });
    const valid = customers.filter((c) => !c.email.endsWith('@nowhere'));
    const existingCount = Math.round(params.customers * params.existingShare);
    const existing = valid.filter((_, k) => k % Math.max(1, Math.floor(valid.length / existingCount)) === 0).slice(0, existingCount);
    rig.sandbox.control.seedContacts(
      rig.portalId,
      existing.map((c) => ({ email: c.email, firstname: 'Seeded', lastname: 'Before' })),
    );
    // hubsync checks emails with HubSpot's rule when they are saved, so the invalid ones are
    // refused there and never cost a call.
    const refusedOnSave = await bulkUpsert(rig.admin, customers);
    rig.sandbox.control.resetCounts();
    const run = await syncNow(rig.admin);
    if (run.status !== 'succeeded') throw new Error(`mixed push ended ${run.status}: ${run.error ?? ''}`);
    const totals = sandboxTotals(rig.sandbox);
    const invalid = customers.length - valid.length;
    params.log(`  mixed: ${run.processed} pushed (${run.created} created, ${run.updated} updated, ${run.failed} failed), ${run.apiCalls} calls`);
    return {
      customers: params.customers,
      existing: existing.length,
      invalid,
      refusedOnSave,
      run,
      sandboxRequests: totals.requests,
      rateLimited429: totals.rateLimited,
      callsPerRecord: run.apiCalls / params.customers,
      contactsInHubSpot: rig.sandbox.control.listObjects(rig.portalId, 'contacts').length,
    };
  } finally {
    await rig.close();
  }
}
