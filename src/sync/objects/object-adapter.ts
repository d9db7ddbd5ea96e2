// What the push engine (../push-run.ts) needs to know about one object type, and nothing more.
// The engine owns everything that is the same for every type: runs and their states, batches of
// 100 through the rate-governed client, isolating the records HubSpot refuses, hashes, progress,
// cancel, crash safety and the sync log. An adapter owns what differs: where the local records
// live, the HubSpot property that identifies them, the default mapping, how a record becomes
// HubSpot properties, how outcomes are stored and statuses recomputed, and (for later types)
// the associations to push with them. `contact.adapter.ts` is the first; see
// docs/ARCHITECTURE.md, "One push engine, an adapter per object type".
import type { HubSpotClient, ObjectAssociationInput, ObjectType } from '../../hubspot/index.js';
import type { Db, RecordLabel, SyncStatus } from '../../store/index.js';
import type { Mapping } from '../field-mapping.js';

/** A local record as the engine sees it: its sync state, and the adapter's own view of it. */
export interface SyncedRecord<R> {
  id: string;
  /** The linked HubSpot record, once HubSpot accepted one. */
  hubspotId: string | null;
  status: SyncStatus;
  lastAttemptAt: number | null;
  /** What `properties` reads (a Customer for contacts). */
  record: R;
  /**
   * The merge base (`synced_values`: HubSpot property → the value both sides last agreed on) of a
   * type whose table keeps one; null or absent when none is known. In a two-way workspace an
   * update of a linked record sends only what differs from it (PushItem `changed`).
   */
  base?: Readonly<Record<string, string>> | null;
}

/**
 * A record whose values HubSpot accepted: its link, the hash of what it accepted, and its new
 * merge base (`synced_values`: the old base with the accepted properties over it; adapters of
 * types without a base ignore it).
 */
export interface PushSuccess {
  id: string;
  hubspotId: string;
  hash: string;
  properties: Readonly<Record<string, string>>;
}

/** A record on its way to HubSpot: the values it sends and their hash. */
export interface PushItem<R = unknown> {
  record: SyncedRecord<R>;
  /** Everything the record pushes (what a create or upsert sends, and what its hash is of). */
  properties: Record<string, string>;
  /**
   * What an update by id sends when not all of `properties`: in a two-way workspace, for a linked
   * record with a known base, only the properties whose value differs from the base (empty: no
   * call at all), so a HubSpot edit to another property since the last pull is not overwritten.
   * Null: all of `properties`.
   */
  changed: Record<string, string> | null;
  hash: string;
  /** What the sync log says about a success (the adapter's `warning`: an owner left out), or null. */
  warning: string | null;
}

/** A record HubSpot accepted in this batch, for the associations hook. */
export interface AcceptedRecord<R> {
  record: SyncedRecord<R>;
  hubspotId: string;
}

export interface AssociationContext {
  db: Db;
  client: HubSpotClient;
  workspaceId: string;
  /** Tags the calls as the run's, so the run counts them. */
  tag: string;
}

/**
 * One object type. Members are methods (not function-valued properties) so an adapter over
 * its own record type fits where the engine keeps adapters of any record type. `M` is what the
 * adapter reads once per run to compute values: the mapping in force, and for some types the
 * lookups they need (deal stages, owners).
 */
export interface ObjectAdapter<R = unknown, M = unknown> {
  /** HubSpot's name for the object type: `contacts`, `companies`, `deals`, `notes`. */
  readonly objectType: ObjectType;
  /** One record of the type in messages ("HubSpot did not return this contact …"). */
  readonly noun: string;
  /**
   * The HubSpot property a batch upsert matches records by (`email` for contacts, a
   * hubsync-owned unique property for types without a natural key). HubSpot's per-record
   * results and errors are mapped back to local records through it: by its value, compared
   * after `normalize` (emails ignore case), in the result's properties or the error's text.
   */
  readonly key: { readonly property: string; normalize(value: string): string };
  /** The mapping (local field → HubSpot property) before an admin saved one. */
  readonly defaultMapping: Mapping;
  /**
   * The sync setting that turns the type on; a type without one (contacts) is always pushed.
   * A run also leaves a type out while the connection lacks its scopes, and says so.
   */
  readonly setting?: 'syncCompanies' | 'syncDeals' | 'syncActivities';
  /**
   * How records without a HubSpot id are sent: `upsert` (the default) by `key`; `create` for
   * types HubSpot cannot upsert by a key of ours (notes): batch create with `inlineAssociations`,
   * the results mapped back by `key` too, after `beginCreates` journaled the attempt.
   */
  readonly creates?: 'upsert' | 'create';

  // Local records ----------------------------------------------------------------------------

