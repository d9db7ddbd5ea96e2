// Owners over real HTTP: GET /crm/v3/owners (paging, archived, email filter, the scope it
// needs), one owner by id or user id, the control API that adds and archives owners, and
// hubspot_owner_id checked against the portal's active owners on every object type.

import { describe, expect, it } from 'vitest';
import type { Owner } from './index.js';
import { sandboxCaller, useSandbox } from './testing.js';

type Page = { results: Owner[]; paging?: { next: { after: string } } };
type Err = { status: string; category: string; message: string };

const sb = useSandbox();
const { call, anon: control } = sb;

describe('owners', () => {
  it('a portal starts with one owner; the control API adds and archives owners; the list pages and filters', async () => {
    const start = await call<Page>('GET', '/crm/v3/owners');
    expect(start.status).toBe(200);
    expect(start.body.results).toHaveLength(1);
    const first = start.body.results[0]!;
    expect(first).toMatchObject({ archived: false, type: 'PERSON', teams: [] });
    expect(typeof first.id).toBe('string');
    expect(first.userId).toBe(first.userIdIncludingInactive);
    expect(first.id).not.toBe(String(first.userId));

    const added = await control<Owner>('POST', `/_sandbox/portals/${sb.portalId}/owners`, { email: 'Ada@Example.com', firstName: 'Ada', lastName: 'Lovelace' });
    expect(added.status).toBe(201);
    for (let i = 0; i < 3; i++) sb.control.addOwner(sb.portalId, { email: `o${i}@example.com` });

    const page1 = await call<Page>('GET', '/crm/v3/owners?limit=2');
    expect(page1.body.results).toHaveLength(2);
    const page2 = await call<Page>('GET', `/crm/v3/owners?limit=2&after=${page1.body.paging!.next.after}`);
    const page3 = await call<Page>('GET', `/crm/v3/owners?limit=2&after=${page2.body.paging!.next.after}`);
    expect(page3.body.paging).toBeUndefined();
    const ids = [...page1.body.results, ...page2.body.results, ...page3.body.results].map((o) => o.id);
    expect(new Set(ids).size).toBe(5);

    const byEmail = await call<Page>('GET', '/crm/v3/owners?email=ada@example.com');
    expect(byEmail.body.results.map((o) => o.id)).toEqual([added.body.id]);
    expect(byEmail.body.results[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com' });

    const archived = await control<Owner>('DELETE', `/_sandbox/portals/${sb.portalId}/owners/${added.body.id}`, {});
    expect(archived.body).toMatchObject({ archived: true, userId: null, userIdIncludingInactive: added.body.userId });
    expect((await call<Page>('GET', '/crm/v3/owners?email=ada@example.com')).body.results).toEqual([]);
    const listedArchived = await call<Page>('GET', '/crm/v3/owners?archived=true');
    expect(listedArchived.body.results.map((o) => o.id)).toEqual([added.body.id]);

    expect((await call<Owner>('GET', `/crm/v3/owners/${first.id}`)).body.email).toBe(first.email);
    expect((await call<Owner>('GET', `/crm/v3/owners/${String(first.userId)}?idProperty=userId`)).body.id).toBe(first.id);
    expect((await call('GET', `/crm/v3/owners/${added.body.id}`)).status).toBe(404);
    expect((await call('GET', `/crm/v3/owners/${added.body.id}?archived=true`)).status).toBe(200);
    expect((await control('DELETE', `/_sandbox/portals/${sb.portalId}/owners/999`, {})).status).toBe(404);
    expect((await control('POST', `/_sandbox/portals/${sb.portalId}/owners`, { firstName: 'no email' })).status).toBe(400);
  });

  it('needs crm.objects.owners.read', async () => {
    const { token } = sb.control.createPrivateAppToken({ portalId: sb.portalId, scopes: ['crm.objects.contacts.read'], tier: 'unlimited' });
    const res = await sandboxCaller(sb.baseUrl, token)<Err & { errors: { context: { requiredGranularScopes: string[] } }[] }>('GET', '/crm/v3/owners');
    expect(res.status).toBe(403);
    expect(res.body.category).toBe('MISSING_SCOPES');
    expect(res.body.errors[0]!.context.requiredGranularScopes).toEqual(['crm.objects.owners.read']);
  });

  it.each([
    ['contacts', { email: 'x@example.com' }],
    ['companies', { name: 'Acme' }],
    ['deals', { dealname: 'D' }],
    ['notes', { hs_timestamp: '2026-01-01T00:00:00Z' }],
  ])('%s: hubspot_owner_id must be an active owner of the portal', async (type, base) => {
    const owner = sb.control.addOwner(sb.portalId, { email: 'rep@example.com' });
    const ok = await call<{ id: string; properties: Record<string, string> }>('POST', `/crm/v3/objects/${type}`, { properties: { ...base, hubspot_owner_id: owner.id } });
    expect(ok.status).toBe(201);
    expect(ok.body.properties['hubspot_owner_id']).toBe(owner.id);
    // A user id is not an owner id.
    const userId = await call<Err>('PATCH', `/crm/v3/objects/${type}/${ok.body.id}`, { properties: { hubspot_owner_id: String(owner.userId) } });
    expect(userId.status).toBe(400);
    expect(userId.body.category).toBe('VALIDATION_ERROR');
    expect(userId.body.message).toContain('"error":"INVALID_OWNER_ID"');
    expect(userId.body.message).toContain('"name":"hubspot_owner_id"');
    sb.control.archiveOwner(sb.portalId, owner.id);
    const gone = await call<Err>('PATCH', `/crm/v3/objects/${type}/${ok.body.id}`, { properties: { hubspot_owner_id: owner.id } });
    expect(gone.status).toBe(400);
    // Clearing is always allowed.
    expect((await call('PATCH', `/crm/v3/objects/${type}/${ok.body.id}`, { properties: { hubspot_owner_id: '' } })).status).toBe(200);
  });
});
