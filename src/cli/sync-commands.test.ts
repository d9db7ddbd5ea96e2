// The dry run's text (`hubsync reconcile --dry-run`): counts per side, a preview cut short by its
// limit, two-way off, and each conflict with the side that wins.
import { describe, expect, it } from 'vitest';
import type { ReconcilePreview } from '../sync/index.js';
import { formatPreview } from './sync-commands.js';

const outbound: ReconcilePreview['outbound'] = {
  creates: 3,
  updates: 1,
  deletions: 2,
  objects: [
    { objectType: 'companies', creates: 0, updates: 0, deletions: 0, note: 'Not pushed: the HubSpot connection lacks crm.objects.companies.write. Reconnect HubSpot granting them.' },
    { objectType: 'contacts', creates: 3, updates: 1, deletions: 2, note: null },
  ],
};

describe('formatPreview', () => {
  it('lists each conflict with the side whose value wins, and says when more were found than listed', () => {
    const preview: ReconcilePreview = {
      inbound: { complete: false, pulled: 10_000, creates: 5, updates: 2, links: 1, deletions: 0, conflicts: 3, problems: 0 },
      outbound,
      conflicts: [
        { objectType: 'contacts', recordId: 'cus_1', hubspotId: '1', field: 'firstName', localValue: 'Ann', hubspotValue: 'Anne', localChangedAt: 1, hubspotChangedAt: 2, winner: 'hubspot', winningValue: 'Anne' },
        { objectType: 'contacts', recordId: 'cus_2', hubspotId: '2', field: 'city', localValue: 'Bern "Zentrum"', hubspotValue: '', localChangedAt: 3, hubspotChangedAt: 2, winner: 'local', winningValue: 'Bern "Zentrum"' },
      ],
    };
    expect(formatPreview('acme', preview)).toBe(
      [
        'Dry run of a reconcile of workspace "acme": nothing was changed, HubSpot was only read.',
        "Pull (HubSpot → hubsync): 10000 HubSpot records read (stopped at the dry run's limit: the counts cover those); 5 to create, 1 to link, 2 to update, 0 to delete; 3 conflicts.",
        'Push (hubsync → HubSpot): 3 to create, 1 to update, 2 to archive.',
        '  companies: Not pushed: the HubSpot connection lacks crm.objects.companies.write. Reconnect HubSpot granting them.',
        '  contacts: 3 to create, 1 to update, 2 to archive',
        'Conflicts (the later change wins):',
        '  contacts cus_1 firstName: hubsync "Ann", HubSpot "Anne" → HubSpot wins',
        '  contacts cus_2 city: hubsync "Bern \\"Zentrum\\"", HubSpot "" → hubsync wins',
        '  … and 1 more.',
        '',
      ].join('\n'),
    );
  });

  it('says the pull does nothing while two-way sync is off', () => {
    expect(formatPreview('default', { inbound: null, outbound, conflicts: [] })).toContain('Pull (HubSpot → hubsync): none, two-way sync is off.');
  });
});
