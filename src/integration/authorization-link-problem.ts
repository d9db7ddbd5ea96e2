// Why an authorization link cannot be used now, as the stable refusal both its routes and the
// OAuth callback (HubSpotGateway.completeOAuth) answer: a leaf, so the gateway needs nothing else of
// ./authorization-links.ts, which uses the gateway.
import { AppError } from '../lib/index.js';
import { authorizationLinkStatus, type AuthorizationLink } from '../store/index.js';

/** The stable refusal for a link that cannot be used now (its status says why). */
export function authorizationLinkProblem(link: AuthorizationLink | undefined, now: number): AppError | undefined {
  if (!link) return new AppError('AUTHORIZATION_LINK_NOT_FOUND', 'This authorization link is not valid. Check that you opened the whole link, or ask for a new one.');
  switch (authorizationLinkStatus(link, now)) {
    case 'used':
      return new AppError('AUTHORIZATION_LINK_USED', 'This authorization link was already used: HubSpot is connected. A link works once; ask for a new one to connect again.');
    case 'revoked':
      return new AppError('AUTHORIZATION_LINK_REVOKED', 'This authorization link was revoked by an admin of the workspace. Ask them for a new one.');
    case 'expired':
      return new AppError('AUTHORIZATION_LINK_EXPIRED', 'This authorization link has expired. Ask an admin of the workspace for a new one.');
    case 'active':
      return undefined;
  }
}
