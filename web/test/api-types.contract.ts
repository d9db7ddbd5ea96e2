// Compile-time contract between the UI's API types (web/src/api/types.ts) and the server's own
// response types: `npm run typecheck:web` fails when a server shape drifts from what the UI
// reads. Nothing here runs; the exported aliases only exist to be type-checked.
import type { z } from 'zod';
import type { CustomerJson, customFieldSchema, organizationSchema, STATUS_LABELS as SERVER_STATUS_LABELS } from '../../src/http/schemas.js';
import type { meSchema } from '../../src/http/routes/auth.routes.js';
import type { acceptedSchema, createdInvitationSchema, invitationSchema } from '../../src/http/routes/invitation.routes.js';
import type { createdPasswordResetSchema } from '../../src/http/routes/password-reset.routes.js';
import type { attemptSchema, logAttemptSchema, previewSchema, runSchema } from '../../src/http/routes/sync.routes.js';
import type { connectionSchema, syncSettingsSchema } from '../../src/http/routes/hubspot.routes.js';
import type { ownerSchema } from '../../src/http/routes/owners.routes.js';
import type { dealStagesSchema } from '../../src/http/routes/deal-stages.routes.js';
import type { dealSchema } from '../../src/http/routes/deal.routes.js';
import type { activitySchema } from '../../src/http/routes/activity.routes.js';
import type { conflictSchema } from '../../src/http/routes/record-routes.js';
import type { duplicatesPageSchema } from '../../src/http/routes/duplicates.routes.js';
import type { tagsViewSchema } from '../../src/http/routes/tag.routes.js';
import type { ActivityType as ServerActivityType } from '../../src/crm/activities/index.js';
import type { RunTrigger as ServerRunTrigger } from '../../src/sync/index.js';
import type { SyncStatus as ServerSyncStatus } from '../../src/store/index.js';
import type { MappingView as ServerMappingView } from '../../src/sync/index.js';
import type { CreatedPasswordReset, DuplicatesPage } from '../src/api/types.js';
import type { CsvImportResult as ServerCsvImportResult } from '../../src/records/index.js';
import type { CsvImportResult } from '../src/api/types.js';
import type { authorizationLinkSchema, createdAuthorizationLinkSchema, resolvedAuthorizationLinkSchema } from '../../src/http/routes/authorization-link.routes.js';
import type { AuthorizationLink, CreatedAuthorizationLink, ResolvedAuthorizationLink } from '../src/api/types.js';
import type { Activity, ActivityPage, ActivityType, Connection, CreatedInvitation, Customer, CustomField, Deal, DealPage, DealStagesView, HubSpotOwner, Invitation, InvitationAccepted, MappingView, Me, Organization, OrganizationPage, ReconcilePreview, RunTrigger, SyncAttempt, SyncConflict, SyncLogAttempt, SyncRun, SyncSettings, SyncStatus, TagsView } from '../src/api/types.js';

type Assert<T extends true> = T;
/** True when every value of A is a valid B (A is what the server sends, B what the UI expects). */
type Fits<A, B> = [A] extends [B] ? true : false;
type Same<A, B> = Fits<A, B> extends true ? Fits<B, A> : false;

// The seven statuses and their labels are the same set on both sides.
export type StatusesMatch = Assert<Same<ServerSyncStatus, SyncStatus>>;
export type LabelsCoverStatuses = Assert<Same<keyof typeof SERVER_STATUS_LABELS, SyncStatus>>;

// The customer schema types `sync.status` as a plain string (zod enum built from an array), so
// it is compared with the precise status put back.
type ServerCustomer = Omit<CustomerJson, 'sync'> & { sync: Omit<CustomerJson['sync'], 'status'> & { status: ServerSyncStatus } };
export type CustomerFits = Assert<Fits<ServerCustomer, Customer>>;
// Organizations, the same way (their sync state shares the customer's schema).
type ServerOrganization = Omit<z.infer<typeof organizationSchema>, 'sync'> & { sync: ServerCustomer['sync'] };
export type OrganizationFits = Assert<Fits<ServerOrganization, Organization>>;
// Every field the UI reads is one the server sends (nothing the UI expects is missing).
export type OrganizationKeysSame = Assert<Same<keyof ServerOrganization, keyof Organization>>;
export type OrganizationPageFits = Assert<Fits<{ organizations: ServerOrganization[]; nextCursor: string | null }, OrganizationPage>>;
export type CustomFieldFits = Assert<Fits<Omit<z.infer<typeof customFieldSchema>, 'type'>, Omit<CustomField, 'type'>>>;
export type SyncRunFits = Assert<Fits<z.infer<typeof runSchema>, SyncRun>>;
export type SyncLogAttemptFits = Assert<Same<z.infer<typeof logAttemptSchema>, SyncLogAttempt>>;
// The sync log: attempts in both directions, and the reconcile's dry run.
export type SyncAttemptFits = Assert<Fits<z.infer<typeof attemptSchema>, SyncAttempt>>;
export type ReconcilePreviewSame = Assert<Same<z.infer<typeof previewSchema>, ReconcilePreview>>;
export type MappingFits = Assert<Fits<ServerMappingView, MappingView>>;

