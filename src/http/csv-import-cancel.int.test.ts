// A CSV import the client cancels mid-stream (closes the request: the web UI's "Cancel import"),
// over HTTP against a real database: the service stops reading at once, keeps the whole batches
// it saved (each its own transaction), saves nothing after them, logs the cancel (no error), and
// goes on serving — a next import of the same file's rest works.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
const ROWS = 100_000;
let ts: TestService;
let admin: ApiClient;
let apiKey: string;
const log: Record<string, unknown>[] = [];
const logWaiters: (() => void)[] = [];

beforeAll(async () => {
  const logStream = new PassThrough();
  let pending = '';
  logStream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let end: number;
    while ((end = pending.indexOf('\n')) !== -1) {
      log.push(JSON.parse(pending.slice(0, end)) as Record<string, unknown>);
      pending = pending.slice(end + 1);
      for (const wake of logWaiters.splice(0)) wake();
    }
  });
  ts = await startTestService({ logStream });
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  apiKey = (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'import cancel' })).body.key;
});
afterAll(async () => ts?.close());

/** Waits for a log line (event-driven: woken by each new line; the test's own timeout bounds it). */
async function logLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (;;) {
    const found = log.find(match);
    if (found) return found;
    await new Promise<void>((resolve) => logWaiters.push(resolve));
  }
}

function csvOf(prefix: string, from: number, to: number, withHeader = true): string {
  const rows: string[] = withHeader ? ['externalId,email,firstName'] : [];
  for (let i = from; i <= to; i++) rows.push(`${prefix}-${i},${prefix}-${i}@example.com,Row ${i}`);
  return rows.join('\n') + '\n';
}

async function savedOf(prefix: string): Promise<number[]> {
  const rows = await ts.service.database.db.selectFrom('customers').select('external_id').where('external_id', 'like', `${prefix}-%`).where('deleted_at', 'is', null).execute();
  return rows.map((r) => Number(String(r.external_id).slice(prefix.length + 1))).sort((a, b) => a - b);
}

describe('cancelling a CSV import', () => {
  it.each([['ndjson' as const], ['json' as const]])('stops at once when the client goes away (%s answer), keeping only the saved batches', async (how) => {
    const prefix = `cancel-${how}`;
    const cancelsBefore = log.filter((l) => l['msg'] === 'CSV import cancelled: the client closed the request').length;
    const controller = new AbortController();
    const answer = fetch(`${ts.url}${W}/customers/import${how === 'ndjson' ? '?progress=ndjson' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/csv' },
      body: csvOf(prefix, 1, ROWS),
      signal: controller.signal,
    });
    answer.catch(() => undefined);
    let lastProgress: Record<string, number> | null = null;
    if (how === 'ndjson') {
      // Read progress lines until some rows are saved, then cancel.
      const decoder = new TextDecoder();
      let pending = '';
      const reader = ((await answer).body as ReadableStream<Uint8Array>).getReader();
      while (!lastProgress || lastProgress['created']! < 1000) {
        const { value, done } = await reader.read();
        expect(done, 'the import is still running').toBe(false);
        pending += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n')) !== -1) {
          const line = JSON.parse(pending.slice(0, end)) as Record<string, number | string>;
          pending = pending.slice(end + 1);
          expect(line['type']).toBe('progress');
          lastProgress = line as Record<string, number>;
        }
      }
    } else {
      // The plain answer only comes at the end: cancel once rows are being saved.
      while ((await savedOf(prefix)).length < 1000) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    controller.abort();

    const line = await logLine((l) => l['msg'] === 'CSV import cancelled: the client closed the request' && log.filter((x) => x['msg'] === l['msg']).indexOf(l) >= cancelsBefore);
    const imported = line['imported'] as { rowsRead: number; created: number; updated: number; unchanged: number; failed: number; lastLine: number };
    expect(line['level'], 'a cancel is no error').toBeLessThan(40);

    // Exactly the saved batches are kept: rows 1…N in file order, N a whole number of batches, the rest not imported.
    const saved = await savedOf(prefix);
    expect(saved.length).toBe(imported.created);
    expect(saved.length % 500).toBe(0);
    expect(saved.length).toBeLessThan(ROWS);
    expect(saved).toEqual(Array.from({ length: saved.length }, (_, i) => i + 1));
    expect(imported.lastLine).toBe(saved.length + 1);
    if (lastProgress) expect(saved.length).toBeGreaterThanOrEqual(lastProgress['created']!);
    // Nothing is saved afterwards: the import has stopped (a later request answers with the same count).
    expect((await admin.get(`/api/health/ready`)).status).toBe(200);
    expect((await savedOf(prefix)).length).toBe(saved.length);

    // No error was logged, and the service still imports: the rest of the file, from the line after the last saved row.
    expect(log.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
    const rest = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: csvOf(prefix, saved.length + 1, saved.length + 600), contentType: 'text/csv' });
    expect(rest.body).toMatchObject({ created: 600, failed: 0 });
    expect((await savedOf(prefix)).length).toBe(saved.length + 600);
  });
});
