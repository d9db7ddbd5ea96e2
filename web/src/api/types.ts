// The hubsync API's JSON shapes as the UI uses them. They mirror the zod response schemas in
// src/http/schemas.ts and src/http/routes/*.ts; keep this the only place they are written down
// so a change on the server is one edit here. web/test/api-types.contract.ts checks them against
// the server's own types at compile time (npm run typecheck:web).

export const SYNC_STATUSES = ['synced', 'needs_update', 'not_synced', 'outdated', 'error', 'duplicate', 'no_email'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Seed 000's wording, identical to the server's STATUS_LABELS. */
export const STATUS_LABELS: Record<SyncStatus, string> = {
  synced: 'Synced',
  needs_update: 'Needs update',
  not_synced: 'Not synced',
  outdated: 'Outdated',
  error: 'Error',
  duplicate: 'Duplicate',
  no_email: 'No email',
};

/** Seed 000's explanation of each status, shown as the badge's tooltip and in the legend. */
export const STATUS_HELP: Record<SyncStatus, string> = {
  synced: 'Pushed to HubSpot and up to date.',
  needs_update: "Already in HubSpot, but the customer's data has changed since the last sync. The next run will update the contact.",
  not_synced: "Has an email and is ready to go, but hasn't been pushed yet. The next run will create the contact.",
  outdated: 'Was synced successfully before, but the most recent attempt failed.',
  error: 'The last attempt failed and the contact was never created.',
  duplicate: 'Another customer already owns this email address in HubSpot. To avoid overwriting the other contact, this customer is not pushed.',
  no_email: "The customer has no email address, so they can't be turned into a HubSpot contact.",
};

export interface ApiErrorBody {
  error: { code: string; message: string; details?: ErrorDetails };
}

export interface ErrorDetails {
  field?: string;
  /** `code` (mapping saves): TYPE_MISMATCH, OPTIONS_MISSING, UNKNOWN_PROPERTY, READ_ONLY, RESERVED, TAKEN, … */
  problems?: { field: string; message: string; code?: string }[];
  missingScopes?: string[];
  runId?: string;
  [key: string]: unknown;
}

export type Role = 'admin' | 'member';

export interface WorkspaceMembership {
  slug: string;
  name: string;
  role: Role;
}

export interface Me {
  user: { id: string; email: string; name: string };
  csrfToken: string;
  workspaces: WorkspaceMembership[];
}

/** POST /api/invitations/accept: the invitee, now signed in, and the workspace they joined. */
export interface InvitationAccepted extends Me {
  joined: WorkspaceMembership;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  createdAt: string;
  expiresAt: string;
}

/** POST …/invitations: the one-time token and link are in this answer only. */
export interface CreatedInvitation extends Invitation {
  token: string;
  url: string;
}

export type AuthorizationLinkStatus = 'active' | 'used' | 'revoked' | 'expired';

/** A link for whoever holds the HubSpot account to approve the app (…/hubspot/authorization-links). */
export interface AuthorizationLink {
  id: string;
  status: AuthorizationLinkStatus;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  portalId: number | null;
  connectedBy: string | null;
}

/** POST …/authorization-links: the link (token in its fragment) is in this answer only. */
export interface CreatedAuthorizationLink extends AuthorizationLink {
  url: string;
}

/** POST /api/authorization-links/resolve: what the public page shows before Approve. */
export interface ResolvedAuthorizationLink {
  workspace: { name: string };
  requestedBy: string;
  expiresAt: string;
  connectedPortalId: number | null;
}

/** POST …/users/:userId/password-reset: the one-time token and link are in this answer only. */
export interface CreatedPasswordReset {
  id: string;
  userId: string;
  email: string;
  createdAt: string;
  expiresAt: string;
  token: string;
  url: string;
}

/** GET …/api-keys: a key without its secret. */
export interface ApiKey {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  createdAt: string;
  createdBy: { id: string; email: string; name: string } | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** POST …/api-keys: the key itself is in this answer only. */
export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  key: string;
}

export type CustomValue = string | number | boolean | string[];

export const BUILT_IN_FIELDS = [
  { key: 'firstName', label: 'First name' },
  { key: 'lastName', label: 'Last name' },
  { key: 'email', label: 'Email' },
  { key: 'phone', label: 'Phone' },
  { key: 'street', label: 'Street address' },
  { key: 'city', label: 'City' },
  { key: 'postalCode', label: 'Postal code' },
  { key: 'region', label: 'Region / state' },
  { key: 'country', label: 'Country' },
  { key: 'companyName', label: 'Company name' },
  { key: 'lifecycleStage', label: 'Lifecycle stage' },
] as const;
export type BuiltInField = (typeof BUILT_IN_FIELDS)[number]['key'];

export type Customer = { [K in BuiltInField]: string | null } & {
  id: string;
  externalId: string | null;
  /** The member who owns the customer (pushed as the contact owner), or null. */
  ownerUserId: string | null;
  tags: string[];
  custom: Record<string, CustomValue>;
  /** The organizations the customer belongs to; the first is its primary one. */
  organizationIds: string[];
  fieldUpdatedAt: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  sync: RecordSync;
};

/** A record's sync state, the same on every record type. */
export interface RecordSync {
  status: SyncStatus;
  statusLabel: string;
  hubspotId: string | null;
  lastError: string | null;
  syncedAt: string | null;
}

/** A value two-way sync overrode on a record (GET …/{customers,organizations,deals}/{id}/conflicts). */
export interface SyncConflict {
  id: string;
  /** The local field: `firstName`, `custom.<key>`. */
  field: string;
  /** The HubSpot property it maps to. */
  property: string;
  localValue: string;
  hubspotValue: string;
  /** Null for a value stored before field times were kept. */
  localChangedAt: string | null;
  hubspotChangedAt: string;
  winner: 'local' | 'hubspot';
  /** The pull that decided it. */
  runId: string;
  at: string;
}

export interface CustomerPage {
  customers: Customer[];
  nextCursor: string | null;
}

/** An organization's text fields, in the order the record page shows them. */
export const ORGANIZATION_TEXT_FIELDS = [
  { key: 'name', label: 'Name' },
  { key: 'domain', label: 'Domain' },
  { key: 'website', label: 'Website' },
  { key: 'industry', label: 'Industry' },
  { key: 'phone', label: 'Phone' },
  { key: 'street', label: 'Street address' },
  { key: 'city', label: 'City' },
  { key: 'postalCode', label: 'Postal code' },
  { key: 'region', label: 'Region / state' },
  { key: 'country', label: 'Country' },
  { key: 'annualRevenue', label: 'Annual revenue' },
  { key: 'lifecycleStage', label: 'Lifecycle stage' },
] as const;
export type OrganizationTextField = (typeof ORGANIZATION_TEXT_FIELDS)[number]['key'];

/** An organization (→ a HubSpot company). */
export type Organization = { [K in OrganizationTextField]: string | null } & {
  id: string;
  externalId: string | null;
  /** The domain as compared: lower case, no scheme, www., port or path. */
  domainKey: string | null;
  numberOfEmployees: number | null;
  /** A workspace member's id. */
  ownerUserId: string | null;
  tags: string[];
  custom: Record<string, CustomValue>;
  /** The members; on a single organization only, not in lists. */
  customerIds?: string[] | undefined;
  fieldUpdatedAt: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  sync: RecordSync;
};

export interface OrganizationPage {
  organizations: Organization[];
  nextCursor: string | null;
}

/** A deal (→ a HubSpot deal): amount is decimal text (every digit kept), closeDate is YYYY-MM-DD. */
export interface Deal {
  id: string;
  externalId: string | null;
  name: string | null;
  amount: string | null;
  /** ISO 4217, upper case. */
  currency: string | null;
  closeDate: string | null;
  /** Local keys; HubSpot's pipeline and stage come from the Deal stages mapping. */
  pipeline: string;
  stage: string | null;
  ownerUserId: string | null;
  organizationId: string | null;
  customerIds: string[];
  custom: Record<string, CustomValue>;
  fieldUpdatedAt: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  sync: RecordSync;
}

export interface DealPage {
  deals: Deal[];
  nextCursor: string | null;
}

export const ACTIVITY_TYPES = [
  'membership_activated',
  'membership_expiring',
  'membership_expired',
  'membership_upgraded',
  'membership_downgrade_scheduled',
  'event_registered',
  'event_attended',
  'event_no_show',
  'course_enrolled',
  'course_completed',
  'support_ticket_updated',
  'other',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** How the timeline names each activity type. */
export const ACTIVITY_TYPE_LABELS: Record<ActivityType, string> = {
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
  other: 'Other',
};

/** Something that happened to a customer (appended by the host app, never edited). */
export interface Activity {
  id: string;
  externalId: string | null;
  type: ActivityType;
  occurredAt: string;
  title: string;
  details: string | null;
  /** support_ticket_updated only. */
  ticket: { number: string; status: string; url: string } | null;
  customerId: string;
  organizationId: string | null;
  dealId: string | null;
  createdAt: string;
  sync: RecordSync;
}

export interface ActivityPage {
  activities: Activity[];
  nextCursor: string | null;
}

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'single_choice', 'multiple_choice'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface ChoiceOption {
  value: string;
  label: string;
}

export interface CustomField {
  id: string;
  key: string;
  label: string;
  type: CustomFieldType;
  options: ChoiceOption[];
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export type ConnectionStatus = 'not_connected' | 'connected' | 'token_invalid' | 'missing_scopes' | 'rate_limited' | 'reconnect_needed';

export interface Connection {
  status: ConnectionStatus;
  method: 'private_app' | 'oauth' | null;
  source?: 'api' | 'environment' | null;
  portalId: number | null;
  scopes: string[];
  missingOptionalScopes: string[];
  tokenPreview: string | null;
  connectedBy: string | null;
  connectedAt: string | null;
  lastError: string | null;
  oauthAvailable: boolean;
  usage: { callsToday: number; dailyLimit: number | null; errorsToday?: number; rateLimitedToday?: number };
  health: SyncHealth;
}

export type HealthState = 'not_connected' | 'connected' | 'token_invalid' | 'rate_limited' | 'failing';

export interface SyncHealth {
  state: HealthState;
  lastError: string | null;
  lastRun: { id: string; status: RunStatus; trigger: RunTrigger; startedAt: string; finishedAt: string | null } | null;
  nextReconcileAt: string | null;
  /** Distinct changed records waiting to be pushed (the on-change push's pending set). */
  pendingChanges: number;
}

/** One object type's sync state: synced or not, and the scopes the connection lacks for it. */
export interface ObjectTypeState {
  objectType: 'contacts' | 'companies' | 'deals' | 'notes';
  enabled: boolean;
  requiredScopes: string[];
  /** Empty when not connected or when every required scope is granted. */
  missingScopes: string[];
}

/** What is synced and when (GET/PATCH …/hubspot/settings): object types, on-change push, the reconcile schedule. */
export interface SyncSettings {
  /** Organizations → companies. */
  syncCompanies: boolean;
  syncDeals: boolean;
  /** Activities → notes on the contact. */
  syncActivities: boolean;
  pushContactsOnChange: boolean;
  pushCompaniesOnChange: boolean;
  /** 5-field cron read in `timezone`; null = off. */
  reconcileSchedule: string | null;
  timezone: string;
  /** "every day at 03:00, Europe/Zurich", or "off". */
  scheduleDescription: string;
  /** This workspace's fixed offset from each scheduled time, in seconds. */
  jitterSeconds: number | null;
  nextReconcileAt: string | null;
  /** HubSpot's changes are pulled too. */
  twoWay: boolean;
  /** HubSpot lifecycle stages whose unknown contacts are imported. */
  inboundLifecycleStages: string[];
  pollIntervalMinutes: number;
  /** A linked record's edit goes to HubSpot first. */
  writeThrough: boolean;
  /** A local delete archives the HubSpot record. */
  propagateDeletes: boolean;
  /** A HubSpot archive deletes the local record too (else it is only unlinked). */
  archiveOnHubSpotDelete: boolean;
  /** The same email created on both sides this many seconds apart or less is merged into one record; 0 = off. */
  dedupWindowSeconds: number;
  objectTypes: ObjectTypeState[];
}

export type SyncSettingsPatch = Partial<Omit<SyncSettings, 'scheduleDescription' | 'jitterSeconds' | 'nextReconcileAt' | 'objectTypes'>>;

/** Which way a mapped field syncs: both ways, hubsync → HubSpot only, HubSpot → hubsync only. */
export type FieldDirection = 'both' | 'push' | 'pull';

export interface MappingField {
  /** `email`, `firstName`, … or `custom.<key>`. */
  field: string;
  label: string;
  kind: 'builtin' | 'custom';
  type: string;
  property: string | null;
  direction: FieldDirection;
  locked: boolean;
}

export interface HubSpotProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  options: ChoiceOption[];
}

export interface MappingView {
  fields: MappingField[];
  properties: HubSpotProperty[];
  saved: boolean;
}

export interface ObjectSummary {
  total: number;
  willCreate: number;
  willUpdate: number;
  synced: number;
  cantSync: number;
  duplicate: number;
  failed: number;
  byStatus: Record<SyncStatus, number>;
}

/** Customers' summary, and every object type a run pushes (in push order) with why one is left out. */
export interface SyncSummary extends ObjectSummary {
  noEmail: number;
  objects: (ObjectSummary & { objectType: string; note: string | null })[];
  /** Two-way sync: turned on, and started (the initial reconcile began pulling). */
  twoWay: { enabled: boolean; started: boolean };
}

/** A run's line for one object type. */
export interface SyncRunObject {
  objectType: string;
  total: number;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  skipped: number;
  note: string | null;
}

/** How the UI names HubSpot's object types. */
export const OBJECT_TYPE_LABELS: Record<string, string> = { contacts: 'Contacts', companies: 'Companies', deals: 'Deals', notes: 'Notes (activities)' };

export interface SyncRecord {
  customerId: string;
  name: string;
  email: string | null;
  status: SyncStatus;
  statusLabel: string;
  hubspotId: string | null;
  lastError: string | null;
  updatedAt: string;
  syncedAt?: string | null;
}

export interface SyncRecordPage {
  records: SyncRecord[];
  nextCursor: string | null;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** Why a run started; who started it is `startedBy`. */
export const RUN_TRIGGERS = ['manual', 'schedule', 'on_change', 'pull', 'webhook'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export const TRIGGER_LABELS: Record<RunTrigger, string> = {
  manual: 'Manual',
  schedule: 'Schedule',
  on_change: 'On change',
  pull: 'HubSpot changes',
  webhook: 'Webhook',
};

/** What a run's pull did locally (two-way sync); zeros for a push-only run. */
export interface SyncRunInbound {
  pulled: number;
  created: number;
  /** Updated or linked. */
  updated: number;
  conflicts: number;
  deletions: number;
}

export interface SyncRun {
  id: string;
  status: RunStatus;
  trigger: RunTrigger;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  phase: string;
  total: number;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  skipped: number;
  inbound: SyncRunInbound;
  apiCalls: number;
  cancelRequested?: boolean;
  error: string | null;
  /** Per object type, on one run (not in the run list). */
  objects?: SyncRunObject[] | undefined;
}

export interface SyncAttempt {
  id: string;
  /** HubSpot's object type of the record: `contacts` for customers. */
  objectType: string;
  recordId: string;
  /** Null when the record is not a customer. */
  customerId: string | null;
  customerName: string | null;
  /** push: written to HubSpot; pull: HubSpot's change applied locally. */
  direction: 'push' | 'pull';
  /** push: create or update; pull: create, link (found by its key) or update. */
  operation: 'create' | 'update' | 'link' | string;
  outcome: 'success' | 'error';
  message: string | null;
  correlationId: string | null;
  hubspotId?: string | null;
  at: string;
}

export interface AttemptPage {
  attempts: SyncAttempt[];
  nextCursor: string | null;
}

/** What a reconcile would do now (POST …/sync/reconcile with `{ dryRun: true }`). */
export interface ReconcilePreview {
  dryRun: true;
  /** The pull; null when two-way sync is off. `complete` false: it stopped at its limit and counts what it read. */
  inbound: { complete: boolean; pulled: number; creates: number; updates: number; links: number; deletions: number; conflicts: number; problems: number } | null;
  /** The push after the pull, per object type in push order; `deletions`: records deleted here to archive in HubSpot. */
  outbound: { creates: number; updates: number; deletions: number; objects: { objectType: string; creates: number; updates: number; deletions: number; note: string | null }[] };
  conflicts: {
    objectType: string;
    recordId: string;
    hubspotId: string;
    field: string;
    localValue: string;
    hubspotValue: string;
    localChangedAt: string | null;
    hubspotChangedAt: string | null;
    winner: 'local' | 'hubspot';
    winningValue: string;
  }[];
}

export interface AuditEntry {
  id: string;
  actor: { type: string; id: string; label: string };
  action: string;
  target: { type: string; id: string } | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export interface WorkspaceUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** A HubSpot owner of the connected portal as last read, and the member it is (GET …/hubspot/owners). */
export interface HubSpotOwner {
  /** What records carry in `hubspot_owner_id`. */
  ownerId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  hubspotUserId: string | null;
  /** HubSpot deactivated it, or no longer lists it: records are pushed without it. */
  archived: boolean;
  userId: string | null;
  /** The member with the owner's email, when neither is linked yet. */
  suggestedUserId: string | null;
}

export interface HubSpotStageRef {
  hubspotPipelineId: string;
  hubspotStageId: string;
}

/** Local deal stages and the portal's pipelines (GET/PUT …/hubspot/deal-stages). */
export interface DealStagesView {
  pipelines: { id: string; label: string; stages: { id: string; label: string; closed: boolean; probability: number | null }[] }[];
  stages: { pipeline: string; stage: string; deals: number; mapping: HubSpotStageRef | null; suggested: HubSpotStageRef | null; problem: string | null }[];
  saved: boolean;
}

/** One record of a duplicates group (GET …/customers/duplicates). */
export interface DuplicateRecord {
  id: string;
  name: string | null;
  email: string | null;
  /** A customer's Company; an organization's domain. */
  organization: string | null;
  phone: string | null;
  createdAt: string;
  hubspot: { linked: boolean; hubspotId: string | null; status: SyncStatus; statusLabel: string };
}

export interface DuplicateGroup {
  reason: 'email' | 'phone' | 'name' | 'domain';
  key: string;
  count: number;
  records: DuplicateRecord[];
}

export interface DuplicatesPage {
  groups: DuplicateGroup[];
  nextCursor: string | null;
}

/** GET …/{customers|organizations}/:id/merge-preview?otherId=: every differing field, with the side that wins by default. */
export interface MergePreview<R = Customer> {
  survivor: R;
  other: R;
  fields: { field: string; label: string; survivorValue: unknown; otherValue: unknown; winner: 'survivor' | 'other' }[];
}

/** POST …/hubspot/mapping/fields: the field made from a property, and the mapping after. */
export interface FieldFromProperty {
  customField: CustomField;
  mapping: MappingView;
}

/** POST …/hubspot/mapping/properties: the property made for a field, and the mapping after. */
export interface PropertyFromField {
  property: Omit<HubSpotProperty, 'options'> & { options?: ChoiceOption[] };
  mapping: MappingView;
}

// Tags (GET /api/workspaces/:workspace/tags) -------------------------------------------------

export type ListMissingAction = 'recreate' | 'report';

export interface TagList {
  enabled: boolean;
  missing: ListMissingAction;
  /** The HubSpot list's name: `hubsync: <key>`. */
  name: string;
  listId: string | null;
  status: 'ok' | 'missing' | 'error' | null;
  error: string | null;
  pushedAt: number | null;
  /** Membership changes waiting for HubSpot. */
  pending: number;
}

export interface Tag {
  key: string;
  label: string;
  builtIn: boolean;
  /** Live customers carrying the tag. */
  customers: number;
  list: TagList;
}

export interface TagRule {
  activityType: ActivityType;
  add: string[];
  remove: string[];
}

export interface TagProperty {
  name: string;
  enabled: boolean;
  state: 'none' | 'ready' | 'error';
  error: string | null;
  syncedAt: number | null;
  upToDate: boolean;
}

/**
 * "Also send activities as HubSpot custom events" (Enterprise hubs): `unavailable` means the
 * portal refused (message: HubSpot's words); nothing is tried again until an admin turns it on again.
 */
export interface ActivityEvents {
  enabled: boolean;
  state: 'off' | 'pending' | 'ready' | 'unavailable' | 'error';
  message: string | null;
  /** Event definitions by activity type (their fullyQualifiedName). */
  definitions: Record<string, string>;
  queued: number;
  sent: number;
  sentAt: number | null;
}

export interface TagsView {
  tags: Tag[];
  rules: TagRule[];
  property: TagProperty;
  events: ActivityEvents;
  lastContactPushAt: number | null;
}

/** One attempt of the workspace's sync log (GET …/sync/attempts). */
export interface SyncLogAttempt {
  id: string;
  at: string;
  objectType: string;
  recordId: string;
  recordName: string | null;
  email: string | null;
  direction: 'push' | 'pull';
  operation: string;
  outcome: 'success' | 'error';
  message: string | null;
  correlationId: string | null;
  hubspotId: string | null;
  runId: string;
  trigger: RunTrigger | null;
  /** The HubSpot calls the attempt's run spent. */
  runApiCalls: number | null;
}

export interface SyncLogPage {
  attempts: SyncLogAttempt[];
  nextCursor: string | null;
}

/** A CSV import's answer (POST …/<records>/import): counts, the first refused rows, how each header was read. */
export interface CsvImportResult {
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: { line: number; message: string }[];
  columns: { header: string; field: string | null }[];
}

/** One line of the import's NDJSON answer (Accept: application/x-ndjson). */
export type CsvImportLine =
  | { type: 'progress'; rowsRead: number; created: number; updated: number; unchanged: number; rejected: number }
  | { type: 'rejected'; line: number; message: string; values: string[] }
  | ({ type: 'result' } & CsvImportResult)
  | ({ type: 'error' } & ApiErrorBody);
