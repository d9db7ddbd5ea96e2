// Activities (→ HubSpot notes on the contact and its organization): validation and appending,
// idempotent by externalId.
export { ACTIVITY_LIMITS, ACTIVITY_TYPES, validateActivity, type ActivityInput, type ActivityType } from './activity-input.js';
export { appendActivities, appendActivity, NOTES, type ActivityServiceDeps, type AppendResult } from './activity-service.js';
