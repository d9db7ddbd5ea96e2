// Activities → HubSpot notes on the activity's contact (and its company and deal when those are in
// HubSpot). A note has no key HubSpot can upsert by, and a custom unique property is not
// available on notes in every portal, so a note is created — exactly once, even when its batch
// is replayed after a crash: the create is journaled (activities.create_started_at, committed)
// before the call goes out, and a record whose journal is set is first looked for among its
// contact's notes by the reference line every note body ends with ("hubsync activity act_…"),
// which is also the key batch results are mapped back by. See docs/ARCHITECTURE.md,
// "Exactly-once notes". Activities are never edited, so a Synced note is never sent again.
import { ASSOCIATION_TYPE_IDS, type ObjectAssociationInput } from '../../hubspot/index.js';
import type { Activity, ActivityForNote, ActivityType } from '../../store/index.js';
import {
  activitiesHaveWorkSince,
  countActivitiesByStatus,
  findActivities,
  findActivitiesForNotes,
  markNoteCreatesStarted,
  pageActivityIdsByStatus,
  recordNoteSuccesses,
  setActivityHashesAndStatuses,
  recordPushFailure,
} from '../../store/index.js';
import { recordHash, type Mapping } from '../field-mapping.js';
import { readSyncSettings } from '../sync-settings.js';
import { computeStatus } from '../sync-status.js';
import type { AssociationContext, ObjectAdapter } from './object-adapter.js';

export const NOTE_BODY = 'hs_note_body';
export const NOTE_TIMESTAMP = 'hs_timestamp';
/** HubSpot's limit on a note body. */
export const NOTE_BODY_MAX = 65_536;

/** The heading of each activity type's note. */
export const ACTIVITY_LABELS: Readonly<Record<ActivityType, string>> = {
  membership_activated: 'Membership activated',
  membership_expiring: 'Membership expiring',
  membership_expired: 'Membership expired',
  membership_upgraded: 'Membership upgraded',
  membership_downgrade_scheduled: 'Membership downgrade scheduled',
  event_registered: 'Event registered',
  event_attended: 'Event attended',
  event_no_show: 'Event no-show',
  course_enrolled: 'Course enrolled',
  course_completed: 'Course completed',
  support_ticket_updated: 'Support ticket updated',
  other: 'Activity',
};

const REFERENCE = /hubsync activity (act_[A-Za-z0-9_-]+)/g;

/** The reference line a note body ends with: how a note is found again and mapped back to its activity. */
export function noteReference(activityId: string): string {
  return `hubsync activity ${activityId}`;
}

/** The activity id a text (a note body, a batch error) refers to: its last reference line, or ''. */
export function activityIdIn(text: string): string {
  let last = '';
  for (const match of text.matchAll(REFERENCE)) last = match[1]!;
  return last;
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML: the five special characters escaped, every other character (any Unicode) kept as it is. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Multi-line text as HTML within `budget` characters: line breaks become `<br>`; when the whole
 * does not fit, the longest prefix that does (never splitting a character) followed by "…".
 */
function escapeLinesWithin(text: string, budget: number): string {
  const lines = text.replace(/\r\n?/g, '\n');
  const whole = escapeHtml(lines).replace(/\n/g, '<br>');
  if (whole.length <= budget) return whole;
  let out = '';
  for (const char of lines) {
    const piece = char === '\n' ? '<br>' : escapeHtml(char);
    if (out.length + piece.length + 1 > budget) break;
    out += piece;
  }
  return `${out}…`;
}

/**
 * The note an activity becomes: its time, and a readable body — the type's label and the title
 * as a heading, the details, a support ticket's number, status and link back to the host app,
 * and the reference line — at most NOTE_BODY_MAX characters (long details are cut, never the
 * reference). Depends on the activity alone, so its hash is fixed when the activity is appended.
 *
 * @example notePropertiesFor(activity)[NOTE_BODY] // '<p><strong>Event attended: Spring gala</strong></p>…<p>hubsync activity act_…</p>'
 */
export function notePropertiesFor(activity: Activity): Record<string, string> {
  const label = ACTIVITY_LABELS[activity.type as ActivityType] ?? ACTIVITY_LABELS.other;
  const heading = `<p><strong>${escapeHtml(label)}: ${escapeHtml(activity.title)}</strong></p>`;
  const ticket = activity.ticket
    ? `<p>Ticket ${escapeHtml(activity.ticket.number)} · Status: ${escapeHtml(activity.ticket.status)} · <a href="${escapeHtml(activity.ticket.url)}">Open ticket ${escapeHtml(activity.ticket.number)}</a></p>`
    : '';
  const reference = `<p>${noteReference(activity.id)}</p>`;
  const fixed = heading.length + ticket.length + reference.length;
  const details = activity.details ? `<p>${escapeLinesWithin(activity.details, NOTE_BODY_MAX - fixed - '<p></p>'.length)}</p>` : '';
  return { [NOTE_TIMESTAMP]: new Date(activity.occurredAt).toISOString(), [NOTE_BODY]: heading + details + ticket + reference };
}

/** The hash an activity's status compares: the one the push engine computes for its note. */
export function noteHash(activity: Activity): string {
  return recordHash(notePropertiesFor(activity), null);
}

/** Association type ids are HubSpot-defined; one spec per link. */
const link = (id: string, associationTypeId: number): ObjectAssociationInput => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId }] });

