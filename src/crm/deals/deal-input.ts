// Turns loosely-typed input (API JSON, a CSV row) into a validated partial change of a deal,
// naming every failing field, on the shared record rules (src/records). Pure: the caller supplies
// the deal custom fields and, for the links, the ids it found live in the workspace
// (deal-service.ts loads them).
import {
  textProblem,
  validateCalendarDate,
  validateRecordPatch,
  validateText,
  type BuiltInFieldRule,
  type CustomFieldDefinition,
  type FieldProblem,
  type FieldResult,
  type RecordPatch,
  type RecordPatchResult,
} from '../../records/index.js';
import type { Deal, DealValues } from '../../store/index.js';

export type DealPatch = RecordPatch<DealValues>;

export const DEFAULT_PIPELINE = 'default';

/** Length limits (README "What the customer, deal and activity APIs accept"). */
export const DEAL_LIMITS = { name: 500, amountDigits: 30, key: 100, id: 100, customerIds: 500 } as const;

/** The deal fields a host app writes, as the API and the CSV header name them. */
export const DEAL_FIELDS = [
  { key: 'name', label: 'Deal name' },
  { key: 'amount', label: 'Amount' },
  { key: 'currency', label: 'Currency' },
  { key: 'closeDate', label: 'Close date' },
  { key: 'pipeline', label: 'Pipeline' },
  { key: 'stage', label: 'Stage' },
  { key: 'ownerUserId', label: 'Owner user id' },
  { key: 'organizationId', label: 'Organization id' },
  { key: 'customerIds', label: 'Customer ids' },
] as const;

/** Every built-in key (a custom deal field may not take one). */
export const DEAL_FIELD_KEYS: readonly string[] = DEAL_FIELDS.map((f) => f.key);

const AMOUNT = /^-?\d+(\.\d+)?$/;
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

function amount(raw: unknown): FieldResult<string | null> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
  if (text === null || !AMOUNT.test(text)) return { ok: false, message: 'must be a decimal number such as "1250.50" (text keeps every digit)' };
  if (text.replace(/[-.]/g, '').length > DEAL_LIMITS.amountDigits) return { ok: false, message: `must have at most ${DEAL_LIMITS.amountDigits} digits` };
  return { ok: true, value: text };
}

function currency(raw: unknown): FieldResult<string | null> {
  const text = validateText(raw, 3);
  if (!text.ok) return text.message.startsWith('must be at most') ? { ok: false, message: 'must be an ISO 4217 code such as CHF, EUR or USD' } : text;
  if (text.value === null) return text;
  const code = text.value.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !CURRENCIES.has(code)) return { ok: false, message: `"${text.value}" is not an ISO 4217 currency code (such as CHF, EUR or USD)` };
  return { ok: true, value: code };
}

/** A local key (pipeline, stage): letters, digits, `_`, `.`, `-`. */
function key(raw: unknown): FieldResult<string | null> {
  const text = validateText(raw, DEAL_LIMITS.key);
  if (!text.ok || text.value === null) return text;
  return KEY.test(text.value) ? text : { ok: false, message: 'must be a key of letters, digits, "_", "." and "-", starting with a letter or digit' };
}

/** The id of another record or a user; whether it exists is checked by the service. */
export function recordId(raw: unknown): FieldResult<string | null> {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, message: 'must be an id (text) or null' };
  if (raw.length > DEAL_LIMITS.id || textProblem(raw)) return { ok: false, message: 'is not an id this API hands out' };
  return { ok: true, value: raw };
}

function customerIds(raw: unknown): FieldResult<string[]> {
  if (raw === null || raw === undefined) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return { ok: false, message: 'must be a list of customer ids' };
  const ids: string[] = [];
  for (const item of raw) {
    const id = recordId(item);
    if (!id.ok || id.value === null) return { ok: false, message: 'must be a list of customer ids' };
    ids.push(id.value);
  }
  const unique = [...new Set(ids)].sort();
  if (unique.length > DEAL_LIMITS.customerIds) return { ok: false, message: `at most ${DEAL_LIMITS.customerIds} customers per deal` };
  return { ok: true, value: unique };
}

const VALIDATORS: Record<Exclude<keyof DealValues, 'custom'>, (raw: unknown) => FieldResult<unknown>> = {
  name: (raw) => validateText(raw, DEAL_LIMITS.name),
  amount,
  currency,
  closeDate: (raw) => (raw === null || raw === undefined || raw === '' ? { ok: true, value: null } : validateCalendarDate(raw)),
  pipeline: (raw) => {
    const checked = key(raw);
    return checked.ok && checked.value === null ? { ok: true, value: DEFAULT_PIPELINE } : checked;
  },
  stage: key,
  ownerUserId: recordId,
  organizationId: recordId,
  customerIds,
};

/** One built-in deal field's value checked by its rule (`null` or `""` clears); the pull converts HubSpot's values with it. */
export function validateDealValue(key: Exclude<keyof DealValues, 'custom'>, raw: unknown): FieldResult<unknown> {
  return VALIDATORS[key](raw);
}

const DEAL_RULES: readonly BuiltInFieldRule[] = Object.entries(VALIDATORS).map(([key, validate]) => ({ key, validate }));

/**
 * Validates the fields present in `input`; unknown keys are problems, not silently dropped.
 * `externalId` is checked here and applied by the caller.
 */
export function validateDealPatch(input: Record<string, unknown>, fields: CustomFieldDefinition[]): RecordPatchResult<DealValues> {
  return validateRecordPatch<DealValues>(input, { builtIns: DEAL_RULES, noun: 'deal', tags: false }, fields, { externalId: true });
}

/** The live records and members a batch of input may link to, loaded once per request. */
export interface LinkTargets {
  customers: Set<string>;
  organizations: Set<string>;
  members: Set<string>;
}

/** Problems for links to records that are not live records (or users not members) of the workspace. */
export function linkProblems(values: DealPatch['values'], targets: LinkTargets): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const missing = (values.customerIds ?? []).filter((id) => !targets.customers.has(id));
  if (missing.length > 0) problems.push({ field: 'customerIds', message: `"${missing[0]}" is not a customer of this workspace` });
  if (values.organizationId && !targets.organizations.has(values.organizationId)) {
    problems.push({ field: 'organizationId', message: `"${values.organizationId}" is not an organization of this workspace` });
  }
  if (values.ownerUserId && !targets.members.has(values.ownerUserId)) {
    problems.push({ field: 'ownerUserId', message: `"${values.ownerUserId}" is not a member of this workspace` });
  }
  return problems;
}

export const EMPTY_DEAL: DealValues = {
  name: null,
  amount: null,
  currency: null,
  closeDate: null,
  pipeline: DEFAULT_PIPELINE,
  stage: null,
  ownerUserId: null,
  organizationId: null,
  customerIds: [],
  custom: {},
};

/** A new, empty deal: created here (`hubspotId` null) or imported from HubSpot by the pull. */
export function newDeal(workspaceId: string, id: string, now: number, hubspotId: string | null = null): Deal {
  return {
    ...EMPTY_DEAL,
    customerIds: [],
    custom: {},
    id,
    workspaceId,
    externalId: null,
    fieldUpdatedAt: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
    sync: { hubspotId, status: 'not_synced', error: null, syncedHash: null, syncedAt: null, lastAttemptAt: null },
  };
}
