// A workspace's automatic-sync settings: push changed contacts / companies on their own, and
// when the reconcile runs (a 5-field cron in an IANA zone, or off); whether HubSpot's changes
// are pulled too (two-way), which lifecycle stages come in, how often it polls, and how edits and
// deletions cross over (write-through, propagate deletes, archive on HubSpot delete). Validation and the
// audited update live here; the schedule arithmetic is in schedule.ts.
//
// Defaults: a workspace created after migration 008 pushes changes on its own (its row is
// written when it is created); one that existed before keeps on-change push off until an admin
// turns it on (migration 008 wrote its row). Both reconcile nightly at 03:00 UTC.
import { audit, type Actor } from '../audit/index.js';
import { missingScopesFor, OBJECT_TYPE_SCOPES, SYNCED_OBJECT_TYPES, type SyncedObjectType } from '../integration/index.js';
import { AppError, type Clock } from '../lib/index.js';
import type { Db, SyncSettingsRow, Workspace } from '../store/index.js';
import { findSyncSettings, resendCustomersWithOrganizations, saveSyncSettings } from '../store/index.js';
import { checkCron, checkTimezone, DEFAULT_RECONCILE_SCHEDULE, DEFAULT_TIMEZONE, describeSchedule, nextReconcileAt, scheduleJitter } from './schedule.js';

export interface SyncSettings {
  /** Organizations are pushed as HubSpot companies (seed 001's "Sync Companies"). */
  syncCompanies: boolean;
  /** Deals are pushed. */
  syncDeals: boolean;
  /** Activities are logged as notes on their contact (seed 001's "Activity Tracking"). */
  syncActivities: boolean;
  pushContactsOnChange: boolean;
  pushCompaniesOnChange: boolean;
  /** 5-field cron read in `timezone`; null = no scheduled reconcile. */
  reconcileSchedule: string | null;
  timezone: string;
  /** HubSpot's changes are pulled too (two-way sync: contacts, and companies and deals while they are synced). Off by default. */
  twoWay: boolean;
  /** The HubSpot lifecycle stages whose unknown contacts a pull creates locally (seed 004). */
  inboundLifecycleStages: string[];
  /** How often a two-way workspace is pulled, in minutes. */
  pollIntervalMinutes: number;
  /** A linked record's local edit is written to HubSpot first and saved only once HubSpot accepted it (seed 002). Off by default. */
  writeThrough: boolean;
  /** A record deleted locally is archived in HubSpot. Off by default (seeds 000 and 004 keep data). */
  propagateDeletes: boolean;
  /** A record archived in HubSpot is deleted locally too; off: it is only unlinked and stays. */
  archiveOnHubSpotDelete: boolean;
  /** The same email created on both sides this many seconds apart or less becomes one record (seed 004); 0 turns it off. */
  dedupWindowSeconds: number;
}

export type SyncSettingsPatch = Partial<SyncSettings>;

/** Seed 004: Customer and Subscriber come in; leads stay in HubSpot. */
export const DEFAULT_INBOUND_LIFECYCLE_STAGES: readonly string[] = Object.freeze(['customer', 'subscriber']);
export const DEFAULT_POLL_INTERVAL_MINUTES = 5;
export const MAX_POLL_INTERVAL_MINUTES = 1440;
export const DEFAULT_DEDUP_WINDOW_SECONDS = 60;
/** A day: records created further apart are duplicates to review, not the same creation. */
export const MAX_DEDUP_WINDOW_SECONDS = 86_400;
/** A HubSpot lifecycle stage's internal value: a built-in name (`customer`) or a custom stage's id. */
const LIFECYCLE_STAGE_VALUE = /^[a-z0-9_]{1,100}$/;

/** What a workspace created from now on starts with. */
export const NEW_WORKSPACE_SETTINGS: Readonly<SyncSettings> = Object.freeze({
  syncCompanies: false,
  syncDeals: false,
  syncActivities: false,
  pushContactsOnChange: true,
  pushCompaniesOnChange: true,
  reconcileSchedule: DEFAULT_RECONCILE_SCHEDULE,
  timezone: DEFAULT_TIMEZONE,
  twoWay: false,
  inboundLifecycleStages: [...DEFAULT_INBOUND_LIFECYCLE_STAGES],
  pollIntervalMinutes: DEFAULT_POLL_INTERVAL_MINUTES,
  writeThrough: false,
  propagateDeletes: false,
  archiveOnHubSpotDelete: false,
  dedupWindowSeconds: DEFAULT_DEDUP_WINDOW_SECONDS,
});

