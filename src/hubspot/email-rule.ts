// HubSpot refuses a contact email it does not consider valid: "Email address x is invalid"
// (INVALID_EMAIL). A batch holding one such input fails as a whole and names only the first,
// so the sync engine checks before sending instead of spending a call per bad input, and the
// sandbox refuses the same addresses. The rule itself is hubsync's one email rule
// (lib/email-address.ts), which customers and users are checked against too.
import { checkEmailAddress } from '../lib/email-address.js';

export function hubSpotAcceptsEmail(value: string): boolean {
  return checkEmailAddress(value).ok;
}

/** Why HubSpot would refuse `value`, or null when it accepts it. */
export function emailRefusalReason(value: string): string | null {
  const verdict = checkEmailAddress(value);
  return verdict.ok ? null : verdict.reason;
}

/** HubSpot's own wording for a refused address. */
export function invalidEmailMessage(value: string): string {
  return `Email address ${value} is invalid`;
}
