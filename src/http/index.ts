// The REST API: app construction, caller identification, the error envelope.
export { buildApp, type BuildAppOptions, type RouteGroup } from './app.js';
export { workspaceAccess, requireUser, SESSION_COOKIE, type Caller, type WorkspaceAccess } from './caller.js';
export type { AppContext } from './context.js';
export { STATUS_BY_CODE } from './error-codes.js';
export { customerJson, customerSchema, iso, STATUS_LABELS, workspaceParam, errorSchema } from './schemas.js';
