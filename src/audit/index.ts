// The audit trail of configuration changes.
export { audit, SYSTEM_ACTOR, type Actor } from './audit.js';
