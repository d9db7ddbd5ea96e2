// HubSpot's default properties, property groups and deal pipeline, as the sandbox seeds them in
// every new portal. A hand-written subset: the properties hubsync and typical host apps touch,
// with names, types, field types, groups, options and read-only flags as HubSpot defines them.

import type { ObjectType } from './types.js';

export type PropertyType = 'string' | 'number' | 'bool' | 'enumeration' | 'date' | 'datetime';

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
}

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  description: string;
  groupName: string;
  options: PropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  formField: boolean;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** Which field types HubSpot allows for each property type. */
export const FIELD_TYPES: Record<PropertyType, readonly string[]> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number', 'calculation_equation'],
  bool: ['booleancheckbox'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
};

// Row: name, label, type, fieldType, group, flags. Flags: r = read-only value (set by HubSpot),
// h = hidden, u = unique value, c = calculated, f = form field.
type Row = readonly [string, string, PropertyType, string, string, string?];

const LIFECYCLE_STAGES: readonly [string, string][] = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
];

/** Lifecycle stage values in their forward order. */
export const LIFECYCLE_ORDER: readonly string[] = LIFECYCLE_STAGES.map(([value]) => value);

const LEAD_STATUSES: readonly [string, string][] = [
  ['NEW', 'New'],
  ['OPEN', 'Open'],
  ['IN_PROGRESS', 'In Progress'],
  ['OPEN_DEAL', 'Open Deal'],
  ['UNQUALIFIED', 'Unqualified'],
  ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
  ['CONNECTED', 'Connected'],
  ['BAD_TIMING', 'Bad Timing'],
];

const INDUSTRIES = [
  'ACCOUNTING',
  'BANKING',
  'COMPUTER_SOFTWARE',
  'CONSTRUCTION',
  'EDUCATION_MANAGEMENT',
  'FINANCIAL_SERVICES',
  'HOSPITAL_HEALTH_CARE',
  'INFORMATION_TECHNOLOGY_AND_SERVICES',
  'INTERNET',
  'MARKETING_AND_ADVERTISING',
  'RETAIL',
  'TELECOMMUNICATIONS',
];

const DEAL_STAGES: readonly [string, string, string, boolean][] = [
  ['appointmentscheduled', 'Appointment Scheduled', '0.2', false],
  ['qualifiedtobuy', 'Qualified To Buy', '0.4', false],
  ['presentationscheduled', 'Presentation Scheduled', '0.6', false],
  ['decisionmakerboughtin', 'Decision Maker Bought-In', '0.8', false],
  ['contractsent', 'Contract Sent', '0.9', false],
  ['closedwon', 'Closed Won', '1.0', true],
  ['closedlost', 'Closed Lost', '0.0', true],
];

