// The object types the push engine handles, in the order a run pushes them (companies will
// come before the contacts and deals that associate to them).
import type { ObjectAdapter } from './object-adapter.js';
import { contactAdapter } from './contact.adapter.js';
import { noteAdapter } from './note.adapter.js';

export type { AcceptedRecord, AssociationContext, ObjectAdapter, PushSuccess, SyncedRecord } from './object-adapter.js';
export { contactAdapter } from './contact.adapter.js';
export { noteAdapter, notePropertiesFor, noteHash, activityIdIn, ACTIVITY_LABELS, NOTE_BODY_MAX } from './note.adapter.js';

export const OBJECT_ADAPTERS: readonly ObjectAdapter[] = [
  contactAdapter,
  noteAdapter,
];

/** The adapter for `objectType` among `adapters`; an unknown type is a bug, so it throws. */
export function adapterFor(objectType: string, adapters: readonly ObjectAdapter[] = OBJECT_ADAPTERS): ObjectAdapter {
  const adapter = adapters.find((a) => a.objectType === objectType);
  if (!adapter) throw new Error(`No push adapter handles the object type "${objectType}".`);
  return adapter;
}
