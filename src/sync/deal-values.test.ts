// What a deal pushes, pure: values under the mapping, the saved stage, the owner or why it is
// left out, the links that join its hash, and the refusal of a deal without a mapped stage.
import { describe, expect, it } from 'vitest';
import { EMPTY_DEAL } from '../crm/deals/index.js';
import type { Deal } from '../store/index.js';
import { dealCurrentHash, dealLinks, dealOwnerWarning, dealPropertiesFor, DEFAULT_DEAL_PROPERTIES, stageRefusal, type DealValuesContext } from './deal-values.js';

const deal = (changes: Partial<Deal> = {}): Deal => ({
  ...EMPTY_DEAL,
  id: 'deal_1',
  workspaceId: 'ws_1',
  externalId: null,
  name: 'Renewal ✓',
  amount: '1250.50',
  currency: 'EUR',
  closeDate: '2026-03-01',
  stage: 'won',
  ownerUserId: 'usr_linked',
  fieldUpdatedAt: {},
  createdAt: 1,
  updatedAt: 1,
  version: 1,
  sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  ...changes,
});

const context: DealValuesContext = {
  mapping: { ...DEFAULT_DEAL_PROPERTIES, 'custom.tier': 'tier' },
  stageOf: (pipeline, stage) => (pipeline === 'default' && stage === 'won' ? { hubspotPipelineId: 'default', hubspotStageId: 'closedwon' } : null),
  owners: new Map<string, { ownerId: string } | { problem: string }>([
    ['usr_linked', { ownerId: '8001' }],
    ['usr_archived', { problem: 'Its owner’s HubSpot owner 8002 no longer exists in HubSpot: pushed without an owner.' }],
  ]),
};

describe('deal values', () => {
  it('sends the key, the mapped values (a close date as midnight UTC), the saved stage and the linked owner', () => {
    expect(dealPropertiesFor(deal({ custom: { tier: 'gold' } }), context)).toEqual({
      hubsync_deal_id: 'deal_1',
      dealname: 'Renewal ✓',
      amount: '1250.50',
      deal_currency_code: 'EUR',
      closedate: String(Date.UTC(2026, 2, 1)),
      tier: 'gold',
      pipeline: 'default',
      dealstage: 'closedwon',
      hubspot_owner_id: '8001',
    });
  });

  it('clears emptied values and a removed owner, and leaves out an owner HubSpot does not know, saying why', () => {
    const cleared = dealPropertiesFor(deal({ amount: null, closeDate: null, ownerUserId: null }), context);
    expect(cleared).toMatchObject({ amount: '', closedate: '', hubspot_owner_id: '' });
    const archived = deal({ ownerUserId: 'usr_archived' });
    expect(dealPropertiesFor(archived, context)).not.toHaveProperty('hubspot_owner_id');
    expect(dealOwnerWarning(archived, context)).toContain('8002 no longer exists');
    expect(dealOwnerWarning(deal({ ownerUserId: 'usr_stranger' }), context)).toContain('linked to no HubSpot owner');
    expect(dealOwnerWarning(deal(), context)).toBeNull();
  });

  it('sends no stage for an unmapped one, and the refusal names it and the Deal stages tab', () => {
    const unmapped = deal({ stage: 'negotiation' });
    expect(dealPropertiesFor(unmapped, context)).not.toHaveProperty('dealstage');
    expect(stageRefusal(unmapped)).toBe('Stage "negotiation" (pipeline "default") is not mapped to a HubSpot deal stage: map it on the Deal stages tab (HubSpot → Deal stages), then sync again (not sent).');
    expect(stageRefusal(deal({ stage: null }))).toBe('This deal has no stage; HubSpot requires one (not sent).');
  });

  it('hashes its links with its values: a changed customer or organization changes the hash', () => {
    expect(dealLinks(deal())).toBeNull();
    expect(dealLinks(deal({ customerIds: ['cus_b', 'cus_a'], organizationId: 'org_1' }))).toBe('contacts:cus_a,cus_b;company:org_1');
    const base = dealCurrentHash(deal({ customerIds: ['cus_a'] }), context);
    expect(dealCurrentHash(deal({ customerIds: ['cus_a'] }), context)).toBe(base);
    expect(dealCurrentHash(deal({ customerIds: ['cus_a', 'cus_b'] }), context)).not.toBe(base);
    expect(dealCurrentHash(deal({ customerIds: ['cus_a'], organizationId: 'org_1' }), context)).not.toBe(base);
    expect(dealCurrentHash(deal({ customerIds: ['cus_a'], stage: 'negotiation' }), context)).not.toBe(base);
  });
});
