// Refusing a read that needs a scope the workspace's HubSpot connection was not granted, before
// any call is made: the admin is told which scope is missing and what to do, and the rest of the
// integration keeps working. Apart from object-scopes.ts, which stays pure, because this reads
// the connection from the database.
import { AppError } from '../lib/index.js';
import { findConnection, type Db } from '../store/index.js';

/** How a refusal names the read it refused. */
export interface ScopedRead {
  /** What is read, as it follows "Reading": "HubSpot's owners". */
  subject: string;
  /** The whole action when it is not a read, replacing "Reading <subject>": "Creating a HubSpot contact property". */
  action?: string;
  /** Why a connection is needed, as it follows "Connect HubSpot first: ". */
  needsConnection: string;
  /** What the admin should do, the sentences after the missing scope is named. */
  remedy: string;
}

/**
 * Throws HUBSPOT_NOT_CONNECTED when the workspace has no connection, and HUBSPOT_MISSING_SCOPES
 * (with `details.missingScopes`) when its granted scopes lack any of `scopes`.
 *
 * @example
 * await requireScopes(db, workspaceId, [OWNERS_SCOPE], { subject: "HubSpot's owners", needsConnection: 'owners are read from the connected portal.', remedy: 'Add it to the private app, then read the owners again.' });
 */
export async function requireScopes(db: Db, workspaceId: string, scopes: readonly string[], what: ScopedRead): Promise<void> {
  const connection = await findConnection(db, workspaceId);
  if (!connection) throw new AppError('HUBSPOT_NOT_CONNECTED', `Connect HubSpot first: ${what.needsConnection}`);
  const granted = JSON.parse(connection.scopes) as string[];
  const missing = scopes.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    throw new AppError(
      'HUBSPOT_MISSING_SCOPES',
      `${what.action ?? `Reading ${what.subject}`} needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this connection was not granted. ${what.remedy}`,
      { missingScopes: missing },
    );
  }
}
