// Measures the sandbox at benchmark scale: memory for 1,000,000 contacts, and the sandbox's
// own time (Server-Timing) for batches of 100 upserts and for email searches against them.
// Run: node --expose-gc --import tsx bench/sandbox-scale.ts [contacts]
// Not part of the test suite; the figures go into docs/sandbox.md ("Measured scale").

import { startSandbox } from '../src/sandbox/index.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const SEED_CHUNK = 50_000;
const BATCHES = 200;

function gc(): void {
  const maybe = (globalThis as { gc?: () => void }).gc;
  if (maybe) {
    maybe();
    maybe();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function serverTime(res: Response): number {
  const match = /dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
  return match ? Number(match[1]) : NaN;
}

const sandbox = await startSandbox({ defaultLifecycleStage: true });
const { token, portalId } = sandbox.control.createPrivateAppToken({ tier: 'unlimited' });
gc();
const before = process.memoryUsage();

const seedStart = performance.now();
for (let start = 0; start < TOTAL; start += SEED_CHUNK) {
  const chunk = [];
  for (let i = start; i < Math.min(TOTAL, start + SEED_CHUNK); i++) {
    chunk.push({
      email: `contact${i}@example.com`,
      firstname: `First${i}`,
      lastname: `Last${i}`,
      phone: `+1555${String(i).padStart(7, '0')}`,
      company: `Company ${i % 5000}`,
      lifecyclestage: 'lead',
    });
  }
  sandbox.control.seedContacts(portalId, chunk);
}
const seedMs = performance.now() - seedStart;
gc();
const after = process.memoryUsage();

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const upsertTimes: number[] = [];
const roundTrips: number[] = [];
for (let b = 0; b < BATCHES; b++) {
  const inputs = Array.from({ length: 100 }, (_, i) => {
    // Half the batch updates existing contacts, half creates new ones.
    const n = i % 2 === 0 ? Math.floor(Math.random() * TOTAL) : TOTAL + b * 100 + i;
    return { idProperty: 'email', id: `contact${n}@example.com`, properties: { firstname: `Bench${b}`, jobtitle: 'Engineer', city: 'Oslo' } };
  });
  const t0 = performance.now();
  const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/batch/upsert`, { method: 'POST', headers, body: JSON.stringify({ inputs }) });
  await res.arrayBuffer();
  roundTrips.push(performance.now() - t0);
  if (res.status !== 200) throw new Error(`upsert answered ${res.status}`);
  upsertTimes.push(serverTime(res));
}

const searchTimes: number[] = [];
for (let i = 0; i < 50; i++) {
  const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/search`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: `contact${Math.floor(Math.random() * TOTAL)}@example.com` }] }] }),
  });
  await res.arrayBuffer();
  searchTimes.push(serverTime(res));
}
const scanStart = performance.now();
const scan = await fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts/search`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'First999999' }] }] }),
});
await scan.arrayBuffer();
const scanMs = performance.now() - scanStart;
await sandbox.close();

const heapGrowth = after.heapUsed - before.heapUsed;
const lines = [
  `contacts seeded:                 ${TOTAL.toLocaleString('en-US')} in ${(seedMs / 1000).toFixed(1)} s`,
  `heap used after seeding:         ${mb(after.heapUsed)} (growth ${mb(heapGrowth)}, ${Math.round(heapGrowth / TOTAL)} bytes/contact)`,
  `process RSS after seeding:       ${mb(after.rss)}`,
  `batch upsert of 100 (own time):  median ${percentile(upsertTimes, 50).toFixed(2)} ms, p95 ${percentile(upsertTimes, 95).toFixed(2)} ms, max ${Math.max(...upsertTimes).toFixed(2)} ms over ${BATCHES} batches`,
  `batch upsert of 100 (round trip): median ${percentile(roundTrips, 50).toFixed(2)} ms, p95 ${percentile(roundTrips, 95).toFixed(2)} ms`,
  `search EQ email (own time):      median ${percentile(searchTimes, 50).toFixed(2)} ms, p95 ${percentile(searchTimes, 95).toFixed(2)} ms`,
  `search EQ firstname (full scan): ${scanMs.toFixed(0)} ms round trip`,
  `gc exposed:                      ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'yes' : 'no (run with --expose-gc for exact heap figures)'}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
