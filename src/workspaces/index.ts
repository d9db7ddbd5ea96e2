// Workspaces (tenants), members and roles, and the first-start bootstrap.
export { addMember, bootstrap, changeRole, createWorkspace, DEFAULT_WORKSPACE_SLUG, removeMember, type BootstrapOutcome } from './workspace-service.js';
