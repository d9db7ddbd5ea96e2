// Row types: the database's own shape (snake_case, timestamps as epoch milliseconds, JSON as
// text so the same migrations serve SQLite and PostgreSQL). Repositories map these to the
// camelCase domain types at the boundary; nothing outside src/store sees a row.
import type { Generated } from 'kysely';

export interface WorkspaceTable {
  id: string;
  slug: string;
  name: string;
  created_at: number;
}

export interface UserTable {
  id: string;
  email: string;
  email_lower: string;
  name: string;
  password_hash: string;
  created_at: number;
  /** 1 when the account may create workspaces (migration 005). */
  is_instance_admin: Generated<number>;
}

export interface MembershipTable {
  workspace_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface InvitationTable {
  id: string;
  workspace_id: string;
  email: string;
  email_lower: string;
  role: string;
  /** SHA-256 of the one-time token; the token itself is shown to the inviting admin once. */
  token_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

export interface PasswordResetTable {
  id: string;
  user_id: string;
  workspace_id: string;
  /** SHA-256 of the one-time token; the token itself is shown to the admin once (migration 031). */
  token_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface SessionTable {
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface ApiKeyTable {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface CustomFieldTable {
  id: string;
  workspace_id: string;
  /** HubSpot's name of the object type the field belongs to: `contacts`, `companies`, `deals`. */
  object_type: string;
  key: string;
  label: string;
  type: string;
  /** JSON array of { value, label }, for the choice types. */
  options: string;
  archived_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface CustomerTable {
  id: string;
  workspace_id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  /** Lower-cased, trimmed email: the comparison key (two customers may share it). */
  email_lower: string | null;
  phone: string | null;
  street: string | null;
  city: string | null;
  postal_code: string | null;
  region: string | null;
  country: string | null;
  company_name: string | null;
  lifecycle_stage: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON object: custom field key → value. */
  custom_values: string;
  /** JSON object: field name (or `custom.<key>`) → epoch ms of its last change. */
  field_updated_at: string;
  /** Lower-cased "first last email" used by search. */
  search_text: string;
  /** The phone as digits with a leading `+` (lib's phoneKey; migration 024): the duplicates report's key. */
  phone_key: string | null;
  /** Folded "first last|company" when both are known (lib's personNameKey; migration 024). */
  name_key: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  /** Bumped on every content change; the sync engine compares it to detect in-flight edits. */
  version: number;
  hubspot_id: string | null;
  /** One of the seven seed statuses, kept current by the sync module (see src/sync). */
  sync_status: string;
  sync_error: string | null;
  /** Hash of the property values last accepted by HubSpot. */
  synced_hash: string | null;
  synced_at: number | null;
  last_attempt_at: number | null;
  /** Hash of the property values the customer would push now under the current mapping. */
  current_hash: string | null;
  /** The local user who owns the record (pushed as the linked HubSpot owner's id). */
  owner_user_id: string | null;
  /** JSON: association kind → the HubSpot ids the contact was last associated with (see the push engine's links). */
  synced_links: string | null;
  /** JSON: HubSpot property → the value both sides last agreed on (the pull's merge base; migration 015). */
  synced_values: string | null;
}

/** The sync columns every pushed object type's table has (see CustomerTable for their meaning). */
export interface SyncColumns {
  hubspot_id: string | null;
  sync_status: string;
  sync_error: string | null;
  synced_hash: string | null;
  synced_at: number | null;
  last_attempt_at: number | null;
  current_hash: string | null;
}

export interface OrganizationTable extends SyncColumns {
  id: string;
  workspace_id: string;
  external_id: string | null;
  name: string | null;
  domain: string | null;
  /** The normalized domain (lower case, no scheme, `www.` or path): the Duplicate rule's key. */
  domain_key: string | null;
  website: string | null;
  phone: string | null;
  street: string | null;
  city: string | null;
  postal_code: string | null;
  region: string | null;
  country: string | null;
  industry: string | null;
  number_of_employees: number | null;
  /** A decimal number kept as text, so no precision is lost. */
  annual_revenue: string | null;
  lifecycle_stage: string | null;
  owner_user_id: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON object: custom field key → value. */
  custom_values: string;
  /** JSON object: field name (or `custom.<key>`) → epoch ms of its last change. */
  field_updated_at: string;
  search_text: string;
  /** The phone as digits with a leading `+` (lib's phoneKey; migration 024): the duplicates report's key. */
  phone_key: string | null;
  /** The folded name (lib's organizationNameKey; migration 024). */
  name_key: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  version: number;
  /** JSON: HubSpot property → the value both sides last agreed on (the pull's merge base; migration 016). */
  synced_values: string | null;
}

export interface CustomerOrganizationTable {
  workspace_id: string;
  customer_id: string;
  organization_id: string;
  /** 1 for the customer's primary organization (at most one per customer). */
  is_primary: number;
  created_at: number;
}

export interface DealTable extends SyncColumns {
  id: string;
  workspace_id: string;
  external_id: string | null;
  name: string | null;
  /** A decimal number kept as text. */
  amount: string | null;
  /** ISO 4217 code. */
  currency: string | null;
  /** `YYYY-MM-DD`. */
  close_date: string | null;
  /** The local pipeline's key (`default` unless the host app has several). */
  pipeline: string;
  /** The local stage's key, mapped to a HubSpot stage by deal_stage_mappings. */
  stage: string | null;
  owner_user_id: string | null;
  organization_id: string | null;
  custom_values: string;
  field_updated_at: string;
  search_text: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  version: number;
  /** JSON: association kind → the HubSpot ids the deal was last associated with. */
  synced_links: string | null;
  /** JSON: HubSpot property → the value both sides last agreed on (the pull's merge base; migration 016). */
  synced_values: string | null;
}

export interface DealCustomerTable {
  workspace_id: string;
  deal_id: string;
  customer_id: string;
  created_at: number;
}

export interface DealStageMappingTable {
  workspace_id: string;
  pipeline: string;
  stage: string;
  hubspot_pipeline_id: string;
  hubspot_stage_id: string;
  updated_at: number;
}

export interface ActivityTable extends SyncColumns {
  id: string;
  workspace_id: string;
  external_id: string | null;
  customer_id: string;
  organization_id: string | null;
  deal_id: string | null;
  /** One of the activity types (`membership_activated`, …, `support_ticket_updated`, `other`). */
  type: string;
  occurred_at: number;
  title: string;
  details: string | null;
  ticket_number: string | null;
  ticket_status: string | null;
  ticket_url: string | null;
  created_at: number;
  /** Activities are not edited; the engine still compares versions as for every type. */
  version: number;
  /** Set before the note's create call is sent: a replay first looks for the note it may have created. */
  create_started_at: number | null;
}

export interface HubSpotOwnerTable {
  workspace_id: string;
  /** The owner's `id`: what records carry in `hubspot_owner_id`. */
  owner_id: string;
  email: string | null;
  email_lower: string | null;
  first_name: string | null;
  last_name: string | null;
  hubspot_user_id: string | null;
  /** 1 once HubSpot lists the owner as archived or no longer lists it. */
  archived: number;
  /** The local user this owner is (suggested by email, set by admins). */
  user_id: string | null;
  read_at: number;
  updated_at: number;
}

/** A run's counters for one object type. */
export interface SyncRunObjectTable {
  run_id: string;
  object_type: string;
  total: number;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  skipped: number;
  /** Why the type was left out of the run, or null. */
  note: string | null;
}

export interface HubSpotConnectionTable {
  workspace_id: string;
  method: string;
  source: string;
  portal_id: number;
  scopes: string;
  /** The private-app token or the OAuth refresh token, encrypted (AES-256-GCM). */
  secret_enc: string;
  access_token_enc: string | null;
  access_expires_at: number | null;
  token_hint: string;
  status: string;
  last_error: string | null;
  connected_by: string;
  connected_at: number;
  updated_at: number;
}

export interface OAuthStateTable {
  state_hash: string;
  workspace_id: string;
  user_id: string;
  expires_at: number;
  used_at: number | null;
  /** The authorization link this OAuth flow was started from (migration 030); null for an admin's own start. */
  authorization_link_id: string | null;
}

/** Migration 030: a single-use link to approve the HubSpot app without a hubsync account. */
export interface AuthorizationLinkTable {
  id: string;
  workspace_id: string;
  /** SHA-256 of the link's token; the token itself is shown to the creating admin once. */
  token_hash: string;
  created_by: string | null;
  created_by_label: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  /** What the approval connected: the HubSpot portal and the approving HubSpot user. */
  portal_id: number | null;
  connected_by: string | null;
}

export interface FieldMappingTable {
  workspace_id: string;
  object_type: string;
  field: string;
  property: string | null;
  /** `both`, `push` (never pulled) or `pull` (never pushed): migration 017. */
  direction: string;
  updated_at: number;
}

export interface SyncRunTable {
  id: string;
  workspace_id: string;
  status: string;
  trigger: string;
  started_by: string;
  owner: string;
  started_at: number;
  heartbeat_at: number;
  finished_at: number | null;
  phase: string;
  total: number;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  skipped: number;
  api_calls: number;
  cancel_requested: number;
  error: string | null;
  /** Inbound counts (migration 016): HubSpot records read by the run's pull, and what they did locally. */
  pulled: number;
  pulled_created: number;
  pulled_updated: number;
  /** Fields both sides changed differently, decided by time (each one in sync_conflicts). */
  conflicts: number;
  /** Records archived in HubSpot and unlinked (or deleted) locally, or archived in HubSpot by propagated deletes. */
  deletions: number;
}

export interface SyncAttemptTable {
  id: string;
  run_id: string;
  workspace_id: string;
  /** HubSpot's name for the record's object type: `contacts`, later `companies`, `deals`, `notes`. */
  object_type: string;
  /** The local record's id (a customer's for contacts). */
  record_id: string;
  /** Set when the record is a customer; null for other object types. */
  customer_id: string | null;
  operation: string;
  outcome: string;
  message: string | null;
  correlation_id: string | null;
  hubspot_id: string | null;
  at: number;
  /** `push` (a write to HubSpot) or `pull` (HubSpot's change applied locally). */
  direction: string;  /** The record's name when the attempt was recorded (a customer's first and last name, a company's or deal's name, a note's title). */
  record_name: string | null;
  /** A customer's lower-cased email when the attempt was recorded (the sync log's search by email); null for other types. */
  record_email: string | null;
}

export interface SyncSettingsTable {
  workspace_id: string;
  /** 1 = push a changed customer without waiting for a run. */
  push_contacts_on_change: number;
  push_companies_on_change: number;
  /** 1 = organizations are pushed as companies (0 for every workspace until an admin turns it on). */
  sync_companies: number;
  /** 1 = deals are pushed. */
  sync_deals: number;
  /** 1 = activities are logged as notes. */
  sync_activities: number;
  /** 5-field cron read in `timezone`; null = no scheduled reconcile. */
  reconcile_schedule: string | null;
  /** IANA zone name. */
  timezone: string;
  /** 1 = HubSpot's changes are pulled (two-way sync). */
  two_way: number;
  /** JSON array: the HubSpot lifecycle stages a pull imports as new customers. */
  inbound_lifecycle_stages: string;
  poll_interval_minutes: number;
  /** 1 = a linked record's local edit is written to HubSpot before it is saved (seed 002). */
  write_through: number;
  /** 1 = a record deleted locally is archived in HubSpot. */
  propagate_deletes: number;
  /** 1 = a record archived in HubSpot is deleted locally too (else only unlinked). */
  archive_on_hubspot_delete: number;
  /** Seconds within which the same email created on both sides is merged into one record; 0 = off (migration 028). */
  dedup_window_seconds: number;
  /** When `reconcile_schedule` or `timezone` last changed (ms); null when not since migration 036. */
  schedule_changed_at: number | null;
  updated_at: number;
}

/** How far a pull applied HubSpot's changes, per workspace and object type (migration 015). */
export interface SyncCheckpointTable {
  workspace_id: string;
  object_type: string;
  /** `initial` (the first full listing) or `incremental`. */
  phase: string;
  /** Initial: when the listing began; incremental: the last `lastmodifieddate` fully applied (epoch ms). */
  last_modified_ms: number;
  /** JSON array: the HubSpot ids already applied at `last_modified_ms`. */
  ids_at_ms: string;
  /** Initial: the list cursor of the next page; incremental: the `hs_object_id` a same-millisecond page resumes after. */
  after_cursor: string | null;
  /** When a pull last read to the end (epoch ms; 0 until one did). */
  updated_at: number;
  /** Initial, while id-range searches read from the top beside the listing: their checkpoint (JSON, src/sync/pull/pull-split.ts); null otherwise (migration 021). */
  split: string | null;
}

/** A HubSpot record a webhook announced changed or deleted, waiting for the `sync.webhook` job (migration 018). */
export interface InboundChangeTable {
  workspace_id: string;
  /** HubSpot's name for the type: `contacts`, `companies`, `deals`. */
  object_type: string;
  hubspot_id: string;
  /** What the latest event announced: `change` or `deletion`. */
  kind: string;
  /** The latest event's `occurredAt` (epoch ms). */
  occurred_at: number;
  /** When the latest event was received. */
  received_at: number;
  /** Grows with every event for the record: the job deletes the row only if it is unchanged. */
  version: number;
}

/** How far the listing of archived HubSpot records got, per workspace and object type (migration 018). */
export interface ArchiveCheckTable {
  workspace_id: string;
  object_type: string;
  /** When the last complete listing began (epoch ms; 0 = never). */
  checked_at: number;
  /** When the listing under way began; null when none is. */
  listing_started_at: number | null;
  /** The list cursor of the listing under way's next page. */
  after_cursor: string | null;
}

/** A field both sides changed differently, and which side won (migration 015). */
export interface SyncConflictTable {
  id: string;
  workspace_id: string;
  object_type: string;
  record_id: string;
  hubspot_id: string;
  /** The local field (`firstName`, `custom.<key>`). */
  field: string;
  property: string;
  local_value: string;
  hubspot_value: string;
  local_changed_at: number;
  hubspot_changed_at: number;
  /** `local` or `hubspot`. */
  winner: string;
  /** The pull that decided it. */
  run_id: string;
  at: number;
}

export interface AuditLogTable {
  id: string;
  workspace_id: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** JSON object; never holds a secret. */
  details: string;
  created_at: number;
}

/** A job of the embedded queue (src/jobs); states and transitions are described there. */
export interface JobTable {
  id: string;
  queue: string;
  /** The payload as JSON. */
  payload: string;
  exclusive_key: string | null;
  state: string;
  /** How many times a worker has taken the job. */
  attempts: number;
  run_at: number;
  lease_token: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** A cron schedule of the embedded queue: one per queue, fired once per tick. */
export interface JobScheduleTable {
  queue: string;
  cron: string;
  timezone: string;
  payload: string;
  next_fire_at: number;
  updated_at: number;
}

/** A reserved window slot of a HubSpot portal (see rate-ledger.repository.ts). */
export interface HubSpotRateSlotTable {
  id: string;
  portal_id: number;
  /** `standard` (burst window) or `search`. */
  lane: string;
  /** When the slot frees: a lease while in flight, receipt + window once released. */
  expires_at: number;
  /** 1 until the response arrived. */
  in_flight: number;
}

export interface HubSpotRatePauseTable {
  portal_id: number;
  /** `standard`, `search`, or `daily` (the daily limit was reached). */
  lane: string;
  paused_until: number;
}

export interface HubSpotDailyUsageTable {
  portal_id: number;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  calls: number;
  errors: number;
  rate_limited: number;
}

/** A record whose change must still be pushed (migration 009); drained by the on-change push. */
export interface PendingChangeTable {
  workspace_id: string;
  object_type: string;
  record_id: string;
  changed_at: number;
  version: number;
}

/** A linked record deleted locally whose HubSpot record is still to be archived (migration 019). */
export interface PendingArchiveTable {
  workspace_id: string;
  /** HubSpot's name of the type: `contacts`, `companies`, `deals`. */
  object_type: string;
  record_id: string;
  /** The HubSpot record to archive (the link when the record was deleted). */
  hubspot_id: string;
  requested_at: number;
}

/** One merge of two records of a type (migration 022): the secondary was soft-deleted into the survivor. */
/** When a workspace's last de-duplication pass started (migration 033, sync/dedup.ts). */
export interface DedupCheckpointTable {
  workspace_id: string;
  checked_at: number;
}

/** An email HubSpot keeps on a contact besides its primary one, as last pulled (migration 035). */
export interface ContactAdditionalEmailTable {
  workspace_id: string;
  email_lower: string;
  hubspot_id: string;
}

export interface RecordMergeTable {
  id: string;
  workspace_id: string;
  /** `customers` or `organizations`. */
  record_type: string;
  survivor_id: string;
  secondary_id: string;
  /** `local` (the Merge action) or `hubspot` (a merge made in HubSpot, found by a pull or a webhook). */
  source: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  /** JSON object: field → `survivor` | `other`, the side whose value the survivor kept. */
  choices: string;
  /** JSON: the secondary's row just before the merge and the references moved from it. */
  snapshot: string;
  /** The HubSpot ids the two records were linked to before the merge, and the survivor's after it. */
  survivor_hubspot_id: string | null;
  secondary_hubspot_id: string | null;
  merged_hubspot_id: string | null;
  merged_at: number;
  /** When an admin restored the secondary (it is live again; references stay on the survivor). */
  restored_at: number | null;
  restored_by: string | null;
}

/** A tag's row (migration 025): an admin-defined tag, or a built-in one's overrides. */
export interface TagDefinitionTable {
  workspace_id: string;
  key: string;
  label: string;
  built_in: number;
  list_enabled: number;
  /** `recreate` or `report`: what happens when HubSpot no longer has the tag's list. */
  list_missing: string;
  list_id: string | null;
  /** null (no list yet), `ok`, `missing` (deleted in HubSpot, reported) or `error`. */
  list_status: string | null;
  list_error: string | null;
  list_pushed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface TagSettingsTable {
  workspace_id: string;
  /** JSON: the workspace's activity rules, or null for the defaults. */
  rules: string | null;
  property_enabled: number;
  /** `none` (not created yet), `ready` or `error`. */
  property_state: string;
  /** Hash of the options last written to the property (the catalog's keys and labels). */
  property_hash: string | null;
  property_error: string | null;
  property_synced_at: number | null;
  updated_at: number;
}

export interface ActivityEventSettingsTable {
  workspace_id: string;
  enabled: number;
  /** `off`, `pending`, `ready`, `unavailable` or `error` (migration 034). */
  state: string;
  message: string | null;
  /** JSON: activity type → the event definition's fullyQualifiedName. */
  definitions: string | null;
  sent_count: number;
  sent_at: number | null;
  checked_at: number | null;
  updated_at: number;
}

export interface ActivityEventQueueTable {
  workspace_id: string;
  activity_id: string;
  queued_at: number;
}

export interface TagListMemberTable {
  workspace_id: string;
  tag_key: string;
  customer_id: string;
  wanted: number;
  synced: number;
  changed_at: number;
}

/** An endpoint of the host app that receives hubsync's events (migration 029). */
export interface WebhookEndpointTable {
  id: string;
  workspace_id: string;
  url: string;
  description: string | null;
  /** JSON array of the event types sent to it. */
  events: string;
  /** The signing secret, sealed with the install's key. */
  secret_enc: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** One event for one endpoint: the outbox row and its delivery record (migration 029). */
export interface WebhookDeliveryTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The JSON body, exactly as sent on every attempt. */
  body: string;
  /** `pending` (an attempt is due at next_attempt_at), `delivered`, or `failed` (attempts exhausted). */
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_response_ms: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface Database {
  workspaces: WorkspaceTable;
  users: UserTable;
  memberships: MembershipTable;
  invitations: InvitationTable;
  sessions: SessionTable;
  password_resets: PasswordResetTable;
  api_keys: ApiKeyTable;
  custom_fields: CustomFieldTable;
  customers: CustomerTable;
  audit_log: AuditLogTable;
  hubspot_connections: HubSpotConnectionTable;
  oauth_states: OAuthStateTable;
  authorization_links: AuthorizationLinkTable;
  field_mappings: FieldMappingTable;
  sync_runs: SyncRunTable;
  sync_attempts: SyncAttemptTable;
  jobs: JobTable;
  job_schedules: JobScheduleTable;
  sync_settings: SyncSettingsTable;
  hubspot_rate_slots: HubSpotRateSlotTable;
  hubspot_rate_pauses: HubSpotRatePauseTable;
  hubspot_daily_usage: HubSpotDailyUsageTable;
  pending_changes: PendingChangeTable;
  pending_archives: PendingArchiveTable;
  organizations: OrganizationTable;
  customer_organizations: CustomerOrganizationTable;
  deals: DealTable;
  deal_customers: DealCustomerTable;
  deal_stage_mappings: DealStageMappingTable;
  activities: ActivityTable;
  hubspot_owners: HubSpotOwnerTable;
  sync_run_objects: SyncRunObjectTable;
  sync_checkpoints: SyncCheckpointTable;
  sync_conflicts: SyncConflictTable;
  inbound_changes: InboundChangeTable;
  archive_checks: ArchiveCheckTable;
  record_merges: RecordMergeTable;
  dedup_checkpoints: DedupCheckpointTable;
  contact_additional_emails: ContactAdditionalEmailTable;
  tag_definitions: TagDefinitionTable;
  tag_settings: TagSettingsTable;
  tag_list_members: TagListMemberTable;
  activity_event_settings: ActivityEventSettingsTable;
  activity_event_queue: ActivityEventQueueTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  schema_probe: { id: Generated<number> };
}
