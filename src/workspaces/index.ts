// Workspaces (tenants), members and roles, and the first-start bootstrap.
export { bootstrap, changeRole, createWorkspace, DEFAULT_WORKSPACE_SLUG, removeMember, type BootstrapOutcome } from './workspace-service.js';
export { acceptInvitation, createInvitation, INVITATION_TTL_MS, revokeInvitation, type AcceptInput, type AcceptOutcome } from './invitation-service.js';
export { acceptPasswordReset, createPasswordReset, PASSWORD_RESET_TTL_MS } from './password-reset-service.js';
