// The HubSpot integration of a workspace: connection (private-app token, OAuth 2), credentials,
// health, and the rate-governed client the sync engine uses.
export { HubSpotGateway, OPTIONAL_SCOPES, REQUIRED_SCOPES, type ConnectionStatus, type ConnectionView, type HubSpotGatewayOptions, type OAuthSettings } from './hubspot-gateway.js';
export { createDatabaseRateLedger } from './database-rate-ledger.js';