function titleCase(value: string): string {
  return value
    .toLowerCase()
    .split('_')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

function options(pairs: readonly (readonly [string, string])[]): PropertyOption[] {
  return pairs.map(([value, label], displayOrder) => ({ label, value, displayOrder, hidden: false }));
}

const OPTIONS: Record<string, PropertyOption[]> = {
  lifecyclestage: options(LIFECYCLE_STAGES),
  hs_lead_status: options(LEAD_STATUSES),
  industry: options(INDUSTRIES.map((v) => [v, titleCase(v)] as const)),
  hs_email_optout: options([
    ['true', 'Yes'],
    ['false', 'No'],
  ]),
  pipeline: options([['default', 'Sales Pipeline']]),
  dealstage: options(DEAL_STAGES.map(([v, l]) => [v, l] as const)),
  // Every ISO 4217 code, as in a portal with multi-currency on (a real portal lists the currencies it enabled).
  deal_currency_code: options(Intl.supportedValuesOf('currency').map((code) => [code, code] as const)),
  dealtype: options([
    ['newbusiness', 'New Business'],
    ['existingbusiness', 'Existing Business'],
  ]),
};

const CONTACT_ROWS: Row[] = [
  ['email', 'Email', 'string', 'text', 'contactinformation', 'f'],
  ['firstname', 'First Name', 'string', 'text', 'contactinformation', 'f'],
  ['lastname', 'Last Name', 'string', 'text', 'contactinformation', 'f'],
  ['phone', 'Phone Number', 'string', 'text', 'contactinformation', 'f'],
  ['mobilephone', 'Mobile Phone Number', 'string', 'text', 'contactinformation', 'f'],
  ['fax', 'Fax Number', 'string', 'text', 'contactinformation', 'f'],
  ['address', 'Street Address', 'string', 'text', 'contactinformation', 'f'],
  ['city', 'City', 'string', 'text', 'contactinformation', 'f'],
  ['state', 'State/Region', 'string', 'text', 'contactinformation', 'f'],
  ['zip', 'Postal Code', 'string', 'text', 'contactinformation', 'f'],
  ['country', 'Country/Region', 'string', 'text', 'contactinformation', 'f'],
  ['company', 'Company Name', 'string', 'text', 'contactinformation', 'f'],
  ['jobtitle', 'Job Title', 'string', 'text', 'contactinformation', 'f'],
  ['website', 'Website URL', 'string', 'text', 'contactinformation', 'f'],
  ['industry', 'Industry', 'string', 'text', 'contactinformation'],
  ['annualrevenue', 'Annual Revenue', 'string', 'text', 'contactinformation'],
  ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', 'contactinformation'],
  ['hs_lead_status', 'Lead Status', 'enumeration', 'radio', 'sales_properties'],
  ['hubspot_owner_id', 'Contact owner', 'enumeration', 'select', 'sales_properties'],
  ['hs_email_optout', 'Unsubscribed from all email', 'bool', 'booleancheckbox', 'emailinformation', 'r'],
  ['hs_additional_emails', 'Additional email addresses', 'enumeration', 'checkbox', 'contactinformation', 'r'],
  ['createdate', 'Create Date', 'datetime', 'date', 'contactinformation', 'r'],
  ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'contactinformation', 'r'],
  ['hs_object_id', 'Contact ID', 'number', 'number', 'contactinformation', 'rc'],
  ['hs_merged_object_ids', 'Merged object IDs', 'enumeration', 'checkbox', 'contactinformation', 'rh'],
];

const COMPANY_ROWS: Row[] = [
  ['name', 'Company name', 'string', 'text', 'companyinformation'],
  ['domain', 'Company Domain Name', 'string', 'text', 'companyinformation'],
  ['website', 'Website URL', 'string', 'text', 'companyinformation'],
  ['phone', 'Phone Number', 'string', 'phonenumber', 'companyinformation'],
  ['address', 'Street Address', 'string', 'text', 'companyinformation'],
  ['city', 'City', 'string', 'text', 'companyinformation'],
  ['state', 'State/Region', 'string', 'text', 'companyinformation'],
  ['zip', 'Postal Code', 'string', 'text', 'companyinformation'],
  ['country', 'Country/Region', 'string', 'text', 'companyinformation'],
  ['industry', 'Industry', 'enumeration', 'select', 'companyinformation'],
  ['description', 'Description', 'string', 'textarea', 'companyinformation'],
  ['numberofemployees', 'Number of Employees', 'number', 'number', 'companyinformation'],
  ['annualrevenue', 'Annual Revenue', 'number', 'number', 'companyinformation'],
  ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', 'companyinformation'],
  ['hubspot_owner_id', 'Company owner', 'enumeration', 'select', 'sales_properties'],
  ['createdate', 'Create Date', 'datetime', 'date', 'companyinformation', 'r'],
  ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'company_activity', 'r'],
  ['hs_object_id', 'Record ID', 'number', 'number', 'companyinformation', 'rc'],
  ['hs_merged_object_ids', 'Merged Company IDs', 'enumeration', 'checkbox', 'companyinformation', 'r'],
];

const DEAL_ROWS: Row[] = [
  ['dealname', 'Deal Name', 'string', 'text', 'dealinformation'],
  ['amount', 'Amount', 'number', 'number', 'dealinformation'],
  ['closedate', 'Close Date', 'datetime', 'date', 'dealinformation'],
  ['pipeline', 'Pipeline', 'enumeration', 'select', 'dealinformation'],
  ['dealstage', 'Deal Stage', 'enumeration', 'radio', 'dealinformation'],
  ['deal_currency_code', 'Currency', 'enumeration', 'select', 'dealinformation'],
  ['dealtype', 'Deal Type', 'enumeration', 'radio', 'dealinformation'],
  ['description', 'Deal Description', 'string', 'textarea', 'dealinformation'],
  ['hubspot_owner_id', 'Deal owner', 'enumeration', 'select', 'dealinformation'],
  ['createdate', 'Create Date', 'datetime', 'date', 'dealinformation', 'r'],
  ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'dealinformation', 'r'],
  ['hs_object_id', 'Record ID', 'number', 'number', 'dealinformation', 'rc'],
  ['hs_merged_object_ids', 'Merged Deal IDs', 'enumeration', 'checkbox', 'dealinformation', 'r'],
  ['hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox', 'dealinformation', 'rc'],
  ['hs_is_closed_won', 'Is Closed Won', 'bool', 'booleancheckbox', 'dealinformation', 'rc'],
];

