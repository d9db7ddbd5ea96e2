// The HubSpot scopes each synced object type needs, and which of them a connection lacks.
// Contacts are always synced, so a token without their scopes is refused when it is pasted
// (REQUIRED_SCOPES). Every other type is asked for only once a workspace turns it on: the
// OAuth install requests the enabled types' scopes, and a token lacking one keeps working for
// everything else while that one type is reported (and refused by runs) with the scopes named.

/** What every connection must grant: contacts are always synced. */
export const REQUIRED_SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read'] as const;
/** Creating HubSpot contact properties from hubsync; it works without. */
export const OPTIONAL_SCOPES = ['crm.schemas.contacts.write'] as const;

export const SYNCED_OBJECT_TYPES = ['contacts', 'companies', 'deals', 'notes'] as const;
export type SyncedObjectType = (typeof SYNCED_OBJECT_TYPES)[number];

/**
 * Companies and deals have no natural key, so hubsync creates its own unique property on them
 * (the key a replayed batch matches by): that needs the type's schema write scope. Notes are
 * engagements, which HubSpot governs with the contacts scopes.
 */
export const OBJECT_TYPE_SCOPES: Readonly<Record<SyncedObjectType, readonly string[]>> = {
  contacts: REQUIRED_SCOPES,
  companies: ['crm.objects.companies.read', 'crm.objects.companies.write', 'crm.schemas.companies.read', 'crm.schemas.companies.write'],
  deals: ['crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.deals.read', 'crm.schemas.deals.write'],
  notes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
};

/** Reading HubSpot's owners (to push a record's owner); optional: without it records push without one. */
export const OWNERS_SCOPE = 'crm.objects.owners.read';

/** Every scope the given types need, once each, in a stable order. */
export function scopesFor(types: readonly SyncedObjectType[]): string[] {
  return [...new Set(types.flatMap((type) => OBJECT_TYPE_SCOPES[type]))];
}

/** The scopes of `type` that `granted` lacks (empty when it may be synced). */
export function missingScopesFor(type: SyncedObjectType, granted: readonly string[]): string[] {
  return OBJECT_TYPE_SCOPES[type].filter((scope) => !granted.includes(scope));
}
