// The sync log's search and export (GET /api/workspaces/{slug}/sync/attempts) and the audit
// trail's (GET …/audit-log), over HTTP on a real database (SQLite, or PostgreSQL with
// HUBSYNC_TEST_DB=postgres): each filter keeps exactly the rows it should, pages neither repeat
// nor skip a row while attempts keep arriving, the CSV and NDJSON downloads hold the JSON rows,
// and bad parameters are refused with VALIDATION_FAILED naming the parameter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, switchOffOnChangePush, type TestService } from '../../test/support/service.js';
import { insertAttempts, insertAuditEntry, insertRun, NO_INBOUND_COUNTS, type SyncAttemptRow } from '../store/index.js';

const W = '/api/workspaces/default';
const T0 = Date.parse('2026-03-01T00:00:00Z');
const MINUTE = 60_000;

let ts: TestService;
let admin: ApiClient;
let workspaceId: string;
let customers: { id: string; email: string; name: string }[];
/** Every seeded attempt, as the API should show it. */
let seeded: SyncAttemptRow[] = [];

interface LogRow {
  id: string;
  at: string;
  objectType: string;
  recordId: string;
  recordName: string | null;
  email: string | null;
  direction: string;
  operation: string;
  outcome: string;
  message: string | null;
  correlationId: string | null;
  hubspotId: string | null;
  runId: string;
  trigger: string | null;
  runApiCalls: number | null;
}

const RUNS = [
  { id: 'run_0000000001', trigger: 'manual', apiCalls: 12 },
  { id: 'run_0000000002', trigger: 'schedule', apiCalls: 30 },
];

let sequence = 0;
function attempt(over: Partial<SyncAttemptRow> & { at: number }): SyncAttemptRow {
  sequence++;
  const customer = customers[sequence % customers.length]!;
  return {
    id: `att_${String(sequence).padStart(12, '0')}`,
    run_id: RUNS[sequence % 2]!.id,
    workspace_id: workspaceId,
    object_type: 'contacts',
    record_id: customer.id,
    customer_id: null,
    operation: sequence % 3 === 0 ? 'create' : 'update',
    outcome: sequence % 4 === 0 ? 'error' : 'success',
    message: sequence % 4 === 0 ? `Property values were not valid (${sequence})` : null,
    correlation_id: sequence % 4 === 0 ? `corr-${sequence}` : null,
    hubspot_id: String(1000 + sequence),
    direction: sequence % 5 === 0 ? 'pull' : 'push',
    // As the recorders label an attempt: the record's name and, for a customer, its email in lower case.
    record_name: over.object_type === undefined || over.object_type === 'contacts' ? customer.name : null,
    record_email: over.object_type === undefined || over.object_type === 'contacts' ? customer.email : null,
    ...over,
  };
}

beforeAll(async () => {
  ts = await startTestService();
  await switchOffOnChangePush(ts.service);
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const db = ts.service.database.db;
  workspaceId = (await db.selectFrom('workspaces').select('id').where('slug', '=', 'default').executeTakeFirstOrThrow()).id;
  customers = [];
  for (const [first, last, email] of [
    ['Ada', 'Lovelace', 'Ada@Example.com'],
    ['Grace', 'Hopper', 'grace@example.com'],
    ['Alan', 'Turing', 'alan@example.com'],
  ] as const) {
    const created = await admin.post<{ id: string }>(`${W}/customers`, { firstName: first, lastName: last, email });
    expect(created.status).toBe(201);
    customers.push({ id: created.body.id, email: email.toLowerCase(), name: `${first} ${last}` });
  }
  for (const run of RUNS) {
    await insertRun(db, {
      id: run.id, workspace_id: workspaceId, status: 'succeeded', trigger: run.trigger, started_by: 'test', owner: 'test', started_at: T0, heartbeat_at: T0, finished_at: T0 + 1,
      phase: 'done', total: 0, processed: 0, created: 0, updated: 0, failed: 0, skipped: 0, api_calls: run.apiCalls, cancel_requested: 0, error: null, ...NO_INBOUND_COUNTS,
    });
  }
  // Three attempts a minute (so rows share a time and the id breaks the tie), a few companies,
  // and messages a spreadsheet would misread.
  for (let i = 0; i < 40; i++) seeded.push(attempt({ at: T0 + Math.floor(i / 3) * MINUTE }));
  seeded.push(attempt({ at: T0 + 5 * MINUTE, object_type: 'companies', record_id: 'org_0000000001', outcome: 'error', message: '=HYPERLINK("http://evil.example","x")' }));
  seeded.push(attempt({ at: T0 + 6 * MINUTE, object_type: 'companies', record_id: 'org_0000000001', outcome: 'error', message: 'Line one, "quoted"\nline two' }));
  seeded.push(attempt({ at: T0 + 7 * MINUTE, outcome: 'error', message: '-1 is not a valid number; @mention +1' }));
  await insertAttempts(db, seeded);
});
afterAll(async () => ts?.close());