/** The settings with what they mean now: the schedule in words, the jitter and the next run. */
export interface SyncSettingsView extends SyncSettings {
  scheduleDescription: string;
  /** This workspace's fixed offset from each fire time, in seconds; null when the schedule is off. */
  jitterSeconds: number | null;
  /** ISO time of the next scheduled reconcile; null when the schedule is off or HubSpot is not connected. */
  nextReconcileAt: string | null;
  /** Each object type: whether it is synced, the scopes it needs, and those the connection lacks. */
  objectTypes: ObjectTypeState[];
}

export interface ObjectTypeState {
  objectType: SyncedObjectType;
  /** Contacts always; the others as the admin set them. */
  enabled: boolean;
  requiredScopes: string[];
  /** Scopes the stored connection lacks (empty when not connected): a run leaves the type out and says why. */
  missingScopes: string[];
}

/** The setting that turns each optional object type on. */
const TYPE_SETTING = { companies: 'syncCompanies', deals: 'syncDeals', notes: 'syncActivities' } as const satisfies Record<Exclude<SyncedObjectType, 'contacts'>, keyof SyncSettings>;

/** The object types a workspace syncs, contacts first. */
export function enabledObjectTypes(settings: SyncSettings): SyncedObjectType[] {
  return SYNCED_OBJECT_TYPES.filter((type) => type === 'contacts' || settings[TYPE_SETTING[type]]);
}

/** Each object type's state against the connection's granted scopes (null when not connected). */
export function objectTypeStates(settings: SyncSettings, grantedScopes: readonly string[] | null): ObjectTypeState[] {
  const enabled = enabledObjectTypes(settings);
  return SYNCED_OBJECT_TYPES.map((objectType) => ({
    objectType,
    enabled: enabled.includes(objectType),
    requiredScopes: [...OBJECT_TYPE_SCOPES[objectType]],
    missingScopes: grantedScopes === null ? [] : missingScopesFor(objectType, grantedScopes),
  }));
}

const fromRow = (row: SyncSettingsRow): SyncSettings => ({
  syncCompanies: row.sync_companies === 1,
  syncDeals: row.sync_deals === 1,
  syncActivities: row.sync_activities === 1,
  pushContactsOnChange: row.push_contacts_on_change === 1,
  pushCompaniesOnChange: row.push_companies_on_change === 1,
  reconcileSchedule: row.reconcile_schedule,
  timezone: row.timezone,
  twoWay: row.two_way === 1,
  inboundLifecycleStages: JSON.parse(row.inbound_lifecycle_stages) as string[],
  pollIntervalMinutes: row.poll_interval_minutes,
  writeThrough: row.write_through === 1,
  propagateDeletes: row.propagate_deletes === 1,
  archiveOnHubSpotDelete: row.archive_on_hubspot_delete === 1,
  dedupWindowSeconds: row.dedup_window_seconds,
});

const toRow = (workspaceId: string, settings: SyncSettings, now: number): Omit<SyncSettingsRow, 'schedule_changed_at'> => ({
  workspace_id: workspaceId,
  sync_companies: settings.syncCompanies ? 1 : 0,
  sync_deals: settings.syncDeals ? 1 : 0,
  sync_activities: settings.syncActivities ? 1 : 0,
  push_contacts_on_change: settings.pushContactsOnChange ? 1 : 0,
  push_companies_on_change: settings.pushCompaniesOnChange ? 1 : 0,
  reconcile_schedule: settings.reconcileSchedule,
  timezone: settings.timezone,
  two_way: settings.twoWay ? 1 : 0,
  inbound_lifecycle_stages: JSON.stringify(settings.inboundLifecycleStages),
  poll_interval_minutes: settings.pollIntervalMinutes,
  write_through: settings.writeThrough ? 1 : 0,
  propagate_deletes: settings.propagateDeletes ? 1 : 0,
  archive_on_hubspot_delete: settings.archiveOnHubSpotDelete ? 1 : 0,
  dedup_window_seconds: settings.dedupWindowSeconds,
  updated_at: now,
});

/** Writes a new workspace's settings row (in the caller's transaction). */
export async function initSyncSettings(db: Db, workspaceId: string, now: number): Promise<void> {
  await saveSyncSettings(db, { ...toRow(workspaceId, NEW_WORKSPACE_SETTINGS, now), schedule_changed_at: now });
}

export async function readSyncSettings(db: Db, workspaceId: string): Promise<SyncSettings> {
  const row = await findSyncSettings(db, workspaceId);
  // Every workspace gets a row (migration 008 or creation); one inserted behind hubsync's back
  // is treated as new.
  return row ? fromRow(row) : { ...NEW_WORKSPACE_SETTINGS, inboundLifecycleStages: [...NEW_WORKSPACE_SETTINGS.inboundLifecycleStages] };
}