  /** A keyset page of the workspace's record ids in the given statuses, in id order (optionally only among `among`). */
  pageIds(db: Db, workspaceId: string, statuses: readonly SyncStatus[], after: string | undefined, limit: number, among?: readonly string[]): Promise<string[]>;
  /** The given records, in id order (records deleted meanwhile are left out). */
  load(db: Db, workspaceId: string, ids: readonly string[]): Promise<SyncedRecord<R>[]>;
  /** How many live records are in each status (a run's total and skipped). */
  countByStatus(db: Db, workspaceId: string): Promise<Record<SyncStatus, number>>;
  /** Whether a record became pushable since `since`, or the mapping changed (see PushEngine.start). */
  hasWorkSince(db: Db, workspaceId: string, statuses: readonly SyncStatus[], since: number): Promise<boolean>;

  // Values -----------------------------------------------------------------------------------

  /** The mapping in force (the saved one, else `defaultMapping`) and the type's lookups. Read once per run. */
  mapping(db: Db, workspaceId: string): Promise<M>;
  /** What the record would push: HubSpot property → value. Its hash (with `links`) decides Synced vs Needs update. */
  properties(record: R, mapping: M): Record<string, string>;
  /**
   * What to note in the sync log when the record is pushed without part of its values (an owner
   * HubSpot does not know is left out, not a failed batch), or null.
   */
  warning?(record: R, mapping: M): string | null;
  /**
   * The record's local links that its push associates (sorted local ids, e.g. a deal's
   * customers and organization), as one string that joins the properties in its hash: changing
   * a link makes the record Needs update. Null or absent: no links.
   */
  links?(record: R): string | null;
  /**
   * Why HubSpot would refuse these values outright (one such input fails a whole batch and
   * costs a retry), or null to send them. The reason is recorded as the record's error. `record`
   * is there for reasons beyond the values (a note whose contact is not in HubSpot yet, a deal's
   * unmapped stage).
   */
  refusal?(properties: Readonly<Record<string, string>>, record: R): string | null;

  // Outcomes ---------------------------------------------------------------------------------
  // Called inside the transaction that records a batch, so a crash keeps all of a batch or none.

  /**
   * HubSpot accepted these records' values whose hash is `hash`: store each link and hash (one
   * batch, one statement if the store allows), and the status where it follows from the record
   * alone. Returns the ids whose status still needs `refreshStatuses` (all of them for an
   * adapter that leaves statuses to it).
   */
  recordSuccesses(db: Db, workspaceId: string, results: readonly PushSuccess[], at: number): Promise<readonly string[]>;
  /**
   * The attempt failed. `hubspotId` is set when HubSpot holds the record although the attempt
   * failed (its associations did not go through): the adapter must keep that link.
   */
  recordFailure(db: Db, workspaceId: string, id: string, failure: { message: string; at: number; hubspotId?: string }): Promise<void>;
  /** Recomputes the seven statuses of these records from the rows as they are now. */
  refreshStatuses(db: Db, workspaceId: string, ids: readonly string[]): Promise<void>;
  /** The customer an attempt concerns, for the sync log's `customerId` (contacts: the record itself). */
  customerIdOf(record: SyncedRecord<R>): string | null;
  /** The record's name (and a customer's email) as the sync log shows and searches it, taken from the record as loaded for the batch. */
  labelOf(record: SyncedRecord<R>): RecordLabel;

  // HubSpot-side preparation ------------------------------------------------------------------

  /** Once per run (and slice) before the type's first batch, and not at all when it has none: e.g. make sure its key property exists in HubSpot. */
  begin?(context: AssociationContext): Promise<void>;
  /**
   * For a batch's records that have no HubSpot id yet: HubSpot records to link them to instead
   * of creating one (record id → HubSpot id): a company found by its domain, a note a crashed
   * run already created. Those are sent as updates.
   */
  match?(context: AssociationContext, items: readonly PushItem<R>[]): Promise<ReadonlyMap<string, string>>;
  /** `creates: 'create'`: records the attempt (committed) before the create call goes out. */
  beginCreates?(db: Db, workspaceId: string, ids: readonly string[], at: number): Promise<void>;
  /** `creates: 'create'`: the associations sent with the record's create. */
  inlineAssociations?(record: R): ObjectAssociationInput[];

  // Associations ------------------------------------------------------------------------------

  /**
   * Links a batch's accepted records to the records they point at (deal → contacts, note →
   * contact), after the batch is written and before it is recorded. Returns a message per
   * record whose links did not go through: that record is recorded as failed (keeping its
   * HubSpot link), so the next run tries it again instead of leaving it half-linked silently.
   * Contacts have none.
   */
  associate?(context: AssociationContext, accepted: readonly AcceptedRecord<R>[]): Promise<ReadonlyMap<string, string>>;
}
