// The tag catalog and the activity rules, pure (no database, no network). Seed 001's ten tags
// are built in with stable keys: the key is what customers carry in their `tags` field and what
// HubSpot stores (the `hubsync_tags` option value, the list name), the label only what people
// read, so renaming a label never changes a stored value. Rules say which tags an activity
// adds and removes on its customer (seed 001's "Typical flows"); a workspace may override them.
import { createHash } from 'node:crypto';
import { ACTIVITY_TYPES } from '../store/index.js';

export interface BuiltInTag {
  readonly key: string;
  readonly label: string;
}

/** Seed 001's tag catalog, in the order the UI shows it. */
export const BUILT_IN_TAGS: readonly BuiltInTag[] = [
  { key: 'membership_active', label: 'Membership active' },
  { key: 'membership_expiring', label: 'Membership expiring' },
  { key: 'membership_expired', label: 'Membership expired' },
  { key: 'membership_upgraded', label: 'Membership upgraded' },
  { key: 'membership_downgrade_scheduled', label: 'Membership downgrade scheduled' },
  { key: 'event_registered', label: 'Event registered' },
  { key: 'event_attended', label: 'Event attended' },
  { key: 'event_no_show', label: 'Event no-show' },
  { key: 'course_enrolled', label: 'Course enrolled' },
  { key: 'course_completed', label: 'Course completed' },
];

export const BUILT_IN_TAG_KEYS: ReadonlySet<string> = new Set(BUILT_IN_TAGS.map((t) => t.key));

/** What happens when HubSpot no longer has a tag's list: make it again, or stop and say so. */
export const LIST_MISSING_ACTIONS = ['recreate', 'report'] as const;
export type ListMissingAction = (typeof LIST_MISSING_ACTIONS)[number];

export interface TagList {
  enabled: boolean;
  missing: ListMissingAction;
  /** The HubSpot list, once created or found. */
  listId: string | null;
  /** null: no list yet; `ok`; `missing`: deleted in HubSpot and reported; `error`: the last flush failed. */
  status: 'ok' | 'missing' | 'error' | null;
  error: string | null;
  pushedAt: number | null;
}

export interface Tag {
  key: string;
  label: string;
  builtIn: boolean;
  list: TagList;
}

/** The HubSpot list that carries a tag: named after its key, so it is found again by name. */
export function listNameOf(key: string): string {
  return `hubsync: ${key}`;
}

/** The contact property hubsync writes tags into (a multiple-checkbox property). */
export const TAGS_PROPERTY = 'hubsync_tags';
export const TAGS_PROPERTY_LABEL = 'hubsync tags';

/**
 * A tag key: 1–100 characters without `;` (HubSpot separates the values of a
 * multiple-checkbox property with it) and without surrounding white space. Null when fine.
 */
export function tagKeyProblem(key: string): string | null {
  if (key.trim() !== key || key === '') return 'must be 1–100 characters without leading or trailing spaces';
  if (key.length > 100) return 'must be at most 100 characters';
  if (key.includes(';')) return 'must not contain ";" (HubSpot separates the values of a multiple-checkbox property with it)';
  return null;
}

/** One activity rule: an activity of `activityType` adds `add` to its customer's tags and removes `remove`. */
export interface TagRule {
  activityType: string;
  add: string[];
  remove: string[];
}

const MEMBERSHIP = ['membership_active', 'membership_expiring', 'membership_expired', 'membership_upgraded', 'membership_downgrade_scheduled'];
const except = (...keep: string[]) => MEMBERSHIP.filter((k) => !keep.includes(k));

/**
 * Seed 001's flows. A membership status replaces the previous one (an upgrade is also active; a
 * scheduled downgrade keeps the member active); attending or missing an event replaces its
 * registration; completing a course replaces the enrolment.
 */
export const DEFAULT_RULES: readonly TagRule[] = [
  { activityType: 'membership_activated', add: ['membership_active'], remove: except('membership_active') },
  { activityType: 'membership_expiring', add: ['membership_expiring'], remove: except('membership_expiring') },
  { activityType: 'membership_expired', add: ['membership_expired'], remove: except('membership_expired') },
  { activityType: 'membership_upgraded', add: ['membership_upgraded', 'membership_active'], remove: ['membership_expiring', 'membership_expired', 'membership_downgrade_scheduled'] },
  { activityType: 'membership_downgrade_scheduled', add: ['membership_downgrade_scheduled'], remove: ['membership_upgraded', 'membership_expiring', 'membership_expired'] },
  { activityType: 'event_registered', add: ['event_registered'], remove: [] },
  { activityType: 'event_attended', add: ['event_attended'], remove: ['event_registered'] },
  { activityType: 'event_no_show', add: ['event_no_show'], remove: ['event_registered'] },
  { activityType: 'course_enrolled', add: ['course_enrolled'], remove: [] },
  { activityType: 'course_completed', add: ['course_completed'], remove: ['course_enrolled'] },
];

/** Problems of a rule set against the catalog's keys: each names the rule and what is wrong. */
export function ruleProblems(rules: readonly TagRule[], keys: ReadonlySet<string>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const field = `rules[${i}]`;
    if (!(ACTIVITY_TYPES as readonly string[]).includes(rule.activityType)) problems.push({ field: `${field}.activityType`, message: `must be one of ${ACTIVITY_TYPES.join(', ')}` });
    if (seen.has(rule.activityType)) problems.push({ field: `${field}.activityType`, message: `${rule.activityType} has a rule already; one rule per activity type` });
    seen.add(rule.activityType);
    for (const part of ['add', 'remove'] as const) {
      for (const key of rule[part]) if (!keys.has(key)) problems.push({ field: `${field}.${part}`, message: `"${key}" is not a tag of this workspace` });
    }
    const both = rule.add.filter((k) => rule.remove.includes(k));
    if (both.length > 0) problems.push({ field, message: `${both.join(', ')} cannot be both added and removed` });
  });
  return problems;
}

/** Tags after a change: `remove` taken out, then `add` appended (kept in the order they were first given). */
export function changeTags(tags: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  const out = tags.filter((t) => !remove.includes(t));
  for (const t of add) if (!out.includes(t)) out.push(t);
  return out;
}

/**
 * A customer's tags after its activities, applied in the order they happened.
 *
 * @example tagsAfterActivities(['event_registered'], [{ type: 'event_attended', occurredAt: 1 }], DEFAULT_RULES) // ['event_attended']
 */
export function tagsAfterActivities(tags: readonly string[], activities: readonly { type: string; occurredAt: number }[], rules: readonly TagRule[]): string[] {
  let out = [...tags];
  for (const activity of [...activities].sort((a, b) => a.occurredAt - b.occurredAt)) {
    const rule = rules.find((r) => r.activityType === activity.type);
    if (rule) out = changeTags(out, rule.add, rule.remove);
  }
  return out;
}

/** The options the `hubsync_tags` property should have, and their hash (what decides whether HubSpot must be told). */
export function propertyOptions(tags: readonly Pick<Tag, 'key' | 'label'>[]): { options: { value: string; label: string; displayOrder: number; hidden: boolean }[]; hash: string } {
  const options = tags.map((t, i) => ({ value: t.key, label: t.label, displayOrder: i, hidden: false }));
  return { options, hash: createHash('sha256').update(JSON.stringify(options.map((o) => [o.value, o.label]))).digest('base64url').slice(0, 22) };
}