const NOTE_ROWS: Row[] = [
  ['hs_note_body', 'Note body', 'string', 'html', 'engagement'],
  ['hs_timestamp', 'Activity date', 'datetime', 'date', 'engagement'],
  ['hubspot_owner_id', 'Activity assigned to', 'enumeration', 'select', 'engagement'],
  ['hs_attachment_ids', 'Attached file IDs', 'enumeration', 'checkbox', 'engagement'],
  ['hs_createdate', 'Create date', 'datetime', 'date', 'engagement', 'r'],
  ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'engagement', 'r'],
  ['hs_object_id', 'Record ID', 'number', 'number', 'engagement', 'rc'],
];

const ROWS: Record<ObjectType, Row[]> = {
  contacts: CONTACT_ROWS,
  companies: COMPANY_ROWS,
  deals: DEAL_ROWS,
  notes: NOTE_ROWS,
};

const GROUPS: Record<ObjectType, readonly [string, string][]> = {
  contacts: [
    ['contactinformation', 'Contact information'],
    ['emailinformation', 'Email information'],
    ['sales_properties', 'Sales properties'],
  ],
  companies: [
    ['companyinformation', 'Company information'],
    ['company_activity', 'Company activity'],
    ['sales_properties', 'Sales properties'],
  ],
  deals: [
    ['dealinformation', 'Deal information'],
    ['deal_activity', 'Deal activity'],
  ],
  notes: [['engagement', 'Engagement']],
};

// HubSpot reports its built-in definitions with old, fixed timestamps; any fixed date will do.
const BUILT_IN_AT = '2019-08-06T02:41:46.048Z';

/** Fresh copies of the default property definitions for one object type. */
export function defaultProperties(type: ObjectType): PropertyDefinition[] {
  return ROWS[type].map(([name, label, propType, fieldType, groupName, flags = ''], displayOrder) => ({
    name,
    label,
    type: propType,
    fieldType,
    description: '',
    groupName,
    options: (OPTIONS[name] ?? []).map((o) => ({ ...o })),
    displayOrder,
    hasUniqueValue: flags.includes('u'),
    hidden: flags.includes('h'),
    hubspotDefined: true,
    calculated: flags.includes('c'),
    externalOptions: false,
    formField: flags.includes('f'),
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: flags.includes('r') },
    createdAt: BUILT_IN_AT,
    updatedAt: BUILT_IN_AT,
    archived: false,
  }));
}

export function defaultGroups(type: ObjectType): PropertyGroup[] {
  return GROUPS[type].map(([name, label], displayOrder) => ({ name, label, displayOrder, archived: false }));
}

/** Properties a GET returns when the caller names none (HUBSPOT-API.md "Default properties returned"). */
export const DEFAULT_RETURNED: Record<ObjectType, readonly string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** The name of the "last modified" system property for a type. */
export function lastModifiedProperty(type: ObjectType): string {
  return type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

/** The name of the "created" system property for a type. */
export function createdProperty(type: ObjectType): string {
  return type === 'notes' ? 'hs_createdate' : 'createdate';
}

export interface PipelineStage {
  label: string;
  displayOrder: number;
  metadata: { isClosed: string; probability: string };
  id: string;
  createdAt: string;
  updatedAt: string;
  writePermissions: string;
  archived: boolean;
}

export interface Pipeline {
  label: string;
  displayOrder: number;
  id: string;
  stages: PipelineStage[];
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

const EPOCH = '1970-01-01T00:00:00Z';

export function defaultDealPipelines(): Pipeline[] {
  return [
    {
      label: 'Sales Pipeline',
      displayOrder: 0,
      id: 'default',
      stages: DEAL_STAGES.map(([id, label, probability, closed], displayOrder) => ({
        label,
        displayOrder,
        metadata: { isClosed: String(closed), probability },
        id,
        createdAt: EPOCH,
        updatedAt: EPOCH,
        writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
        archived: false,
      })),
      createdAt: EPOCH,
      updatedAt: EPOCH,
      archived: false,
    },
  ];
}
