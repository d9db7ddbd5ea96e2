// What the customer API refuses, over HTTP against a real database: wrong types, over-long
// text, NUL characters, lone surrogates and bytes that are not UTF-8 (JSON and CSV), emails
// HubSpot would refuse, and what a CSV import that breaks part-way says it saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';

const W = '/api/workspaces/default';
let ts: TestService;
let admin: ApiClient;
let apiKey: string;

beforeAll(async () => {
  ts = await startTestService();
  admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  apiKey = (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'raw bytes' })).body.key;
  const field = await admin.request('POST', `${W}/custom-fields`, { key: 'note', label: 'Note', type: 'text' });
  expect(field.status).toBe(201);
});
afterAll(async () => ts?.close());

/** Sends raw bytes, as a client that does not encode UTF-8 could. */
async function sendBytes(method: string, path: string, body: Buffer, contentType = 'application/json'): Promise<{ status: number; body: { error?: { code: string; message: string; details?: Record<string, unknown> } } & Record<string, unknown> }> {
  const response = await fetch(`${ts.url}${path}`, { method, headers: { authorization: `Bearer ${apiKey}`, 'content-type': contentType }, body });
  return { status: response.status, body: (await response.json()) as never };
}

const countCustomers = async (): Promise<number> => {
  let count = 0;
  let after: string | null = null;
  do {
    const page: { body: { customers: unknown[]; nextCursor: string | null } } = await admin.get(`${W}/customers?limit=500${after ? `&after=${after}` : ''}`);
    count += page.body.customers.length;
    after = page.body.nextCursor;
  } while (after);
  return count;
};

describe('field types and lengths', () => {
  it('refuses an externalId that is not text instead of clearing it', async () => {
    const created = await admin.post<{ id: string }>(`${W}/customers`, { externalId: 'keep-me', firstName: 'Ann' });
    for (const externalId of [5, { id: 5 }, true, ['a']]) {
      const patched = await admin.patch(`${W}/customers/${created.body.id}`, { externalId });
      expect(patched.status).toBe(400);
      expect(patched.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'externalId' } } });
    }
    expect((await admin.get(`${W}/customers/${created.body.id}`)).body['externalId']).toBe('keep-me');
    const posted = await admin.request('POST', `${W}/customers`, { externalId: 12, firstName: 'Num' });
    expect(posted.status).toBe(400);
    expect(posted.body).toMatchObject({ error: { details: { field: 'externalId' } } });
    const bulk = await admin.post<{ failed: number; results: { status: string; error?: { problems: { field: string; message: string }[] } }[] }>(`${W}/customers/bulk-upsert`, {
      customers: [{ externalId: 7, firstName: 'Seven' }, { externalId: 'ok-1', firstName: 'Fine' }],
    });
    expect(bulk.body.failed).toBe(1);
    expect(bulk.body.results[0]!.error!.problems[0]).toEqual({ field: 'externalId', message: 'must be text (or null to clear it)' });
    expect(bulk.body.results[1]!.status).toBe('created');
  });

  it('limits text lengths (externalId 255) and refuses wrong types for every field', async () => {
    expect((await admin.request('POST', `${W}/customers`, { externalId: 'x'.repeat(255) })).status).toBe(201);
    const long = await admin.request('POST', `${W}/customers`, { externalId: 'y'.repeat(256) });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain('at most 255');
    const cases: [Record<string, unknown>, string][] = [
      [{ firstName: 'a'.repeat(201) }, 'firstName'],
      [{ city: 42 }, 'city'],
      [{ tags: 'vip' }, 'tags'],
      [{ tags: ['t'.repeat(101)] }, 'tags'],
      [{ custom: { note: 5 } }, 'custom.note'],
      [{ custom: 'note' }, 'custom'],
    ];
    for (const [body, field] of cases) {
      const answer = await admin.request('POST', `${W}/customers`, body);
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.body.error.details.field).toBe(field);
    }
    // A custom text value may hold up to 65,535 characters (HubSpot's limit), no more.
    const big = await admin.post<{ results: { status: string; error?: { problems: { field: string; message: string }[] } }[] }>(`${W}/customers/bulk-upsert`, {
      customers: [
        { externalId: 'big-1', custom: { note: 'n'.repeat(65_535) } },
        { externalId: 'big-2', custom: { note: 'n'.repeat(65_536) } },
      ],
    });
    expect(big.body.results.map((r) => r.status)).toEqual(['created', 'error']);
    expect(big.body.results[1]!.error!.problems[0]).toEqual({ field: 'custom.note', message: 'must be at most 65535 characters' });
  });
});