/** The record a note is pushed from: the activity, what it links to in HubSpot, and whether companies are synced. */
export interface NoteSource extends ActivityForNote {
  /** Companies sync is on: a note is associated with its organization's company. */
  companiesOn: boolean;
  /** The note already in HubSpot, when there is one. */
  noteId: string | null;
}

/**
 * The notes already in HubSpot for these activities, found on their contacts: one associations
 * read for the contacts (plus a page read for a contact with more notes than one answer holds),
 * and batch reads of those notes' bodies, 100 at a time. Activity id → note id.
 */
async function findExistingNotes(context: AssociationContext, wanted: readonly NoteSource[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const contacts = [...new Set(wanted.map((w) => w.contactHubspotId!))];
  if (contacts.length === 0) return found;
  const associations = context.client.associations;
  const noteIds = new Set<string>();
  const read = await associations.batchRead('contacts', 'notes', contacts, { tag: context.tag });
  for (const result of read.results) {
    for (const to of result.to) noteIds.add(String(to.toObjectId));
    let after = result.paging?.next?.after;
    while (after !== undefined) {
      const page = await associations.list('contacts', result.from.id, 'notes', { tag: context.tag, after, limit: 500 });
      for (const to of page.results) noteIds.add(String(to.toObjectId));
      after = page.paging?.next?.after;
    }
  }
  const ids = [...noteIds];
  const activityIds = new Set(wanted.map((w) => w.activity.id));
  for (let i = 0; i < ids.length; i += 100) {
    const notes = await context.client.objects('notes').batchRead(ids.slice(i, i + 100), { properties: [NOTE_BODY], tag: context.tag });
    for (const note of notes.results) {
      const activityId = activityIdIn(note.properties[NOTE_BODY] ?? '');
      if (!activityIds.has(activityId)) continue;
      // Were there ever two, the oldest is the one kept.
      const known = found.get(activityId);
      if (known === undefined || Number(note.id) < Number(known)) found.set(activityId, note.id);
    }
  }
  return found;
}

export const noteAdapter: ObjectAdapter<NoteSource, Mapping> = {
  objectType: 'notes',
  noun: 'note',
  key: { property: NOTE_BODY, normalize: activityIdIn },
  // A note's values are fixed by the activity; there is nothing to map.
  defaultMapping: {},
  setting: 'syncActivities',
  creates: 'create',

  pageIds: (db, workspaceId, statuses, after, limit, among) => pageActivityIdsByStatus(db, workspaceId, statuses, after, limit, among),
  async load(db, workspaceId, ids) {
    if (ids.length === 0) return [];
    const companiesOn = (await readSyncSettings(db, workspaceId)).syncCompanies;
    return (await findActivitiesForNotes(db, workspaceId, ids)).map((source) => {
      const { activity } = source;
      return {
        id: activity.id,
        hubspotId: activity.sync.hubspotId,
        status: activity.sync.status,
        lastAttemptAt: activity.sync.lastAttemptAt,
        record: { ...source, companiesOn, noteId: activity.sync.hubspotId },
      };
    });
  },
  countByStatus: (db, workspaceId) => countActivitiesByStatus(db, workspaceId),
  hasWorkSince: (db, workspaceId, statuses, since) => activitiesHaveWorkSince(db, workspaceId, statuses, since),

  mapping: async () => ({}),
  properties: (source) => notePropertiesFor(source.activity),
  refusal(_properties, source) {
    if (source.noteId !== null || source.contactHubspotId !== null) return null;
    return `Its customer (${source.activity.customerId}) is not a HubSpot contact yet, so the note has nothing to be logged on (not sent); it is sent on a later run once the contact is synced.`;
  },

  recordSuccesses: async (db, workspaceId, results, at) => {
    await recordNoteSuccesses(db, workspaceId, results, at);
    return [];
  },
  recordFailure: (db, workspaceId, id, failure) => recordPushFailure(db, workspaceId, id, failure, 'activities'),
  async refreshStatuses(db, workspaceId, ids) {
    const changes = (await findActivities(db, workspaceId, ids)).flatMap((activity) => {
      const currentHash = noteHash(activity);
      const status = computeStatus({
        hasEmail: true,
        isDuplicate: false,
        hubspotId: activity.sync.hubspotId,
        lastAttemptFailed: activity.sync.error !== null,
        currentHash,
        syncedHash: activity.sync.syncedHash,
      });
      return status === activity.sync.status && currentHash === activity.currentHash ? [] : [{ id: activity.id, currentHash, status }];
    });
    await setActivityHashesAndStatuses(db, workspaceId, changes);
  },
  customerIdOf: (record) => record.record.activity.customerId,
  labelOf: (record) => ({ name: record.record.activity.title, email: null }),

  async match(context, items) {
    // Only an activity whose create was sent before may have a note already: the rest cost nothing.
    const journaled = items.map((item) => item.record.record).filter((source) => source.createStartedAt !== null && source.contactHubspotId !== null);
    if (journaled.length === 0) return new Map();
    const found = await findExistingNotes(context, journaled);
    return found;
  },
  beginCreates: (db, workspaceId, ids, at) => markNoteCreatesStarted(db, workspaceId, ids, at),
  inlineAssociations(source) {
    const links = [link(source.contactHubspotId!, ASSOCIATION_TYPE_IDS.noteToContact)];
    if (source.companiesOn && source.organizationHubspotId !== null) links.push(link(source.organizationHubspotId, ASSOCIATION_TYPE_IDS.noteToCompany));
    if (source.dealHubspotId !== null) links.push(link(source.dealHubspotId, ASSOCIATION_TYPE_IDS.noteToDeal));
    return links;
  },
};
