// Account details, private-app token introspection and the OAuth 2 token endpoints.
// The OAuth endpoints authenticate with the app's client secret, not a bearer token, and are
// not part of a portal's API budget, so they bypass the rate governor (lane `none`).

import { pickCallOptions } from './call-options.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type {
  AccountDetails,
  OAuthAccessTokenInfo,
  OAuthRefreshTokenInfo,
  OAuthTokenResponse,
  PrivateAppTokenInfo,
} from './hubspot-types.js';

export interface AccountApi {
  details(options?: CallOptions): Promise<AccountDetails>;
  /** Who a private-app token belongs to and which scopes it has. */
  privateAppTokenInfo(tokenKey: string, options?: CallOptions): Promise<PrivateAppTokenInfo>;
}

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface OAuthApi {
  exchangeAuthorizationCode(
    input: OAuthClientCredentials & { code: string; redirectUri: string },
    options?: CallOptions,
  ): Promise<OAuthTokenResponse>;
  refreshAccessToken(
    input: OAuthClientCredentials & { refreshToken: string; redirectUri?: string },
    options?: CallOptions,
  ): Promise<OAuthTokenResponse>;
  getAccessTokenInfo(accessToken: string, options?: CallOptions): Promise<OAuthAccessTokenInfo>;
  getRefreshTokenInfo(refreshToken: string, options?: CallOptions): Promise<OAuthRefreshTokenInfo>;
  revokeRefreshToken(refreshToken: string, options?: CallOptions): Promise<void>;
}

export function createAccountApi(transport: HttpTransport): AccountApi {
  return {
    async details(options) {
      const response = await transport.send<AccountDetails>(
        { method: 'GET', route: '/account-info/v3/details', idempotent: true },
        pickCallOptions(options),
      );
      return response.body;
    },
    async privateAppTokenInfo(tokenKey, options) {
      const response = await transport.send<PrivateAppTokenInfo>(
        { method: 'POST', route: '/oauth/v2/private-apps/get/access-token-info', json: { tokenKey }, idempotent: true },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
}

export function createOAuthApi(transport: HttpTransport): OAuthApi {
  const token = async (form: Record<string, string>, idempotent: boolean, options?: CallOptions) => {
    const response = await transport.send<OAuthTokenResponse>(
      { method: 'POST', route: '/oauth/v1/token', form, idempotent, lane: 'none', auth: 'none' },
      pickCallOptions(options),
    );
    return response.body;
  };
  return {
    // An authorization code works once, so this exchange is never replayed after an unseen success.
    exchangeAuthorizationCode: (input, options) =>
      token(
        {
          grant_type: 'authorization_code',
          client_id: input.clientId,
          client_secret: input.clientSecret,
          redirect_uri: input.redirectUri,
          code: input.code,
        },
        false,
        options,
      ),
    // HubSpot refresh tokens are long-lived and reusable, so a refresh may be replayed.
    refreshAccessToken: (input, options) =>
      token(
        {
          grant_type: 'refresh_token',
          client_id: input.clientId,
          client_secret: input.clientSecret,
          refresh_token: input.refreshToken,
          ...(input.redirectUri === undefined ? {} : { redirect_uri: input.redirectUri }),
        },
        true,
        options,
      ),
    async getAccessTokenInfo(accessToken, options) {
      const response = await transport.send<OAuthAccessTokenInfo>(
        { method: 'GET', route: '/oauth/v1/access-tokens/{token}', params: { token: accessToken }, idempotent: true, lane: 'none', auth: 'none' },
        pickCallOptions(options),
      );
      return response.body;
    },
    async getRefreshTokenInfo(refreshToken, options) {
      const response = await transport.send<OAuthRefreshTokenInfo>(
        { method: 'GET', route: '/oauth/v1/refresh-tokens/{token}', params: { token: refreshToken }, idempotent: true, lane: 'none', auth: 'none' },
        pickCallOptions(options),
      );
      return response.body;
    },
    async revokeRefreshToken(refreshToken, options) {
      await transport.send(
        { method: 'DELETE', route: '/oauth/v1/refresh-tokens/{token}', params: { token: refreshToken }, idempotent: true, lane: 'none', auth: 'none' },
        pickCallOptions(options),
      );
    },
  };
}
