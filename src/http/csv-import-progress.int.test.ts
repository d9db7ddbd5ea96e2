// The CSV import's opt-in NDJSON answer, over HTTP against a real database: progress lines while
// the rows are saved (throttled), a line per rejected row with its cells, the result as the last
// line (the same as the plain JSON answer, which stays as it was), and an error that happens
// once the stream has started as the error envelope on the last line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';
import { IMPORT_PROGRESS_EVERY_MS } from './routes/record-routes.js';

const W = '/api/workspaces/default';
let ts: TestService;
let admin: ApiClient;
let apiKey: string;

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  apiKey = (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'import progress' })).body.key;
  expect((await admin.request('POST', `${W}/custom-fields`, { key: 'score', label: 'Score', type: 'number' })).status).toBe(201);
});
afterAll(async () => ts?.close());

type Line = { type: string; at: number } & Record<string, unknown>;

/** Posts a CSV and reads the NDJSON answer line by line as it arrives, each line with its arrival time. */
async function importWithProgress(csv: string, how: 'accept' | 'query' = 'accept'): Promise<{ status: number; contentType: string | null; lines: Line[] }> {
  const response = await fetch(`${ts.url}${W}/customers/import${how === 'query' ? '?progress=ndjson' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/csv', ...(how === 'accept' ? { accept: 'application/x-ndjson' } : {}) },
    body: csv,
  });
  const lines: Line[] = [];
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n')) !== -1) {
      lines.push({ ...(JSON.parse(pending.slice(0, end)) as Line), at: Date.now() });
      pending = pending.slice(end + 1);
    }
  }
  expect(pending, 'the answer ends with a complete line').toBe('');
  return { status: response.status, contentType: response.headers.get('content-type'), lines };
}

const header = 'externalId,email,firstName,score\n';
/** 1,500 rows (three batches of 500): row 700's score is not a number, row 1,200's email is not one; rows 1–10 exist already. */
function file(prefix: string): string {
  let csv = header;
  for (let i = 1; i <= 1500; i++) {
    if (i === 700) csv += `${prefix}-${i},${prefix}-${i}@example.com,Row ${i},lots\n`;
    else if (i === 1200) csv += `${prefix}-${i},not-an-email,Row ${i},${i}\n`;
    else csv += `${prefix}-${i},${prefix}-${i}@example.com,Row ${i},${i}\n`;
  }
  return csv;
}

async function seedFirstTen(prefix: string): Promise<void> {
  let csv = header;
  for (let i = 1; i <= 10; i++) csv += `${prefix}-${i},${prefix}-${i}@example.com,Old ${i},0\n`;
  const seeded = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: csv, contentType: 'text/csv' });
  expect(seeded.body).toMatchObject({ created: 10, failed: 0 });
}

describe('NDJSON progress', () => {
  it('streams progress, each rejected row with its cells, and the result as the last line', async () => {
    await seedFirstTen('nd');
    const started = Date.now();
    const { status, contentType, lines } = await importWithProgress(file('nd'));
    const elapsed = Date.now() - started;
    expect(status).toBe(200);
    expect(contentType).toBe('application/x-ndjson; charset=utf-8');

    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress[0]).toMatchObject({ rowsRead: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 });
    // Counts only grow, and the last progress line is the final count.
    for (const [i, p] of progress.entries()) {
      if (i === 0) continue;
      const before = progress[i - 1]!;
      for (const key of ['rowsRead', 'created', 'updated', 'rejected'] as const) expect(p[key] as number).toBeGreaterThanOrEqual(before[key] as number);
    }
    expect(progress.at(-1)).toMatchObject({ rowsRead: 1500, created: 1488, updated: 10, unchanged: 0, rejected: 2 });
    // Throttled: besides the first and the closing line, at most one line per interval.
    expect(progress.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / IMPORT_PROGRESS_EVERY_MS));

    const rejected = lines.filter((l) => l.type === 'rejected');
    expect(rejected).toEqual([
      expect.objectContaining({ line: 701, message: expect.stringMatching(/^score: /), values: ['nd-700', 'nd-700@example.com', 'Row 700', 'lots'] }),
      expect.objectContaining({ line: 1201, message: expect.stringMatching(/email/i), values: ['nd-1200', 'not-an-email', 'Row 1200', '1200'] }),
    ]);

    const last = lines.at(-1)!;
    expect(last).toMatchObject({ type: 'result', rowsRead: 1500, created: 1488, updated: 10, unchanged: 0, failed: 2 });
    expect((last['errors'] as { line: number }[]).map((e) => e.line)).toEqual([701, 1201]);
    expect(last['columns']).toEqual([
      { header: 'externalId', field: 'externalId' },
      { header: 'email', field: 'email' },
      { header: 'firstName', field: 'firstName' },
      { header: 'score', field: 'custom.score' },
    ]);
    // What was saved is what the answer says.
    const updated = await admin.get<{ customers: { firstName: string; custom: { score?: number } }[] }>(`${W}/customers?email=nd-5@example.com`);
    expect(updated.body.customers[0]).toMatchObject({ firstName: 'Row 5', custom: { score: 5 } });
    expect((await admin.get<{ customers: unknown[] }>(`${W}/customers?email=nd-700@example.com`)).body.customers).toEqual([]);
  });

  it('answers the same with ?progress=ndjson, and the plain JSON answer is unchanged', async () => {
    const viaQuery = await importWithProgress(file('q'), 'query');
    expect(viaQuery.lines.at(-1)).toMatchObject({ type: 'result', rowsRead: 1500, created: 1498, failed: 2 });

    const plain = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: file('js'), contentType: 'text/csv' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(plain.body as object).sort()).toEqual(['columns', 'created', 'errors', 'failed', 'rowsRead', 'unchanged', 'updated']);
    expect(plain.body).toMatchObject({ rowsRead: 1500, created: 1498, updated: 0, unchanged: 0, failed: 2, errors: [{ line: 701 }, { line: 1201 }] });
    // The result line is the JSON answer plus its type.
    const { type, at, ...result } = viaQuery.lines.at(-1)!;
    void type;
    void at;
    expect(Object.keys(result).sort()).toEqual(Object.keys(plain.body as object).sort());
  });

  it('ends with the error envelope when the import fails once the stream has started; refuses before it as usual', async () => {
    const noFields = await importWithProgress('colour,size\nred,big\n');
    expect(noFields.status).toBe(200);
    expect(noFields.lines.at(-1)).toMatchObject({ type: 'error', error: { code: 'VALIDATION_FAILED', details: { field: 'header' } } });

    const broken = await importWithProgress(`${header}b-1,b-1@example.com,Fine,1\nb-2,b-2@example.com,"Bad"quote,2\n`);
    expect(broken.lines.at(-1)).toMatchObject({ type: 'error', error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/^Import stopped at line 3/) } });

    const anonymous = await fetch(`${ts.url}${W}/customers/import`, { method: 'POST', headers: { accept: 'application/x-ndjson', 'content-type': 'text/csv' }, body: header });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');

    const badQuery = await admin.request('POST', `${W}/customers/import?progress=xml`, undefined, { rawBody: header, contentType: 'text/csv' });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'querystring.progress' } } });
  });
});