describe('text hubsync will not store', () => {
  it('refuses NUL characters and lone surrogates in JSON, naming the field', async () => {
    const cases: [string, string][] = [
      ['{"firstName":"Ann\\u0000e"}', 'firstName'],
      ['{"externalId":"e\\u0000"}', 'externalId'],
      ['{"lastName":"\\ud800x"}', 'lastName'],
      ['{"tags":["ok","\\udc00"]}', 'tags'],
      ['{"custom":{"note":"a\\u0000b"}}', 'custom.note'],
    ];
    for (const [raw, field] of cases) {
      const answer = await admin.request('POST', `${W}/customers`, undefined, { rawBody: raw });
      expect(answer.status, raw).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field } } });
    }
    const bulk = await admin.request('POST', `${W}/customers/bulk-upsert`, undefined, { rawBody: '{"customers":[{"externalId":"nul-1","city":"Z\\u0000rich"}]}' });
    expect(bulk.body).toMatchObject({ failed: 1, results: [{ error: { problems: [{ field: 'city' }] } }] });
    const label = await admin.request('POST', `${W}/custom-fields`, undefined, { rawBody: '{"key":"odd","label":"Bad\\u0000label","type":"text"}' });
    expect(label.status).toBe(400);
    expect(label.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'label' } } });
    // Surrogate pairs (emoji) are fine.
    expect((await admin.request('POST', `${W}/customers`, undefined, { rawBody: '{"firstName":"Zo\\u00eb \\ud83d\\ude00"}' })).status).toBe(201);
  });

  it('refuses JSON bodies that are not UTF-8 instead of storing replacement characters', async () => {
    const bytes = Buffer.concat([Buffer.from('{"firstName":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const before = await countCustomers();
    const answer = await sendBytes('POST', `${W}/customers`, bytes);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_JSON', message: 'The request body is not valid UTF-8.' });
    const patch = await sendBytes('POST', `${W}/customers/bulk-upsert`, Buffer.concat([Buffer.from('{"customers":[{"externalId":"b","city":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]));
    expect(patch.status).toBe(400);
    expect(await countCustomers()).toBe(before);
  });
});

describe('emails', () => {
  it('uses the one rule: refuses what HubSpot refuses, with the reason, and accepts IDN addresses', async () => {
    const script = await admin.request('POST', `${W}/customers`, { email: 'x@example.com<script>' });
    expect(script.status).toBe(400);
    expect(script.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'email' } });
    expect(script.body.error.message).toContain('its domain contains "<"');
    const short = await admin.request('POST', `${W}/customers`, { email: 'a@b.c' });
    expect(short.body.error.message).toContain('top-level domain "c" has fewer than two letters');
    const idn = await admin.post<{ email: string }>(`${W}/customers`, { email: 'zoë@exämple.ch' });
    expect(idn.status).toBe(201);
    expect(idn.body.email).toBe('zoë@exämple.ch');
  });

  it('the sandbox refuses the same addresses as HubSpot', async () => {
    const sandbox: RunningSandbox = await startSandbox();
    try {
      const { portalId } = sandbox.control.createPortal({ tier: 'free' });
      const { token } = sandbox.control.createPrivateAppToken({ portalId });
      const create = (email: string) =>
        fetch(`${sandbox.baseUrl}/crm/v3/objects/contacts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ properties: { email } }) });
      const refused = await create('x@example.com<script>');
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toContain('INVALID_EMAIL');
      expect((await create('zoe@example.ch')).status).toBe(201);
    } finally {
      await sandbox.close();
    }
  });
});

describe('CSV import', () => {
  const header = 'externalId,email,firstName\n';
  const row = (i: number) => `csv${i},csv${i}@example.com,Row ${i}\n`;

  it('stops at a broken line and says exactly which rows it saved; importing the rest adds no duplicates', async () => {
    const before = await countCustomers();
    // Line 1 is the header, so row i is on line i + 1; line 901 holds a bad quote.
    let file = header;
    for (let i = 1; i <= 1100; i++) file += i === 900 ? `csv${i},csv${i}@example.com,"Bad"quote\n` : row(i);
    const answer = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: file, contentType: 'text/csv' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(answer.body.error.message).toMatch(/^Import stopped at line 901: the file is not valid CSV/);
    const imported = answer.body.error.details.imported as { saved: number; lastLine: number; created: number; failed: number };
    // The answer is the truth: exactly the rows it names were saved.
    expect(await countCustomers()).toBe(before + imported.saved);
    expect(imported.created).toBe(imported.saved);
    expect(imported.failed).toBe(0);
    // Rows the parser read ahead of the bad line but had not handed over are not saved (the
    // body may arrive in one piece), so the last line is at most the one before the bad one.
    expect(imported.lastLine).toBe(imported.saved === 0 ? 0 : imported.saved + 1);
    expect(imported.lastLine).toBeLessThanOrEqual(900);
    expect(answer.body.error.message).toContain(imported.saved === 0 ? 'Nothing was saved.' : `Lines up to ${imported.lastLine} were imported: ${imported.saved} rows saved`);

    // Importing the rows after the last line it names (with the bad row fixed) completes the
    // import once: row i is on line i + 1.
    let rest = header;
    for (let i = Math.max(1, imported.lastLine); i <= 1100; i++) rest += row(i);
    const resumed = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: rest, contentType: 'text/csv' });
    expect(resumed.status).toBe(200);
    expect(await countCustomers()).toBe(before + 1100);
  });

  it('refuses bytes that are not UTF-8 with the line, and NUL characters per row with the field', async () => {
    const before = await countCustomers();
    const bytes = Buffer.concat([Buffer.from(`${header}u1,u1@example.com,Good\nu2,u2@example.com,Caf`), Buffer.from([0xe9]), Buffer.from('\nu3,u3@example.com,Later\n')]);
    const answer = await sendBytes('POST', `${W}/customers/import`, bytes, 'text/csv');
    expect(answer.status).toBe(400);
    expect(answer.body.error!.message).toMatch(/^Import stopped at line 3: the file is not valid UTF-8/);
    const imported = answer.body.error!.details!['imported'] as { saved: number };
    expect(await countCustomers()).toBe(before + imported.saved);

    const nul = await sendBytes('POST', `${W}/customers/import`, Buffer.from(`${header}n1,n1@example.com,Nu\u0000ll\nn2,n2@example.com,Fine\n`), 'text/csv');
    expect(nul.status).toBe(200);
    expect(nul.body).toMatchObject({ created: 1, failed: 1, errors: [{ line: 2 }] });
    expect(String((nul.body['errors'] as { message: string }[])[0]!.message)).toMatch(/^firstName must not contain the NUL character/);
  });
});

describe('owner', () => {
  type Answer = { status: number; body: { id: string; ownerUserId: string | null; error: { code: string; message: string; details: { field: string } } } };
  const ownerOf = async (id: string) => (await admin.get<{ ownerUserId: string | null }>(`${W}/customers/${id}`)).body.ownerUserId;
  let adminId: string;
  beforeAll(async () => {
    adminId = (await admin.get<{ users: { id: string }[] }>(`${W}/users`)).body.users[0]!.id;
  });

  it('takes a member of the workspace as ownerUserId on create and update, clears it with null, and shows it', async () => {
    const created = (await admin.request('POST', `${W}/customers`, { email: 'owned@example.com', ownerUserId: adminId })) as Answer;
    expect(created.status).toBe(201);
    expect(created.body.ownerUserId).toBe(adminId);
    expect(await ownerOf(created.body.id)).toBe(adminId);
    const listed = await admin.get<{ customers: { ownerUserId: string | null }[] }>(`${W}/customers?email=owned@example.com`);
    expect(listed.body.customers[0]!.ownerUserId).toBe(adminId);

    const cleared = (await admin.request('PATCH', `${W}/customers/${created.body.id}`, { ownerUserId: null })) as Answer;
    expect(cleared.status).toBe(200);
    expect(cleared.body.ownerUserId).toBeNull();
    expect(await ownerOf(created.body.id)).toBeNull();
    expect((await admin.patch<{ ownerUserId: string | null }>(`${W}/customers/${created.body.id}`, { ownerUserId: adminId })).body.ownerUserId).toBe(adminId);
  });

  it('refuses an owner who is not a member of the workspace, naming the field, and keeps the one it had', async () => {
    const refused = (await admin.request('POST', `${W}/customers`, { email: 'stranger@example.com', ownerUserId: 'usr_nobody' })) as Answer;
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'ownerUserId' } });
    expect(refused.body.error.message).toContain('not a member of this workspace');
    expect((await admin.request('POST', `${W}/customers`, { ownerUserId: 42 })).body).toMatchObject({ error: { details: { field: 'ownerUserId' } } });

    const kept = await admin.post<{ id: string }>(`${W}/customers`, { email: 'kept-owner@example.com', ownerUserId: adminId });
    const patched = (await admin.request('PATCH', `${W}/customers/${kept.body.id}`, { ownerUserId: 'usr_nobody' })) as Answer;
    expect(patched.status).toBe(400);
    expect(patched.body.error.details.field).toBe('ownerUserId');
    expect(await ownerOf(kept.body.id)).toBe(adminId);
  });

  it('bulk upsert and CSV import set the owner, and refuse a stranger per item', async () => {
    const bulk = await admin.post<{ results: { status: string; id?: string; error?: { problems: { field: string; message: string }[] } }[] }>(`${W}/customers/bulk-upsert`, {
      customers: [
        { externalId: 'own-1', ownerUserId: adminId },
        { externalId: 'own-2', ownerUserId: 'usr_nobody' },
      ],
    });
    expect(bulk.body.results.map((r) => r.status)).toEqual(['created', 'error']);
    expect(bulk.body.results[1]!.error!.problems).toEqual([{ field: 'ownerUserId', message: 'is not a member of this workspace' }]);
    expect(await ownerOf(bulk.body.results[0]!.id!)).toBe(adminId);

    const csv = `externalId,email,owner\ncsv-own-1,csv-own-1@example.com,${adminId}\ncsv-own-2,csv-own-2@example.com,usr_nobody\n`;
    const imported = await admin.request('POST', `${W}/customers/import`, undefined, { rawBody: csv, contentType: 'text/csv' });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ created: 1, failed: 1, errors: [{ line: 3 }] });
    const row = await admin.get<{ customers: { ownerUserId: string | null }[] }>(`${W}/customers?email=csv-own-1@example.com`);
    expect(row.body.customers[0]!.ownerUserId).toBe(adminId);
  });

  it('is a built-in key a contacts custom field may not take', async () => {
    const answer = await admin.request('POST', `${W}/custom-fields`, { key: 'ownerUserId', label: 'Owner', type: 'text' });
    expect(answer.status).toBe(400);
  });
});