/** The seeded attempts a filter should keep, newest first. */
function expected(keep: (a: SyncAttemptRow) => boolean): string[] {
  return seeded
    .filter(keep)
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
    .map((a) => a.id);
}

/** Every page of a search, following nextCursor. */
async function allPages(query: string, limit = 7): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { attempts: LogRow[]; nextCursor: string | null } } = await admin.get(`${W}/sync/attempts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    rows.push(...page.body.attempts);
    cursor = page.body.nextCursor;
  } while (cursor);
  return rows;
}

/** A download, as text. */
async function download(path: string): Promise<{ status: number; type: string | null; disposition: string | null; text: string }> {
  const response = await fetch(`${ts.url}${path}`, { headers: { cookie: admin.cookie } });
  return { status: response.status, type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), text: await response.text() };
}

/** RFC 4180 CSV to rows of cells (quotes, doubled quotes, commas and line breaks inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

const ada = () => customers[0]!;

describe('sync log search', () => {
  it('shows each attempt with its record, run and trigger, newest first', async () => {
    const rows = await allPages('');
    expect(rows.map((r) => r.id)).toEqual(expected(() => true));
    const failed = seeded.find((a) => a.outcome === 'error' && a.object_type === 'contacts')!;
    const customer = customers.find((c) => c.id === failed.record_id)!;
    const run = RUNS.find((r) => r.id === failed.run_id)!;
    expect(rows.find((r) => r.id === failed.id)).toEqual({
      id: failed.id, at: new Date(failed.at).toISOString(), objectType: 'contacts', recordId: customer.id, recordName: customer.name, email: customer.email,
      direction: failed.direction, operation: failed.operation, outcome: 'error', message: failed.message, correlationId: failed.correlation_id, hubspotId: failed.hubspot_id,
      runId: run.id, trigger: run.trigger, runApiCalls: run.apiCalls,
    });
  });

  const from = T0 + 3 * MINUTE;
  const to = T0 + 9 * MINUTE;
  const iso = (ms: number) => new Date(ms).toISOString();
  const cases: [string, string, (a: SyncAttemptRow) => boolean][] = [
    ['a record', `objectType=contacts&recordId=${'$ada'}`, (a) => a.object_type === 'contacts' && a.record_id === ada().id],
    ['an email, in any case', 'email=ADA%40example.COM', (a) => a.record_id === ada().id],
    ['an outcome', 'outcome=error', (a) => a.outcome === 'error'],
    ['a direction', 'direction=pull', (a) => a.direction === 'pull'],
    ['an object type', 'objectType=companies', (a) => a.object_type === 'companies'],
    ['a run', `runId=${RUNS[1]!.id}`, (a) => a.run_id === RUNS[1]!.id],
    ['a time range (from inclusive, to exclusive)', `from=${iso(from)}&to=${iso(to)}`, (a) => a.at >= from && a.at < to],
    ['an email, an outcome and a time range', `email=ada%40example.com&outcome=error&from=${iso(from)}`, (a) => a.record_id === ada().id && a.outcome === 'error' && a.at >= from],
    ['every filter at once', `recordId=${'$ada'}&email=ada%40example.com&outcome=success&direction=push&objectType=contacts&runId=${RUNS[0]!.id}&from=${iso(T0)}&to=${iso(to)}`,
      (a) => a.record_id === ada().id && a.outcome === 'success' && a.direction === 'push' && a.run_id === RUNS[0]!.id && a.at < to],
    ['an email no attempt has', 'email=nobody%40example.com', () => false],
  ];
  it.each(cases)('keeps the attempts of %s, page after page', async (_, query, keep) => {
    const want = expected(keep);
    if (_ !== 'an email no attempt has') expect(want.length).toBeGreaterThan(0);
    const rows = await allPages(query.replaceAll('$ada', ada().id));
    expect(rows.map((r) => r.id)).toEqual(want);
  });

  it('neither repeats nor skips an attempt when attempts arrive between pages', async () => {
    const first = await admin.get<{ attempts: LogRow[]; nextCursor: string }>(`${W}/sync/attempts?limit=10`);
    const before = expected(() => true);
    const arriving = [attempt({ at: T0 + 60 * MINUTE }), attempt({ at: seeded[0]!.at })];
    await insertAttempts(ts.service.database.db, arriving);
    seeded = [...seeded, ...arriving];
    const rest: LogRow[] = [];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page: { body: { attempts: LogRow[]; nextCursor: string | null } } = await admin.get(`${W}/sync/attempts?limit=10&cursor=${cursor}`);
      rest.push(...page.body.attempts);
      cursor = page.body.nextCursor;
    }
    // The log as it was at page 1, complete and once each: a newer arrival is before the cursor
    // (a new search's first row); one stamped with an older time shows up in its place.
    const seen = [...first.body.attempts, ...rest].map((r) => r.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => before.includes(id))).toEqual(before);
    expect((await admin.get<{ attempts: LogRow[] }>(`${W}/sync/attempts?limit=1`)).body.attempts[0]!.id).toBe(arriving[0]!.id);
  });
});

describe('sync log export', () => {
  it('streams the filtered view as NDJSON: the JSON rows, one a line', async () => {
    const query = 'outcome=error';
    const rows = await allPages(query);
    const file = await download(`${W}/sync/attempts?${query}&format=ndjson`);
    expect(file.status).toBe(200);
    expect(file.type).toMatch(/^application\/x-ndjson/);
    expect(file.disposition).toBe('attachment; filename="sync-log-default.ndjson"');
    expect(file.text.endsWith('\n')).toBe(true);
    expect(file.text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(rows);
  });

  it('streams it as CSV: a header row, then each JSON row\'s values, quoted where needed and safe from formulas', async () => {
    const rows = await allPages('outcome=error');
    const file = await download(`${W}/sync/attempts?outcome=error&format=csv`);
    expect(file.status).toBe(200);
    expect(file.type).toMatch(/^text\/csv/);
    const [header, ...lines] = parseCsv(file.text);
    const columns = ['id', 'at', 'objectType', 'recordId', 'recordName', 'email', 'direction', 'operation', 'outcome', 'message', 'correlationId', 'hubspotId', 'runId', 'trigger', 'runApiCalls'] as const;
    expect(header).toEqual(columns);
    const guard = (v: string) => (/^[=+\-@]/.test(v) ? `'${v}` : v);
    expect(lines).toEqual(rows.map((r) => columns.map((c) => (r[c] === null ? '' : guard(String(r[c]))))));
    expect(file.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(file.text).toContain('"Line one, ""quoted""\nline two"');
    expect(lines.find((l) => l[9]?.startsWith("'-1 is not"))).toBeDefined();
  });

  it('exports more rows than one chunk in order (keyset chunks, no whole-result buffer)', async () => {
    const many = Array.from({ length: 2_300 }, (_, i) => attempt({ at: T0 - (i + 1) * 1000, object_type: 'deals', record_id: 'dea_0000000001' }));
    await insertAttempts(ts.service.database.db, many);
    seeded = [...seeded, ...many];
    const file = await download(`${W}/sync/attempts?objectType=deals&format=ndjson`);
    const ids = file.text.trimEnd().split('\n').map((line) => (JSON.parse(line) as LogRow).id);
    expect(ids).toEqual(expected((a) => a.object_type === 'deals'));
  });

  it('answers an empty view with the header alone', async () => {
    const file = await download(`${W}/sync/attempts?email=nobody%40example.com&format=csv`);
    expect(file.status).toBe(200);
    expect(parseCsv(file.text)).toHaveLength(1);
  });
});

