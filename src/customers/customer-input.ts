// Turns loosely-typed input (API JSON, a CSV row) into validated customer values, reporting
// every failing field by name: the customer's built-in fields on the shared record rules
// (src/records). Pure: the caller supplies the workspace's custom fields (and checks that an
// owner is a member: `ownerProblems`).
import type { CustomerValues } from '../store/index.js';
import { applyPatch, EMPTY_ADDRESS, OWNER_FIELD, validateOwnerUserId, validateRecordPatch, type CustomFieldDefinition, type PatchRules, type RecordPatch, type RecordPatchResult } from '../records/index.js';
import { BUILT_IN_FIELDS, validateBuiltInValue } from './fields.js';

export { applyPatch };
export type { FieldProblem } from '../records/index.js';

/** A partial change: only the keys present are touched; null clears. */
export type CustomerPatch = RecordPatch<CustomerValues>;

const CUSTOMER_RULES: PatchRules = {
  builtIns: [
    ...BUILT_IN_FIELDS.map((f) => ({ key: f.key, validate: (raw: unknown) => validateBuiltInValue(f.key, raw) })),
    // Not a mappable field (the owner pushes as `hubspot_owner_id`, through HubSpot → Owners).
    { key: OWNER_FIELD, validate: validateOwnerUserId },
  ],
  noun: 'customer',
  tags: true,
};

/**
 * Validates the fields present in `input` (built-in keys, `tags`, and `custom: { key: value }`).
 * Unknown keys are problems, not silently dropped, so a typo never loses data unnoticed.
 */
export function validateCustomerPatch(
  input: Record<string, unknown>,
  fields: CustomFieldDefinition[],
  allowed: { externalId?: boolean; skip?: readonly string[] } = {},
): RecordPatchResult<CustomerValues> {
  return validateRecordPatch<CustomerValues>(input, CUSTOMER_RULES, fields, allowed);
}

export const EMPTY_VALUES: CustomerValues = {
  firstName: null,
  lastName: null,
  email: null,
  ...EMPTY_ADDRESS,
  companyName: null,
  lifecycleStage: null,
  ownerUserId: null,
  tags: [],
  custom: {},
};