// Accounts: who is signed in, invitations and accepting one.
export type MeFits = Assert<Same<z.infer<typeof meSchema>, Me>>;
export type InvitationFits = Assert<Same<z.infer<typeof invitationSchema>, Invitation>>;
export type CreatedInvitationFits = Assert<Same<z.infer<typeof createdInvitationSchema>, CreatedInvitation>>;
export type InvitationAcceptedFits = Assert<Same<z.infer<typeof acceptedSchema>, InvitationAccepted>>;
export type AuthorizationLinkFits = Assert<Same<z.infer<typeof authorizationLinkSchema>, AuthorizationLink>>;
export type CreatedAuthorizationLinkFits = Assert<Same<z.infer<typeof createdAuthorizationLinkSchema>, CreatedAuthorizationLink>>;
export type ResolvedAuthorizationLinkFits = Assert<Same<z.infer<typeof resolvedAuthorizationLinkSchema>, ResolvedAuthorizationLink>>;
export type CreatedPasswordResetFits = Assert<Same<z.infer<typeof createdPasswordResetSchema>, CreatedPasswordReset>>;

// Automatic sync: triggers, settings, connection health.
export type TriggersMatch = Assert<Same<ServerRunTrigger, RunTrigger>>;
export type SyncSettingsSame = Assert<Same<z.infer<typeof syncSettingsSchema>, SyncSettings>>;
export type ConnectionFits = Assert<Fits<z.infer<typeof connectionSchema>, Connection>>;
// Two-way sync: a record's overridden values.
export type SyncConflictSame = Assert<Same<z.infer<typeof conflictSchema>, SyncConflict>>;

// HubSpot owners.
export type OwnerSame = Assert<Same<z.infer<typeof ownerSchema>, HubSpotOwner>>;
export type DealStagesSame = Assert<Same<z.infer<typeof dealStagesSchema>, DealStagesView>>;

// Deals and activities (their sync state shares the customer's schema too).
type ServerDeal = Omit<z.infer<typeof dealSchema>, 'sync'> & { sync: ServerCustomer['sync'] };
export type DealSame = Assert<Same<ServerDeal, Deal>>;
export type DealPageFits = Assert<Fits<{ deals: ServerDeal[]; nextCursor: string | null }, DealPage>>;
export type ActivityTypesMatch = Assert<Same<ServerActivityType, ActivityType>>;
type ServerActivity = Omit<z.infer<typeof activitySchema>, 'sync'> & { sync: ServerCustomer['sync'] };
export type ActivitySame = Assert<Same<ServerActivity, Activity>>;
export type ActivityPageFits = Assert<Fits<{ activities: ServerActivity[]; nextCursor: string | null }, ActivityPage>>;

// The duplicates report: reason and status come as plain strings from the server's schema.
type ServerDuplicates = z.infer<typeof duplicatesPageSchema>;
type ServerDuplicateGroup = ServerDuplicates['groups'][number];
export type DuplicatesPageKeysSame = Assert<Same<keyof ServerDuplicates, keyof DuplicatesPage>>;
export type DuplicateGroupKeysSame = Assert<Same<keyof ServerDuplicateGroup, keyof DuplicatesPage['groups'][number]>>;
export type DuplicateRecordKeysSame = Assert<Same<keyof ServerDuplicateGroup['records'][number], keyof DuplicatesPage['groups'][number]['records'][number]>>;

// The Tags page reads the catalog, rules, property and lists as the server sends them.
export type TagsViewFits = Assert<Fits<z.infer<typeof tagsViewSchema>, TagsView>>;

// The CSV import's result (the JSON answer and the NDJSON answer's last line) as importCsv returns it.
export type CsvImportResultSame = Assert<Same<ServerCsvImportResult, CsvImportResult>>;
