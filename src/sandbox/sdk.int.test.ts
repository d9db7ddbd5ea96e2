// The official SDK, pointed at the sandbox's base URL, must work unchanged: this is the
// strongest evidence that the sandbox speaks HubSpot's API closely enough.
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './index.js';

let sb: RunningSandbox;
let client: Client;
let portalId: number;

beforeAll(async () => {
  sb = await startSandbox();
  const t = sb.control.createPrivateAppToken({ tier: 'unlimited' });
  portalId = t.portalId;
  client = new Client({ accessToken: t.token, basePath: sb.baseUrl });
});
afterAll(() => sb.close());

describe('@hubspot/api-client against the sandbox', () => {
  it('creates, reads, updates, pages, searches and archives contacts', async () => {
    const created = await client.crm.contacts.basicApi.create({ properties: { email: 'sdk@example.com', firstname: 'Sdk' }, associations: [] });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.createdAt).toBeInstanceOf(Date);
    const byEmail = await client.crm.contacts.basicApi.getById('sdk@example.com', ['firstname'], undefined, undefined, false, 'email');
    expect(byEmail.properties['firstname']).toBe('Sdk');
    const updated = await client.crm.contacts.basicApi.update(created.id, { properties: { lastname: 'Client' } });
    expect(updated.properties['lastname']).toBe('Client');
    const page = await client.crm.contacts.basicApi.getPage(10, undefined, ['email']);
    expect(page.results.map((r) => r.properties['email'])).toContain('sdk@example.com');
    const found = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ' as never, value: 'sdk@example.com' }] }],
      properties: ['lastname'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(found.total).toBe(1);
    expect(found.results[0]!.properties['lastname']).toBe('Client');
    await client.crm.contacts.basicApi.archive(created.id);
    await expect(client.crm.contacts.basicApi.getById(created.id)).rejects.toMatchObject({ code: 404 });
  });

  it('surfaces the 409 conflict body through the SDK error', async () => {
    await client.crm.contacts.basicApi.create({ properties: { email: 'twice@example.com' }, associations: [] });
    await expect(client.crm.contacts.basicApi.create({ properties: { email: 'twice@example.com' }, associations: [] })).rejects.toMatchObject({
      code: 409,
      body: { category: 'CONFLICT' },
    });
  });

  it('runs batch upsert and merge', async () => {
    const upsert = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { idProperty: 'email', id: 'm1@example.com', properties: { firstname: 'One' } },
        { idProperty: 'email', id: 'm2@example.com', properties: { firstname: 'Two' } },
      ],
    });
    expect(upsert.results).toHaveLength(2);
    const [a, b] = upsert.results;
    const merged = await client.crm.contacts.basicApi.merge({ primaryObjectId: a!.id, objectIdToMerge: b!.id });
    expect([a!.id, b!.id]).not.toContain(merged.id);
    const old = await client.crm.contacts.basicApi.getById(b!.id, ['hs_merged_object_ids']);
    expect(old.id).toBe(merged.id);
  });

  it('handles companies, deals, notes and pipelines', async () => {
    const company = await client.crm.companies.basicApi.create({ properties: { name: 'Acme', domain: 'acme.test' }, associations: [] });
    const deal = await client.crm.deals.basicApi.create({ properties: { dealname: 'Deal', pipeline: 'default', dealstage: 'qualifiedtobuy', amount: '100' }, associations: [] });
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'note@example.com' }, associations: [] });
    const note = await client.crm.objects.notes.basicApi.create({
      properties: { hs_timestamp: '2026-03-12T10:00:00Z', hs_note_body: 'Hello' },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 202 }] }],
    });
    expect(note.properties['hs_note_body']).toBe('Hello');
    expect((await client.crm.companies.basicApi.getById(company.id)).properties['name']).toBe('Acme');
    expect((await client.crm.deals.basicApi.getById(deal.id)).properties['dealstage']).toBe('qualifiedtobuy');
    const pipelines = await client.crm.pipelines.pipelinesApi.getAll('deals');
    expect(pipelines.results[0]!.stages.map((s) => s.id)).toContain('closedwon');
  });

  it('reads and creates properties', async () => {
    const all = await client.crm.properties.coreApi.getAll('contacts');
    expect(all.results.find((p) => p.name === 'lifecyclestage')!.options.map((o) => o.value)).toContain('customer');
    const created = await client.crm.properties.coreApi.create('contacts', { name: 'sdk_flag', label: 'SDK flag', type: 'bool' as never, fieldType: 'booleancheckbox' as never, groupName: 'contactinformation' });
    expect(created.name).toBe('sdk_flag');
  });

  it('creates and reads associations v4', async () => {
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'assoc@example.com' }, associations: [] });
    const company = await client.crm.companies.basicApi.create({ properties: { name: 'Assoc Co' }, associations: [] });
    const res = await client.crm.associations.v4.basicApi.createDefault('contacts', contact.id, 'companies', company.id);
    expect(res.results.length).toBe(2);
    const page = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(page.results.map((r) => String(r.toObjectId))).toEqual([company.id]);
    const batch = await client.crm.associations.v4.batchApi.getPage('companies', 'contacts', { inputs: [{ id: company.id }] });
    expect(batch.results[0]!.to.map((t) => String(t.toObjectId))).toEqual([contact.id]);
  });

  it('manages lists and memberships', async () => {
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'list@example.com' }, associations: [] });
    const created = await client.crm.lists.listsApi.create({ name: 'SDK list', objectTypeId: '0-1', processingType: 'MANUAL' });
    const listId = created.list.listId;
    const added = await client.crm.lists.membershipsApi.add(listId, [contact.id]);
    expect(added.recordsIdsAdded).toEqual([contact.id]);
    const members = await client.crm.lists.membershipsApi.getPage(listId);
    expect(members.results.map((m) => m.recordId)).toEqual([contact.id]);
    const fetched = await client.crm.lists.listsApi.getById(listId);
    expect(fetched.list.name).toBe('SDK list');
  });

  it('runs the OAuth token calls', async () => {
    const app = sb.control.createOAuthApp({ redirectUris: ['http://localhost/cb'] });
    const { code } = sb.control.authorize({ clientId: app.clientId, portalId });
    const anon = new Client({ basePath: sb.baseUrl });
    const tokens = await anon.oauth.tokensApi.create('authorization_code', code, 'http://localhost/cb', app.clientId, app.clientSecret);
    expect(tokens.expiresIn).toBe(1800);
    const info = await anon.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(portalId);
    const refreshed = await anon.oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    const refreshInfo = await anon.oauth.refreshTokensApi.get(tokens.refreshToken);
    expect(refreshInfo.hubId).toBe(portalId);
    const viaOAuth = new Client({ accessToken: refreshed.accessToken, basePath: sb.baseUrl });
    expect((await viaOAuth.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
    await anon.oauth.refreshTokensApi.archive(tokens.refreshToken);
    await expect(anon.oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, tokens.refreshToken)).rejects.toMatchObject({ code: 400 });
  });
});
