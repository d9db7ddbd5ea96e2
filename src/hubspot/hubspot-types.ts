// Shapes of the HubSpot API requests and responses hubsync uses. Field names follow
// HubSpot's JSON exactly (including its spellings); every property value is a string.

/** CRM object types hubsync syncs; any other type name (custom objects) is accepted too. */
export type ObjectType = 'contacts' | 'companies' | 'deals' | 'notes' | (string & {});

export type PropertyValues = Record<string, string | null>;

export interface PropertyHistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
  sourceLabel?: string;
  updatedByUserId?: number;
}

export interface AssociationRef {
  id: string;
  type: string;
}

export interface CrmObject {
  id: string;
  properties: PropertyValues;
  propertiesWithHistory?: Record<string, PropertyHistoryEntry[]>;
  associations?: Record<string, { results: AssociationRef[]; paging?: Paging }>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface UpsertedObject extends CrmObject {
  /** True when the upsert created the record. */
  new: boolean;
}

export interface Paging {
  next?: { after: string; link?: string };
}

export interface Page<T> {
  results: T[];
  paging?: Paging;
}

/** One failed input in a batch call (207 multi-status). */
export interface BatchError {
  status: string;
  category: string;
  message: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: { message: string; code?: string; context?: Record<string, unknown> }[];
  links?: Record<string, string>;
}

/**
 * Result of a batch endpoint. A 207 (some inputs failed) is a value, not an exception:
 * `results` holds the successes and `errors` the failures. `errors` is empty on a 200/201.
 */
export interface BatchResult<T> {
  status: string;
  results: T[];
  errors: BatchError[];
  numErrors: number;
  /** HTTP status: 200/201 when everything succeeded, 207 when some inputs failed. */
  httpStatus: number;
  startedAt?: string;
  completedAt?: string;
}

export type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED';

export interface AssociationSpec {
  associationCategory: AssociationCategory;
  associationTypeId: number;
}

export interface ObjectAssociationInput {
  to: { id: string };
  types: AssociationSpec[];
}

export interface CreateObjectInput {
  properties: Record<string, string>;
  associations?: ObjectAssociationInput[];
  objectWriteTraceId?: string;
}

export interface UpdateObjectInput {
  id: string;
  /** Send `""` to clear a value. */
  properties: Record<string, string>;
  idProperty?: string;
  objectWriteTraceId?: string;
}

export interface UpsertObjectInput {
  /** The value of `idProperty`, e.g. the email address. */
  id: string;
  idProperty: string;
  properties: Record<string, string>;
  objectWriteTraceId?: string;
}

export type FilterOperator =
  | 'EQ'
  | 'NEQ'
  | 'LT'
  | 'LTE'
  | 'GT'
  | 'GTE'
  | 'BETWEEN'
  | 'IN'
  | 'NOT_IN'
  | 'HAS_PROPERTY'
  | 'NOT_HAS_PROPERTY'
  | 'CONTAINS_TOKEN'
  | 'NOT_CONTAINS_TOKEN';

export interface SearchFilter {
  propertyName: string;
  operator: FilterOperator;
  value?: string;
  highValue?: string;
  values?: string[];
}

export interface SearchRequest {
  filterGroups?: { filters: SearchFilter[] }[];
  query?: string;
  sorts?: ({ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' } | string)[];
  properties?: string[];
  /** ≤ 200. */
  limit?: number;
  /** Offset cursor from `paging.next.after`. */
  after?: string;
}

export interface SearchResult {
  total: number;
  results: CrmObject[];
  paging?: Paging;
}

// Properties

export type PropertyType = 'string' | 'number' | 'bool' | 'enumeration' | 'date' | 'datetime' | 'phone_number';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder?: number;
  hidden?: boolean;
  description?: string;
}

export interface Property {
  name: string;
  label: string;
  type: PropertyType | (string & {});
  fieldType: string;
  description?: string;
  groupName: string;
  options: PropertyOption[];
  hasUniqueValue?: boolean;
  hidden?: boolean;
  hubspotDefined?: boolean;
  calculated?: boolean;
  formField?: boolean;
  displayOrder?: number;
  modificationMetadata?: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
}

export interface PropertyCreate {
  name: string;
  label: string;
  type: PropertyType | (string & {});
  fieldType: string;
  groupName: string;
  description?: string;
  options?: PropertyOption[];
  hasUniqueValue?: boolean;
  hidden?: boolean;
  formField?: boolean;
  displayOrder?: number;
}

export type PropertyUpdate = Partial<Omit<PropertyCreate, 'name'>>;

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder?: number;
  archived?: boolean;
}

// Owners

export interface Owner {
  /** What `hubspot_owner_id` takes. */
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  /** null once the owner is archived (see `userIdIncludingInactive`). */
  userId: number | null;
  userIdIncludingInactive?: number;
  type?: string;
  teams?: { id: string; name: string; primary: boolean }[];
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

// Pipelines

export interface PipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  archived: boolean;
  createdAt?: string;
  updatedAt?: string;
}

export interface Pipeline {
  id: string;
  label: string;
  displayOrder: number;
  stages: PipelineStage[];
  archived: boolean;
  createdAt?: string;
  updatedAt?: string;
}

// Associations v4

export interface AssociationType {
  category: AssociationCategory;
  typeId: number;
  label: string | null;
}

export interface AssociatedObject {
  toObjectId: string | number;
  associationTypes: AssociationType[];
}

export interface BatchAssociationRead {
  from: { id: string };
  to: AssociatedObject[];
  paging?: Paging;
}

export interface BatchAssociationCreateInput {
  from: { id: string };
  to: { id: string };
  types: AssociationSpec[];
}

export interface BatchAssociationArchiveInput {
  from: { id: string };
  to: { id: string }[];
}

/** Input of `batch/labels/archive`: takes only these types off a pair (the pair stays). */
export interface BatchAssociationLabelArchiveInput {
  from: { id: string };
  to: { id: string };
  types: AssociationSpec[];
}

export interface AssociationCreated {
  fromObjectTypeId: string;
  fromObjectId: string | number;
  toObjectTypeId: string;
  toObjectId: string | number;
  labels: string[];
}

// Lists v3

export type ListProcessingType = 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';

export interface HubSpotList {
  listId: string;
  name: string;
  objectTypeId: string;
  processingType: ListProcessingType | (string & {});
  size?: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface ListCreate {
  name: string;
  /** `0-1` contacts, `0-2` companies, `0-3` deals. */
  objectTypeId: string;
  processingType: ListProcessingType;
}

export interface ListMembershipAdded {
  /** Spelled this way by HubSpot. */
  recordsIdsAdded?: string[];
  recordIdsMissing?: string[];
}

export interface ListMembershipRemoved {
  recordIdsRemoved?: string[];
  recordIdsMissing?: string[];
}

// Account and authentication

export interface AccountDetails {
  portalId: number;
  accountType: string;
  timeZone: string;
  companyCurrency: string;
  additionalCurrencies?: string[];
  utcOffset?: string;
  utcOffsetMilliseconds?: number;
  uiDomain: string;
  dataHostingLocation: string;
}

export interface PrivateAppTokenInfo {
  userId: number;
  hubId: number;
  appId: number;
  scopes: string[];
}

export interface OAuthTokenResponse {
  token_type: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  id_token?: string;
}

export interface OAuthAccessTokenInfo {
  token: string;
  user?: string;
  hub_domain?: string;
  hub_id: number;
  app_id: number;
  expires_in: number;
  user_id?: number;
  token_type: string;
  scopes: string[];
}

export interface OAuthRefreshTokenInfo {
  token: string;
  user?: string;
  hub_domain?: string;
  hub_id: number;
  client_id: string;
  user_id?: number;
  token_type?: string;
  scopes: string[];
}
