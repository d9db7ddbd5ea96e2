// OAuth 2 and token introspection: the consent page (`/oauth/authorize`), the token endpoint
// (form-encoded, authorization_code and refresh_token grants), access- and refresh-token
// info, refresh-token deletion, private-app token info, and the account details endpoint.

import { userEmailFor, type OAuthApp } from '../auth.js';
import { expiredAuthentication, invalidAuthentication, notFoundError, oauthError } from '../hubspot-errors.js';
import type { AuthedRequest, Reply, RequestInfo, Route } from '../router.js';
import type { SandboxState } from '../state.js';
import { isRecord } from './common.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function field(body: unknown, name: string): string {
  if (!isRecord(body)) return '';
  const v = body[name];
  return typeof v === 'string' ? v : '';
}

function splitScopes(s: string): string[] {
  return s.split(/[\s+,]+/).filter((x) => x !== '');
}

function htmlPage(status: number, title: string, inner: string): Reply {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    raw: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;color:#213343}
button{padding:.5rem 1rem;margin-right:.5rem}ul{padding-left:1.2rem}code{background:#eef}</style></head>
<body><h1>${escapeHtml(title)}</h1>${inner}</body></html>`,
  };
}

function withQuery(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export function oauthRoutes(state: SandboxState): Route[] {
  const now = () => state.clock.now();

  /** Checks client_id and redirect_uri of an authorize request; an HTML error page otherwise. */
  const authorizeTarget = (params: Record<string, string>): { app: OAuthApp; redirectUri: string } | Reply => {
    const app = state.auth.apps.get(params['client_id'] ?? '');
    if (!app) return htmlPage(400, 'Authorization failed', `<p>Unknown <code>client_id</code>.</p>`);
    const redirectUri = params['redirect_uri'] ?? '';
    if (!app.redirectUris.includes(redirectUri)) {
      return htmlPage(400, 'Authorization failed', `<p>The <code>redirect_uri</code> is not registered for this app.</p>`);
    }
    return { app, redirectUri };
  };

  const consent = (req: RequestInfo): Reply => {
    const params = Object.fromEntries(req.query);
    const target = authorizeTarget(params);
    if ('status' in target) return target;
    const scopes = [...splitScopes(params['scope'] ?? ''), ...splitScopes(params['optional_scope'] ?? '')];
    const portals = [...state.portals.keys()];
    if (portals.length === 0) return htmlPage(400, 'No portal to install into', '<p>Create a portal first (control API).</p>');
    const hidden = ['client_id', 'redirect_uri', 'scope', 'optional_scope', 'state']
      .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params[k] ?? '')}">`)
      .join('');
    return htmlPage(
      200,
      'Connect app to HubSpot (sandbox)',
      `<p>App <strong>${target.app.appId}</strong> asks for:</p><ul>${scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>
<form method="post" action="/oauth/authorize">${hidden}
<label>Portal <select name="portal_id">${portals.map((p) => `<option value="${p}">${p}</option>`).join('')}</select></label>
<p><button type="submit" name="decision" value="approve">Connect app</button><button type="submit" name="decision" value="deny">Cancel</button></p>
</form>`,
    );
  };

  const approve = (req: RequestInfo): Reply => {
    const params: Record<string, string> = {};
    if (isRecord(req.body)) for (const [k, v] of Object.entries(req.body)) params[k] = String(v);
    const target = authorizeTarget(params);
    if ('status' in target) return target;
    const stateParam = params['state'];
    const extra = stateParam ? { state: stateParam } : {};
    if (params['decision'] !== 'approve') {
      return { status: 302, headers: { location: withQuery(target.redirectUri, { error: 'access_denied', ...extra }) } };
    }
    const portalId = Number(params['portal_id']);
    if (!state.portals.has(portalId)) return htmlPage(400, 'Authorization failed', '<p>Unknown portal.</p>');
    const scopes = [...new Set([...splitScopes(params['scope'] ?? ''), ...splitScopes(params['optional_scope'] ?? ''), 'oauth'])];
    const code = state.auth.issueCode(target.app, portalId, scopes, target.redirectUri, now());
    return { status: 302, headers: { location: withQuery(target.redirectUri, { code, ...extra }) } };
  };

  const token = (req: RequestInfo): Reply => {
    const grant = field(req.body, 'grant_type');
    if (grant !== 'authorization_code' && grant !== 'refresh_token') {
      throw oauthError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    const app = state.auth.apps.get(field(req.body, 'client_id'));
    if (!app) throw oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
    if (field(req.body, 'client_secret') !== app.clientSecret) throw oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    const ttl = state.settings.accessTokenTtlSeconds;
    if (grant === 'authorization_code') {
      const redirectUri = field(req.body, 'redirect_uri');
      if (!app.redirectUris.includes(redirectUri)) throw oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match the one used to authorize');
      const code = state.auth.redeemCode(app, field(req.body, 'code'), redirectUri, now());
      if (!code) throw oauthError('BAD_AUTH_CODE', 'missing or unknown auth code');
      const access = state.auth.issueTokens(app, code.portalId, code.scopes, ttl, now());
      return tokenReply(access.token, access.refreshToken, ttl);
    }
    const refresh = state.auth.refreshTokens.get(field(req.body, 'refresh_token'));
    if (!refresh || refresh.appId !== app.appId) throw oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
    const access = state.auth.issueTokens(app, refresh.portalId, refresh.scopes, ttl, now(), refresh.token);
    return tokenReply(access.token, access.refreshToken, ttl);
  };

  const accessTokenInfo = (req: RequestInfo): Reply => {
    const access = state.auth.accessTokens.get(req.params['token'] ?? '');
    if (!access) throw notFoundError('The access token does not exist.');
    const at = now();
    if (access.expiresAt <= at) throw expiredAuthentication(Math.floor((at - access.expiresAt) / 1000));
    return {
      status: 200,
      body: {
        token: access.token,
        user: userEmailFor(access.portalId),
        hub_domain: `portal-${access.portalId}.sandbox.hubspot.test`,
        scopes: [...access.scopes],
        hub_id: access.portalId,
        app_id: access.appId,
        expires_in: Math.floor((access.expiresAt - at) / 1000),
        user_id: access.userId,
        token_type: 'access',
      },
    };
  };

  const refreshTokenInfo = (req: RequestInfo): Reply => {
    const refresh = state.auth.refreshTokens.get(req.params['token'] ?? '');
    if (!refresh) throw notFoundError('The refresh token does not exist.');
    const app = state.auth.appById(refresh.appId);
    return {
      status: 200,
      body: {
        token: refresh.token,
        user: userEmailFor(refresh.portalId),
        hub_domain: `portal-${refresh.portalId}.sandbox.hubspot.test`,
        scopes: refresh.scopes,
        hub_id: refresh.portalId,
        client_id: app?.clientId ?? '',
        user_id: refresh.userId,
        token_type: 'refresh',
      },
    };
  };

  const deleteRefreshToken = (req: RequestInfo): Reply => {
    const tokenValue = req.params['token'] ?? '';
    if (!state.auth.refreshTokens.delete(tokenValue)) throw notFoundError('The refresh token does not exist.');
    for (const [key, access] of state.auth.accessTokens) if (access.refreshToken === tokenValue) state.auth.accessTokens.delete(key);
    return { status: 204 };
  };

  const privateTokenInfo = (req: RequestInfo): Reply => {
    const entry = state.auth.privateTokens.get(field(req.body, 'tokenKey'));
    if (!entry) throw invalidAuthentication();
    return { status: 200, body: { userId: entry.userId, hubId: entry.portalId, appId: entry.appId, scopes: [...entry.scopes] } };
  };

  const accountDetails = (req: AuthedRequest): Reply => ({
    status: 200,
    body: {
      portalId: req.portal.portalId,
      accountType: 'STANDARD',
      timeZone: 'US/Eastern',
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: '-05:00',
      utcOffsetMilliseconds: -18_000_000,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    },
  });

  const dailyUsage = (req: AuthedRequest): Reply => {
    const at = now();
    const limit = req.portal.tier === 'unlimited' ? null : { free: 250_000, pro: 625_000, enterprise: 1_000_000, boosted: 1_625_000 }[req.portal.tier];
    const midnight = Math.floor(at / 86_400_000) * 86_400_000 + 86_400_000;
    return {
      status: 200,
      body: {
        results: [
          {
            name: 'api-calls-daily',
            usageLimit: limit,
            currentUsage: state.limiter.dailyUsed(req.portal.portalId, at),
            collectedAt: new Date(at).toISOString(),
            fetchStatus: 'SUCCESS',
            resetsAt: new Date(midnight).toISOString(),
          },
        ],
      },
    };
  };

  return [
    { method: 'GET', path: '/oauth/authorize', auth: 'none', handler: consent },
    { method: 'POST', path: '/oauth/authorize', auth: 'none', accepts: ['form', 'json'], handler: approve },
    { method: 'POST', path: '/oauth/v1/token', auth: 'none', accepts: ['form', 'json'], handler: token },
    { method: 'GET', path: '/oauth/v1/access-tokens/{token}', auth: 'none', handler: accessTokenInfo },
    { method: 'GET', path: '/oauth/v1/refresh-tokens/{token}', auth: 'none', handler: refreshTokenInfo },
    { method: 'DELETE', path: '/oauth/v1/refresh-tokens/{token}', auth: 'none', handler: deleteRefreshToken },
    { method: 'POST', path: '/oauth/v2/private-apps/get/access-token-info', auth: 'none', handler: privateTokenInfo },
    { method: 'GET', path: '/account-info/v3/details', auth: 'bearer', handler: accountDetails },
    { method: 'GET', path: '/account-info/v3/api-usage/daily/private-apps', auth: 'bearer', handler: dailyUsage },
  ];
}

function tokenReply(accessToken: string, refreshToken: string, ttl: number): Reply {
  return { status: 200, body: { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: ttl } };
}

