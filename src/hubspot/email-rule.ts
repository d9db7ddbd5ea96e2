// HubSpot refuses a contact email without a dotted domain: "Email address x is invalid"
// (INVALID_EMAIL). A batch holding one such input fails as a whole and names only the first,
// so the sync engine checks this rule before sending instead of spending a call per bad input.
// Loose on purpose: everything HubSpot accepts passes; only shapes it is known to refuse fail.
const ACCEPTED_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/;

export function hubSpotAcceptsEmail(value: string): boolean {
  return ACCEPTED_EMAIL.test(value);
}

/** HubSpot's own wording for a refused address. */
export function invalidEmailMessage(value: string): string {
  return `Email address ${value} is invalid`;
}
