// Every endpoint the company/deal/note push uses checks its own scope over real HTTP: a token
// holding every scope but that one gets 403 MISSING_SCOPES naming it; with it, no 403.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES, startSandbox, type RunningSandbox } from './index.js';
import { sandboxCaller } from './testing.js';

let sb: RunningSandbox;
let portalId: number;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.control.reset();
  portalId = sb.control.createPortal().portalId;
});

const batch = { inputs: [] };
const cases: [method: string, path: string, body: unknown, scope: string][] = [
  ['GET', '/crm/v3/objects/companies', undefined, 'crm.objects.companies.read'],
  ['POST', '/crm/v3/objects/companies/batch/read', batch, 'crm.objects.companies.read'],
  ['POST', '/crm/v3/objects/companies/search', {}, 'crm.objects.companies.read'],
  ['POST', '/crm/v3/objects/companies/batch/upsert', batch, 'crm.objects.companies.write'],
  ['POST', '/crm/v3/objects/companies/batch/create', batch, 'crm.objects.companies.write'],
  ['GET', '/crm/v3/objects/deals', undefined, 'crm.objects.deals.read'],
  ['POST', '/crm/v3/objects/deals/batch/update', batch, 'crm.objects.deals.write'],
  ['POST', '/crm/v3/objects/deals/batch/upsert', batch, 'crm.objects.deals.write'],
  ['POST', '/crm/v3/objects/deals/batch/archive', batch, 'crm.objects.deals.write'],
  ['GET', '/crm/v3/pipelines/deals', undefined, 'crm.objects.deals.read'],
  // Notes are engagements guarded by the contacts scopes.
  ['GET', '/crm/v3/objects/notes', undefined, 'crm.objects.contacts.read'],
  ['POST', '/crm/v3/objects/notes/batch/create', batch, 'crm.objects.contacts.write'],
  ['GET', '/crm/v3/owners', undefined, 'crm.objects.owners.read'],
  ['GET', '/crm/v3/properties/companies', undefined, 'crm.schemas.companies.read'],
  ['POST', '/crm/v3/properties/companies', {}, 'crm.schemas.companies.write'],
  ['GET', '/crm/v3/properties/deals', undefined, 'crm.schemas.deals.read'],
  ['POST', '/crm/v3/properties/deals', {}, 'crm.schemas.deals.write'],
  ['POST', '/crm/v3/properties/notes', {}, 'crm.schemas.contacts.write'],
  ['GET', '/crm/v4/associations/deals/companies/labels', undefined, 'crm.objects.deals.read'],
  ['POST', '/crm/v4/associations/deals/companies/batch/create', batch, 'crm.objects.deals.write'],
  ['POST', '/crm/v4/associations/companies/deals/batch/archive', batch, 'crm.objects.companies.write'],
  ['POST', '/crm/v4/associations/notes/deals/batch/read', batch, 'crm.objects.contacts.read'],
];

describe('scopes of the company, deal, note and owner endpoints', () => {
  it('every default token holds the owners scope', () => {
    expect(DEFAULT_SCOPES).toContain('crm.objects.owners.read');
  });

  it.each(cases)('%s %s needs %s', async (method, path, body, scope) => {
    const without = sb.control.createPrivateAppToken({ portalId, tier: 'unlimited', scopes: DEFAULT_SCOPES.filter((s) => s !== scope) });
    const refused = await sandboxCaller(sb.baseUrl, without.token)<{ category: string; errors: { context: { requiredGranularScopes: string[] } }[] }>(method, path, body);
    expect(refused.status).toBe(403);
    expect(refused.body.category).toBe('MISSING_SCOPES');
    expect(refused.body.errors[0]!.context.requiredGranularScopes).toEqual([scope]);
    const only = sb.control.createPrivateAppToken({ portalId, tier: 'unlimited', scopes: [scope] });
    const allowed = await sandboxCaller(sb.baseUrl, only.token)(method, path, body);
    expect(allowed.status).not.toBe(403);
  });
});
