// What a customer's owner adds to its contact's properties, pure: the linked owner's id; `""`
// once an owner was removed here; nothing for a customer never owned here (so HubSpot's own
// owner and the hash of contacts pushed before owners existed are left alone); and the reason
// an owner HubSpot does not know is left out.
import { describe, expect, it } from 'vitest';
import { EMPTY_VALUES } from '../customers/index.js';
import type { Customer } from '../store/index.js';
import { DEFAULT_PROPERTIES, recordHash } from './field-mapping.js';
import { contactOwnerWarning, pushPropertiesFor, type ContactValues } from './status-refresh.js';

const customer = (changes: Partial<Customer> = {}): Customer => ({
  ...EMPTY_VALUES,
  id: 'cus_1',
  workspaceId: 'ws_1',
  externalId: null,
  email: 'ada@example.com',
  firstName: 'Ada',
  fieldUpdatedAt: {},
  createdAt: 1,
  updatedAt: 1,
  version: 1,
  sync: { hubspotId: null, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  ...changes,
});

const values: ContactValues = {
  mapping: { ...DEFAULT_PROPERTIES },
  owners: new Map<string, { ownerId: string } | { problem: string }>([
    ['usr_linked', { ownerId: '8001' }],
    ['usr_unlinked', { problem: 'Its owner is linked to no HubSpot owner (Owners tab): pushed without an owner.' }],
  ]),
};

describe('contact owner', () => {
  it('sends the HubSpot owner linked to the customer’s owner', () => {
    const owned = customer({ ownerUserId: 'usr_linked', fieldUpdatedAt: { ownerUserId: 5 } });
    expect(pushPropertiesFor(owned, values)).toMatchObject({ email: 'ada@example.com', firstname: 'Ada', hubspot_owner_id: '8001' });
    expect(contactOwnerWarning(owned, values)).toBeNull();
  });

  it('sends nothing for a customer never owned here: its properties and hash are those of a contact without owners', () => {
    const never = customer();
    expect(pushPropertiesFor(never, values)).not.toHaveProperty('hubspot_owner_id');
    expect(recordHash(pushPropertiesFor(never, values), null)).toBe(recordHash(pushPropertiesFor(never, { ...values, owners: new Map() }), null));
    expect(contactOwnerWarning(never, values)).toBeNull();
  });

  it('clears the owner in HubSpot once it was removed here', () => {
    const removed = customer({ ownerUserId: null, fieldUpdatedAt: { ownerUserId: 9 } });
    expect(pushPropertiesFor(removed, values)['hubspot_owner_id']).toBe('');
    expect(contactOwnerWarning(removed, values)).toBeNull();
  });

  it('leaves out an owner HubSpot does not know, and says why', () => {
    const unlinked = customer({ ownerUserId: 'usr_unlinked', fieldUpdatedAt: { ownerUserId: 5 } });
    expect(pushPropertiesFor(unlinked, values)).not.toHaveProperty('hubspot_owner_id');
    expect(contactOwnerWarning(unlinked, values)).toContain('linked to no HubSpot owner');
    const gone = customer({ ownerUserId: 'usr_former_member', fieldUpdatedAt: { ownerUserId: 5 } });
    expect(pushPropertiesFor(gone, values)).not.toHaveProperty('hubspot_owner_id');
    expect(contactOwnerWarning(gone, values)).toContain('no longer a member');
  });
});
