// What a record service tells the rest of hubsync after a write, inside the writing
// transaction: which records of which object type changed and now wait to be pushed. The sync
// module registers the listener that adds them to the pending-changes set (src/main.ts wires
// it), so a record service never imports the sync engine's internals.
import type { Db } from '../store/index.js';

/** `objectType` is HubSpot's name (`deals`, `notes`); `ids` are records a push would now send. */
export type RecordChangeListener = (db: Db, workspaceId: string, objectType: string, ids: string[]) => Promise<void>;
