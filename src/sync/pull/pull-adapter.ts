// What the pull engine (./pull-engine.ts) needs to know about one object type, like the push
// adapters (../objects/object-adapter.ts): the property HubSpot stamps each change with, the
// setting that turns it on, the properties to read, and how a page of HubSpot records is merged
// into the local records. The engine owns the rest: the initial listing and the incremental
// window, the checkpoint, the history reads for conflicts, transactions. Every type builds its
// adapter from a small spec with ./record-pull.ts (contact.pull.ts, company.pull.ts, deal.pull.ts).
import type { CrmObject, ObjectType } from '../../hubspot/index.js';
import type { Db, RecordLabel } from '../../store/index.js';
import type { PageAssociations } from './links.pull.js';

/** What applying one page did, counted per record. */
export interface PullPageOutcome {
  /** New local records (HubSpot records that passed the import filter). */
  created: number;
  /** Local records whose values HubSpot changed. */
  updated: number;
  /** Local records linked to their HubSpot record by a key (email, domain, hubsync's id) on this pull. */
  linked: number;
  /** Fields both sides changed differently (each recorded in sync_conflicts). */
  conflicts: number;
  /** HubSpot records left out: outside the import filter, or deleted locally. */
  skipped: number;
  /** Values that could not be stored locally (the field keeps its local value). */
  problems: { objectType: ObjectType; hubspotId: string; field: string; message: string }[];
  /** Every local record the page created, linked or changed, or could not fully change (a problem): the sync log's pull attempts. */
  changes: PullChange[];
}

/** One local record a pulled page concerned, as the sync log records it. */
export interface PullChange {
  recordId: string;
  hubspotId: string;
  /** The customer, when the record is one (the sync log names it). */
  customerId: string | null;
  /** The record's name (and a customer's email) as the page left it: the sync log shows and searches it. */
  label: RecordLabel;
  /** create: a new local record; link: an existing one found by its key and linked; update: a linked one. */
  operation: 'create' | 'link' | 'update';
  /** False when nothing was stored: every changed value was one of the page's `problems`. */
  changed: boolean;
  /** Why the record came in when the import filter alone would have left it out (a Closed Won deal's contact): the sync log's message. */
  reason?: string;
}

/** What a page brings besides its records, read before its transaction. */
export interface PageExtras {
  /** The HubSpot associations of the page's records, per kind read (./links.pull.ts). */
  associations?: PageAssociations;
  /** HubSpot ids imported whatever the import filter says, each with why (./closed-won.ts). */
  forced?: ReadonlyMap<string, string>;
}

export interface PullRun {
  /** Names the pull in the conflicts it records. */
  id: string;
  at: number;
}

/** When HubSpot last changed each property of a record: HubSpot id → property → epoch ms. */
export type ChangeTimes = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface PullAdapter<C = unknown> {
  readonly objectType: ObjectType;
  /** The property every HubSpot write stamps (`lastmodifieddate` for contacts, `hs_lastmodifieddate` for others). */
  readonly modifiedProperty: string;
  /** The sync setting that turns the type on (with two-way sync); contacts have none: always pulled. */
  readonly setting?: 'syncCompanies' | 'syncDeals';
  /** The types whose associations to this type's records are read and brought in as links (those the workspace pulls). */
  readonly linkKinds?: readonly ObjectType[];
  /** What a pull reads once: the mapping, the local field types, the import filter. */
  context(db: Db, workspaceId: string): Promise<C>;
  /** The HubSpot properties to read. */
  properties(context: C): string[];
  /** Read-only, before the page's transaction: the records whose fields conflict (HubSpot id → properties), whose history must be read. */
  conflicts(db: Db, workspaceId: string, context: C, records: readonly CrmObject[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /**
   * Read-only, before the page's transaction: the HubSpot ids of the page whose associations are
   * to be read — records that will be here after the page (a record the import filter leaves out,
   * or one deleted here, has no links to bring). With `all` false (a pull's page), a linked record
   * HubSpot holds nothing new of (every pulled field as the base has it: hubsync's own push coming
   * back) is left out too: an association change alone does not move a record's modification time
   * (its webhook names the record, read with `all`).
   */
  linkable(db: Db, workspaceId: string, context: C, records: readonly CrmObject[], all: boolean): Promise<string[]>;
  /** Merges the page into the local records, inside the page's transaction (which also stores the checkpoint). */
  apply(db: Db, workspaceId: string, context: C, records: readonly CrmObject[], changedAt: ChangeTimes, run: PullRun, page?: PageExtras): Promise<PullPageOutcome>;
}

/**
 * What a page changed locally, as the sync log counts it: records created, records found by their
 * key and linked, and linked records whose values changed (a record whose only news was a value
 * that could not be stored changed nothing).
 */
export function localChanges(outcome: PullPageOutcome): { created: number; linked: number; updated: number } {
  const counts = { created: 0, linked: 0, updated: 0 };
  for (const c of outcome.changes) {
    if (c.operation === 'create') counts.created++;
    else if (c.operation === 'link') counts.linked++;
    else if (c.changed) counts.updated++;
  }
  return counts;
}

export function emptyOutcome(): PullPageOutcome {
  return { created: 0, updated: 0, linked: 0, conflicts: 0, skipped: 0, problems: [], changes: [] };
}

/** A HubSpot timestamp property (ISO 8601 or epoch ms) as epoch ms; 0 when absent or unreadable. */
export function stampOf(value: string | null | undefined): number {
  if (value === null || value === undefined || value === '') return 0;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}
