// How the client gets a bearer token. A private-app token never changes; an OAuth
// installation refreshes. The client only asks; it never stores or logs tokens.

export interface AccessTokenProvider {
  /** The token to send now. Called before the first attempt of every request. */
  getAccessToken(): Promise<string>;
  /**
   * Called once per request after HubSpot answered 401 to `rejectedToken`. Return a fresh
   * token to replay the request with it, or null when no refresh is possible. Concurrent
   * callers may all report the same rejected token; implementations should refresh once
   * (single-flight) and hand everyone the new token.
   */
  refreshAfterUnauthorized?(rejectedToken: string): Promise<string | null>;
}

/** A provider for a private-app token (`pat-…`), which does not expire. */
export function staticToken(token: string): AccessTokenProvider {
  if (token.trim() === '') throw new TypeError('staticToken: the token is empty');
  return { getAccessToken: () => Promise.resolve(token) };
}
