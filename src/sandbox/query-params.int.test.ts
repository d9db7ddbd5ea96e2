// Paging parameters are read strictly and the same way on every list: `limit` and `after` are
// decimal digits, so `limit=0x10`, `limit=1e2` or `after=garbage` are 400s, never a silent
// page of another size or a restart from the beginning.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { startSandbox, type RunningSandbox } from './index.js';
import { sandboxCaller, type SandboxCall } from './testing.js';

let sb: RunningSandbox;
let call: SandboxCall;
let listId: string;
let contactId: string;

beforeAll(async () => {
  sb = await startSandbox({ clock: new ManualClock() });
  const t = sb.control.createPrivateAppToken({ tier: 'unlimited' });
  call = sandboxCaller(sb.baseUrl, t.token);
  [contactId] = sb.control.seedContacts(t.portalId, [{ email: 'a@example.com' }, { email: 'b@example.com' }]) as [string];
  listId = (await call<{ list: { listId: string } }>('POST', '/crm/v3/lists', { name: 'L', objectTypeId: '0-1', processingType: 'MANUAL' })).body.list.listId;
});
afterAll(() => sb.close());

it('refuses limit and after that are not decimal digits on every paged list', async () => {
  const lists = ['/crm/v3/objects/contacts', `/crm/v3/lists/${listId}/memberships`, `/crm/v3/objects/contacts/${contactId}/associations/companies`.replace('/crm/v3/', '/crm/v4/')];
  for (const path of lists) {
    for (const [query, message] of [
      ['limit=0x10', 'limit must be a positive integer, got 0x10.'],
      ['limit=1e1', 'limit must be a positive integer, got 1e1.'],
      ['limit=0', 'limit must be a positive integer, got 0.'],
      ['after=garbage', 'after must be a cursor from paging.next.after, got garbage.'],
      ['after=-1', 'after must be a cursor from paging.next.after, got -1.'],
      ['after=0x10', 'after must be a cursor from paging.next.after, got 0x10.'],
    ]) {
      const res = await call('GET', `${path}?${query!}`);
      expect({ path, query, status: res.status, body: res.body }).toMatchObject({ path, query, status: 400, body: { category: 'VALIDATION_ERROR', message } });
    }
    expect((await call('GET', `${path}?limit=1`)).status).toBe(200);
  }
  const page = await call<{ results: unknown[]; paging: { next: { after: string } } }>('GET', '/crm/v3/objects/contacts?limit=1');
  expect((await call<{ results: unknown[] }>('GET', `/crm/v3/objects/contacts?limit=1&after=${page.body.paging.next.after}`)).body.results).toHaveLength(1);
});
