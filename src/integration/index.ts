// The HubSpot integration of a workspace: connection (private-app token, OAuth 2), credentials,
// health, and the rate-governed client the sync engine uses.
export { HubSpotGateway, hubspotProblem, type ConnectionStatus, type ConnectionView, type HubSpotGatewayOptions, type OAuthSettings } from './hubspot-gateway.js';
export { createDatabaseRateLedger } from './database-rate-ledger.js';
export { missingScopesFor, OBJECT_TYPE_SCOPES, OPTIONAL_SCOPES, OWNERS_SCOPE, REQUIRED_SCOPES, scopesFor, SYNCED_OBJECT_TYPES, type SyncedObjectType } from './object-scopes.js';
export { requireScopes } from './required-scopes.js';
export {
  AUTHORIZATION_LINK_DEFAULT_HOURS,
  AUTHORIZATION_LINK_MAX_HOURS,
  AUTHORIZATION_LINK_MIN_HOURS,
  createAuthorizationLink,
  resolveAuthorizationLink,
  revokeAuthorizationLink,
  startFromAuthorizationLink,
} from './authorization-links.js';