describe('sync log parameters', () => {
  async function refused(query: string, field: string): Promise<void> {
    const answer = await admin.get<{ error: { code: string; details: { field: string } } }>(`${W}/sync/attempts?${query}`);
    expect(answer.status, query).toBe(400);
    expect(answer.body.error.code, query).toBe('VALIDATION_FAILED');
    expect(answer.body.error.details.field, query).toBe(`querystring.${field}`);
  }

  it.each([
    ['outcome=failed', 'outcome'],
    ['direction=sideways', 'direction'],
    ['objectType=tickets', 'objectType'],
    ['recordId=not%20an%20id', 'recordId'],
    ['runId=att_0000000001', 'runId'],
    ['from=2026-03-01', 'from'],
    ['to=yesterday', 'to'],
    [`from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`, 'to'],
    [`from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z`, 'to'],
    ['cursor=garbage', 'cursor'],
    [`cursor=${Buffer.from('123.aud_0000000001').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('12x.att_0000000001').toString('base64url')}`, 'cursor'],
    ['format=xlsx', 'format'],
    [`email=${'a'.repeat(300)}`, 'email'],
    ['limit=501', 'limit'],
  ])('%s is refused', async (query, field) => {
    await refused(query, field);
  });

  it('refuses a parameter it does not know', async () => {
    const answer = await admin.get<{ error: { code: string } }>(`${W}/sync/attempts?status=error`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('is for workspace members only', async () => {
    const anonymous = await fetch(`${ts.url}${W}/sync/attempts?format=csv`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('audit trail search and export', () => {
  const entries = [
    { id: 'aud_0000000001', actor: 'usr_a', action: 'api_key.created', target: 'key_1', at: T0 },
    { id: 'aud_0000000002', actor: 'usr_b', action: 'hubspot.mapping_changed', target: 'map_1', at: T0 + MINUTE },
    { id: 'aud_0000000003', actor: 'usr_a', action: 'api_key.revoked', target: 'key_1', at: T0 + 2 * MINUTE },
    { id: 'aud_0000000004', actor: 'usr_a', action: 'hubspot.mapping_changed', target: 'map_1', at: T0 + 2 * MINUTE },
  ];
  const ids = (body: { entries: { id: string }[] }) => body.entries.map((e) => e.id);

  beforeAll(async () => {
    for (const e of entries) {
      await insertAuditEntry(ts.service.database.db, {
        id: e.id, workspaceId, actor: { type: 'user', id: e.actor, label: `=${e.actor}` }, action: e.action, target: { type: e.action.split('.')[0]!, id: e.target }, details: { note: 'a, "b"' }, createdAt: e.at,
      });
    }
  });

  it.each([
    ['actorId=usr_a', ['aud_0000000004', 'aud_0000000003', 'aud_0000000001']],
    ['action=api_key.', ['aud_0000000003', 'aud_0000000001']],
    ['targetType=hubspot&targetId=map_1', ['aud_0000000004', 'aud_0000000002']],
    ['targetType=hubspot&targetId=map_1&actorId=usr_b', ['aud_0000000002']],
    [`from=${new Date(T0 + MINUTE).toISOString()}&to=${new Date(T0 + 2 * MINUTE).toISOString()}&actorId=usr_b`, ['aud_0000000002']],
  ])('%s keeps the matching entries, newest first', async (query, want) => {
    const answer = await admin.get<{ entries: { id: string }[] }>(`${W}/audit-log?${query}`);
    expect(answer.status).toBe(200);
    expect(ids(answer.body)).toEqual(want);
  });

  it('pages by cursor with no entry twice or missed', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { entries: { id: string }[]; nextCursor: string | null } } = await admin.get(`${W}/audit-log?actorId=usr_a&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['aud_0000000004', 'aud_0000000003', 'aud_0000000001']);
  });

  it('exports the filtered view as CSV and NDJSON', async () => {
    const json = await admin.get<{ entries: Record<string, unknown>[] }>(`${W}/audit-log?actorId=usr_a`);
    const ndjson = await download(`${W}/audit-log?actorId=usr_a&format=ndjson`);
    expect(ndjson.text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(json.body.entries);
    const csv = parseCsv((await download(`${W}/audit-log?actorId=usr_a&format=csv`)).text);
    expect(csv[0]).toEqual(['id', 'createdAt', 'actorType', 'actorId', 'actorLabel', 'action', 'targetType', 'targetId', 'details']);
    expect(csv.slice(1).map((r) => r[0])).toEqual(ids(json.body as { entries: { id: string }[] }));
    expect(csv[1]).toEqual(['aud_0000000004', new Date(T0 + 2 * MINUTE).toISOString(), 'user', 'usr_a', "'=usr_a", 'hubspot.mapping_changed', 'hubspot', 'map_1', '{"note":"a, \\"b\\""}']);
  });

  it.each([
    ['cursor=aud_0000000001', 'cursor'],
    ['targetId=key_1', 'targetType'],
    ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'to'],
    ['format=pdf', 'format'],
  ])('%s is refused', async (query, field) => {
    const answer = await admin.get<{ error: { code: string; details: { field: string } } }>(`${W}/audit-log?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: `querystring.${field}` } });
  });
});
