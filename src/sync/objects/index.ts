// The object types the push engine handles, in the order a run pushes them: companies before
// the contacts and deals that associate to them.
import type { ObjectAdapter } from './object-adapter.js';
import { companyAdapter } from './company.adapter.js';
import { contactAdapter } from './contact.adapter.js';
import { dealAdapter } from './deal.adapter.js';
import { noteAdapter } from './note.adapter.js';

export type { AcceptedRecord, AssociationContext, ObjectAdapter, PushItem, PushSuccess, SyncedRecord } from './object-adapter.js';
export { companyAdapter } from './company.adapter.js';
export { contactAdapter } from './contact.adapter.js';
export { dealAdapter } from './deal.adapter.js';
export { noteAdapter, notePropertiesFor, noteHash, activityIdIn, ACTIVITY_LABELS, NOTE_BODY_MAX } from './note.adapter.js';

export const OBJECT_ADAPTERS: readonly ObjectAdapter[] = [
  companyAdapter,
  contactAdapter,
  dealAdapter,
  noteAdapter,
];

/** The adapter for `objectType` among `adapters`; an unknown type is a bug, so it throws. */
export function adapterFor(objectType: string, adapters: readonly ObjectAdapter[] = OBJECT_ADAPTERS): ObjectAdapter {
  const adapter = adapters.find((a) => a.objectType === objectType);
  if (!adapter) throw new Error(`No push adapter handles the object type "${objectType}".`);
  return adapter;
}
