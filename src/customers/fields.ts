// The customer's built-in fields. The rules every record type shares (custom values, tags,
// externalId, text) live in src/records.
import { checkEmailAddress } from '../lib/index.js';
import { validateText, type FieldResult } from '../records/index.js';

export const BUILT_IN_FIELDS = [
  { key: 'firstName', label: 'First name', column: 'first_name', maxLength: 200 },
  { key: 'lastName', label: 'Last name', column: 'last_name', maxLength: 200 },
  { key: 'email', label: 'Email', column: 'email', maxLength: 254 },
  { key: 'phone', label: 'Phone', column: 'phone', maxLength: 50 },
  { key: 'street', label: 'Street address', column: 'street', maxLength: 500 },
  { key: 'city', label: 'City', column: 'city', maxLength: 200 },
  { key: 'postalCode', label: 'Postal code', column: 'postal_code', maxLength: 40 },
  { key: 'region', label: 'Region / state', column: 'region', maxLength: 200 },
  { key: 'country', label: 'Country', column: 'country', maxLength: 200 },
  { key: 'companyName', label: 'Company name', column: 'company_name', maxLength: 500 },
  { key: 'lifecycleStage', label: 'Lifecycle stage', column: 'lifecycle_stage', maxLength: 100 },
] as const;

export type BuiltInTextField = (typeof BUILT_IN_FIELDS)[number]['key'];
/** Every built-in field, including the tag list and the owner (a custom field may not take one). */
export type BuiltInField = BuiltInTextField | 'tags' | 'ownerUserId';

export const BUILT_IN_FIELD_KEYS: readonly BuiltInField[] = [...BUILT_IN_FIELDS.map((f) => f.key), 'tags', 'ownerUserId'];

/**
 * Built-in field values are stored as entered (trimmed of surrounding white space). The email
 * must pass hubsync's one email rule (lib/email-address.ts, what HubSpot accepts), so an
 * address that could never become a contact is refused at the door with the reason.
 */
export function validateBuiltInValue(key: BuiltInTextField, raw: unknown): FieldResult<string | null> {
  const field = BUILT_IN_FIELDS.find((f) => f.key === key)!;
  const result = validateText(raw, field.maxLength);
  if (key === 'email' && result.ok && result.value !== null) {
    const verdict = checkEmailAddress(result.value);
    if (!verdict.ok) return { ok: false, message: `"${result.value}" is not a valid email address: ${verdict.reason}` };
  }
  return result;
}
