// The HubSpot sandbox: a stateful local HTTP server that answers like HubSpot's API for
// everything hubsync uses (CRM objects, search, properties, associations, lists, OAuth, rate
// limits, webhooks) plus a control API for tests, benchmarks and demos. This file is the only
// public door; see docs/sandbox.md.

export { startSandbox, type RunningSandbox } from './server.js';
export { SandboxControl, type ObjectSnapshot, type ObjectWithHistory, type PropertyVersionSnapshot, type SettingsUpdate } from './control.js';
export type { Counts, WriteRecord } from './state.js';
export type { Owner, OwnerInput, OwnerTeam } from './owners.js';
export { DEFAULT_SCOPES } from './auth.js';
export { signatureV3, signatureV1, WEBHOOK_RETRY_SCHEDULE_MS } from './webhooks.js';
export { seededRandom, parseFaults, parseLatency } from './faults.js';
export { PROFILES } from './rate-limiter.js';
export {
  OBJECT_TYPES,
  TIERS,
  type FaultSettings,
  type Latency,
  type ObjectType,
  type PrivateAppTokenOptions,
  type SandboxOptions,
  type Tier,
} from './types.js';
