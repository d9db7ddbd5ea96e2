// Push sync: field mapping, per-record statuses, the push engine with an adapter per object
// type, Sync now runs and the sync log.
export { EMAIL_FIELD, EMAIL_PROPERTY, formatValue, hashProperties, recordHash, localFields, propertiesFor, suggestMapping, validateMapping, type LocalField, type Mapping, type MappingProblem } from './field-mapping.js';
export { computeStatus, PUSHABLE_STATUSES, pushPlan, type StatusInput } from './sync-status.js';
export { effectiveMapping, onCustomersChanged, refreshStatuses, refreshWholeWorkspace } from './status-refresh.js';
export { companyPropertiesFor, DEFAULT_COMPANY_PROPERTIES, onOrganizationsChanged } from './organization-status.js';
export { MAPPING_TARGETS, MappingService, type MappingTarget, type MappingView } from './mapping-service.js';
export { assertRunTransition, PushEngine, RUN_TRANSITIONS, type PushEngineDeps, type RunPull, type RunStatus } from './push-run.js';
export { pullOnItsOwn, pullStarted, runPull } from './pull-runs.js';
export { PREVIEW_MAX_CONFLICTS, PREVIEW_MAX_MS, PREVIEW_MAX_RECORDS, previewReconcile, type ConflictPreview, type OutboundPreview, type ReconcilePreview } from './reconcile-preview.js';
export { BATCH_SIZE, inputsNamedByError, type ItemOutcome, type PushItem } from './push-batch.js';
export { ACTIVITY_LABELS, activityIdIn, NOTE_BODY_MAX, noteAdapter, noteHash, notePropertiesFor } from './objects/index.js';
export { adapterFor, companyAdapter, contactAdapter, dealAdapter, OBJECT_ADAPTERS, type AcceptedRecord, type AssociationContext, type ObjectAdapter, type SyncedRecord } from './objects/index.js';
export { checkCron, checkTimezone, DEFAULT_RECONCILE_SCHEDULE, DEFAULT_TIMEZONE, describeSchedule, dueInMinute, MAX_JITTER_MS, nextReconcileAt, scheduleInterval, scheduleJitter } from './schedule.js';
export { enabledObjectTypes, initSyncSettings, NEW_WORKSPACE_SETTINGS, objectTypeStates, readSyncSettings, syncSettingsView, updateSyncSettings, type ObjectTypeState, type SyncSettings, type SyncSettingsPatch, type SyncSettingsView } from './sync-settings.js';
export { healthState, syncHealth, type HealthState, type SyncHealth } from './sync-health.js';
export { linkSuggestedOwners, ownerIdsFor, readOwners, refreshOwners, setOwnerUser, type OwnerView } from './owners.js';
export { readDealStages, saveDealStages, suggestStage, type DealStagesView, type HubSpotStageRef } from './deal-stages.js';
export { DEAL_KEY_PROPERTY, dealCurrentHash, dealLinks, dealOwnerWarning, dealPropertiesFor, dealStageResolver, dealStatus, DEFAULT_DEAL_PROPERTIES, loadDealValuesContext, refreshDealSyncStates, stageRefusal, type DealValuesContext } from './deal-values.js';
export { RUN_TRIGGERS, type RunTrigger } from './run-trigger.js';
export { FLUSH_DELAY_MS, FlushScheduler, pendingChangesListener, sendDuePulls, sendDueReconciles, SLICE_BUDGET_MS, SYNC_JOBS, syncFlushJob, syncPullJob, syncPushJob, syncScheduledJob, syncTickJob, workSyncJobs } from './sync-jobs.js';
export { contactPullAdapter, DEFAULT_OVERLAP_MS, LIFECYCLE_TAG_PREFIX, PullEngine, type PullAdapter, type PullEngineDeps, type PullOptions, type PullProgress, type PullSummary } from './pull/index.js';
export { syncWebhookJob, WebhookInbox, type WebhookReceipt } from './pull/index.js';
export { recordWriteThrough, type WriteThroughDeps } from './write-through.js';
export { archiveDeletionsListener } from './archive-deletions.js';
