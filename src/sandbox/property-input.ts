// What HubSpot accepts as a property value in a request, before any property rule applies:
// kept apart from property-values.ts (the per-type rules) because it is about reading JSON,
// and a refusal here fails the whole request rather than one input.

import { validationError } from './hubspot-errors.js';

/**
 * HubSpot reads property values as text: strings as they are, numbers and booleans as their
 * JSON text (a recorded deal create sent `amount: 10000` and was accepted), null as a clear.
 * An object or an array cannot be read as text, and HubSpot refuses the request as invalid
 * JSON; `where` names the object holding the values, e.g. `inputs[3].properties`.
 */
export function assertReadableValues(properties: Record<string, unknown>, where: string): void {
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value === 'object' && value !== null) {
      const kind = Array.isArray(value) ? 'an array' : 'an object';
      throw validationError(`Invalid input JSON: ${where}.${name} must be a string, a number or a boolean, not ${kind}.`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw validationError(`Invalid input JSON: ${where}.${name} is not a finite number.`);
    }
  }
}