/** `grantedScopes`: the stored connection's scopes, or null when HubSpot is not connected. */
export function syncSettingsView(settings: SyncSettings, workspaceId: string, options: { now: number; grantedScopes: readonly string[] | null }): SyncSettingsView {
  const schedule = settings.reconcileSchedule;
  const next = schedule !== null && options.grantedScopes !== null ? nextReconcileAt(schedule, settings.timezone, workspaceId, options.now) : null;
  return {
    ...settings,
    scheduleDescription: describeSchedule(schedule, settings.timezone),
    jitterSeconds: schedule === null ? null : scheduleJitter(schedule, workspaceId) / 1000,
    nextReconcileAt: next === null ? null : next.toISOString(),
    objectTypes: objectTypeStates(settings, options.grantedScopes),
  };
}

/** Validates the schedule and zone, saves, and records every changed value (old and new) in the audit log. */
export async function updateSyncSettings(db: Db, clock: Clock, workspace: Workspace, actor: Actor, patch: SyncSettingsPatch): Promise<SyncSettings> {
  const checked: SyncSettingsPatch = { ...patch };
  if (patch.reconcileSchedule !== undefined && patch.reconcileSchedule !== null) {
    const cron = checkCron(patch.reconcileSchedule);
    if (!cron.ok) throw new AppError('VALIDATION_FAILED', `reconcileSchedule: ${cron.message}`, { field: 'reconcileSchedule' });
    checked.reconcileSchedule = cron.value;
  }
  if (patch.timezone !== undefined) {
    const zone = checkTimezone(patch.timezone);
    if (!zone.ok) throw new AppError('VALIDATION_FAILED', `timezone: ${zone.message}`, { field: 'timezone' });
    checked.timezone = zone.value;
  }
  if (patch.inboundLifecycleStages !== undefined) {
    const stages = [...new Set(patch.inboundLifecycleStages.map((stage) => stage.trim().toLowerCase()))];
    const bad = stages.find((stage) => !LIFECYCLE_STAGE_VALUE.test(stage));
    if (bad !== undefined) {
      throw new AppError('VALIDATION_FAILED', `inboundLifecycleStages: "${bad}" is not a lifecycle stage value (HubSpot's internal name, e.g. customer, subscriber, lead).`, { field: 'inboundLifecycleStages' });
    }
    checked.inboundLifecycleStages = stages;
  }
  if (patch.pollIntervalMinutes !== undefined && !(Number.isInteger(patch.pollIntervalMinutes) && patch.pollIntervalMinutes >= 1 && patch.pollIntervalMinutes <= MAX_POLL_INTERVAL_MINUTES)) {
    throw new AppError('VALIDATION_FAILED', `pollIntervalMinutes: must be a whole number of minutes from 1 to ${MAX_POLL_INTERVAL_MINUTES}.`, { field: 'pollIntervalMinutes' });
  }
  if (patch.dedupWindowSeconds !== undefined && !(Number.isInteger(patch.dedupWindowSeconds) && patch.dedupWindowSeconds >= 0 && patch.dedupWindowSeconds <= MAX_DEDUP_WINDOW_SECONDS)) {
    throw new AppError('VALIDATION_FAILED', `dedupWindowSeconds: must be a whole number of seconds from 0 (off) to ${MAX_DEDUP_WINDOW_SECONDS}.`, { field: 'dedupWindowSeconds' });
  }
  return db.transaction().execute(async (trx) => {
    const current = await readSyncSettings(trx, workspace.id);
    const next: SyncSettings = { ...current };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of Object.keys(checked) as (keyof SyncSettings)[]) {
      const value = checked[key];
      // Compared as JSON: the lifecycle stages are a list.
      if (value === undefined || JSON.stringify(value) === JSON.stringify(current[key])) continue;
      changes[key] = { from: current[key], to: value };
      (next as unknown as Record<string, unknown>)[key] = value;
    }
    if (Object.keys(changes).length === 0) return current;
    const now = clock.now();
    // The tick fires no firing from before the schedule it belongs to (sync-jobs.ts).
    const scheduleChanged = 'reconcileSchedule' in changes || 'timezone' in changes;
    await saveSyncSettings(trx, { ...toRow(workspace.id, next, now), ...(scheduleChanged ? { schedule_changed_at: now } : {}) });
    // Contacts pushed while companies were off carry no company associations yet: sent again.
    if (!current.syncCompanies && next.syncCompanies) await resendCustomersWithOrganizations(trx, workspace.id);
    await audit(trx, clock, { workspaceId: workspace.id, actor, action: 'hubspot.sync_settings_changed', details: { changes } });
    return next;
  });
}
