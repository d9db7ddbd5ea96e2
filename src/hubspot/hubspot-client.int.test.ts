// The client over real HTTP against a scripted node:http server that answers with bodies and
// headers recorded from the real HubSpot API (shared/hubspot-recordings). Scripting lets each
// test fix the exact sequence of answers (429 then 200, 401 then 200, a hang, a dropped
// socket); the sandbox suite covers the same client against the full fake HubSpot.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../lib/clock.js';
import {
  createDailyCallCounter,
  createHubSpotClient,
  createHubSpotOAuthClient,
  HubSpotApiError,
  staticToken,
  type AccessTokenProvider,
  type CallRecord,
  type HubSpotClientOptions,
} from './index.js';

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';

interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

type Answer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | 'hang'
  | 'drop';
type Handler = (req: SeenRequest, index: number) => Answer;

/** A real HTTP server whose answers each test scripts. */
class ScriptedServer {
  seen: SeenRequest[] = [];
  handler: Handler = () => ({ status: 404, body: { status: 'error', message: 'not scripted' } });
  #server: Server;
  #hanging: ServerResponse[] = [];

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  reset(handler: Handler): void {
    this.seen = [];
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.seen.push(seen);
    const answer = this.handler(seen, this.seen.length - 1);
    if (answer === 'hang') {
      this.#hanging.push(res);
      return;
    }
    if (answer === 'drop') {
      res.socket?.destroy();
      return;
    }
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(payload === '' ? {} : { 'content-type': 'application/json;charset=utf-8' }),
      'x-hubspot-correlation-id': `corr-${this.seen.length}`,
      ...answer.headers,
    });
    res.end(payload);
  }
}

/** A clock whose sleeps return at once, moving time forward: retries wait 0 real ms. */
function fastForwardClock(): Clock & { slept: number[] } {
  const manual = new ManualClock();
  const slept: number[] = [];
  return {
    slept,
    now: () => manual.now(),
    sleep: (ms) => {
      slept.push(ms);
      manual.advance(ms);
      return Promise.resolve();
    },
  };
}

// Recorded from api.hubapi.com (grouparoo recordings; observed-error-bodies.json).
const recordedRateHeaders = (remaining: number) => ({
  'x-hubspot-ratelimit-daily': '250000',
  'x-hubspot-ratelimit-daily-remaining': '248577',
  'x-hubspot-ratelimit-interval-milliseconds': '10000',
  'x-hubspot-ratelimit-max': '100',
  'x-hubspot-ratelimit-remaining': String(remaining),
  'x-hubspot-ratelimit-secondly': '10',
  'x-hubspot-ratelimit-secondly-remaining': '9',
});
const burst429 = {
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c93e06a4-7d61-4c3e-b63f-edf486fc6e90',
  policyName: 'TEN_SECONDLY_ROLLING',
  groupName: 'publicapi:hapikey-api-calls-ten-secondly:6748263',
};
const contact = (id: string) => ({
  id,
  properties: { email: `c${id}@example.com`, hs_object_id: id },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  archived: false,
});

const server = new ScriptedServer();
let baseUrl = '';
let clock: ReturnType<typeof fastForwardClock>;
let calls: CallRecord[];

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  clock = fastForwardClock();
  calls = [];
});

function client(overrides: Partial<HubSpotClientOptions> = {}) {
  return createHubSpotClient({
    baseUrl,
    auth: staticToken(TOKEN),
    portalId: 123,
    clock,
    random: () => 0.5,
    timeoutMs: 2_000,
    onCall: (call) => calls.push(call),
    ...overrides,
  });
}

describe('HubSpot client over HTTP: retries', () => {
  it('retries once after a recorded burst 429, waiting the interval, and returns the result', async () => {
    server.reset((_req, i) =>
      i === 0
        ? { status: 429, headers: recordedRateHeaders(0), body: burst429 }
        : { status: 200, headers: recordedRateHeaders(99), body: contact('101') },
    );
    const hs = client();
    const found = await hs.contacts.get('101');
    expect(found.id).toBe('101');
    expect(server.seen).toHaveLength(2);
    expect(clock.slept.filter((ms) => ms > 0)).toContain(10_000);
    expect(calls.map((c) => [c.status, c.attempt, c.retried, c.rateLimited])).toEqual([
      [429, 1, true, true],
      [200, 2, false, false],
    ]);
    expect(calls[0]?.route).toBe('/crm/v3/objects/{objectType}/{objectId}');
    await hs.close();
  });

  it('retries 5xx with growing backoff until success', async () => {
    server.reset((_req, i) => (i < 3 ? { status: i === 0 ? 502 : 503, body: { message: 'upstream' } } : { status: 200, body: contact('7') }));
    const hs = client();
    await expect(hs.contacts.get('7')).resolves.toMatchObject({ id: '7' });
    expect(server.seen).toHaveLength(4);
    // base 500 ms, equal jitter with random 0.5 → 375, 750, 1500
    expect(clock.slept.slice(0, 3)).toEqual([375, 750, 1_500]);
    await hs.close();
  });

  it('gives up after maxAttempts with a retryable HUBSPOT_UNAVAILABLE', async () => {
    server.reset(() => ({ status: 503, body: { status: 'error', message: 'Service Unavailable' } }));
    const hs = client({ maxAttempts: 3 });
    const error = await hs.contacts.get('1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({ code: 'HUBSPOT_UNAVAILABLE', status: 503, retryable: true, attempts: 3 });
    expect(server.seen).toHaveLength(3);
    await hs.close();
  });

  it('retries a read after a timeout', async () => {
    server.reset((_req, i) => (i === 0 ? 'hang' : { status: 200, body: contact('5') }));
    const hs = client({ timeoutMs: 150 });
    await expect(hs.contacts.get('5')).resolves.toMatchObject({ id: '5' });
    expect(calls.map((c) => c.errorCode)).toEqual(['HUBSPOT_TIMEOUT', undefined]);
    await hs.close();
  });

  it('does not resend a create after a timeout and reports maybeApplied', async () => {
    server.reset(() => 'hang');
    const hs = client({ timeoutMs: 150 });
    const error = await hs.contacts.create({ properties: { email: 'a@example.com' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HUBSPOT_TIMEOUT', maybeApplied: true, retryable: true, attempts: 1 });
    expect(server.seen).toHaveLength(1);
    await hs.close();
  });

  it('retries an idempotent upsert after the connection drops', async () => {
    server.reset((_req, i) =>
      i === 0 ? 'drop' : { status: 200, body: { status: 'COMPLETE', results: [{ ...contact('9'), new: true }] } },
    );
    const hs = client();
    const result = await hs.contacts.batchUpsert([{ idProperty: 'email', id: 'c9@example.com', properties: { firstname: 'Ada' } }]);
    expect(result.results[0]).toMatchObject({ id: '9', new: true });
    expect(server.seen).toHaveLength(2);
    expect(calls[0]?.errorCode).toBe('HUBSPOT_NETWORK');
    await hs.close();
  });
});

describe('HubSpot client over HTTP: permanent errors', () => {
  it('turns a 400 validation error into HubSpotApiError with HubSpot’s details', async () => {
    const body = {
      status: 'error',
      message:
        'Property values were not valid: [{"isValid":false,"message":"Email address example.lcom is invalid","error":"INVALID_EMAIL","name":"email"}]',
      correlationId: 'c8617a85-58a6-4a95-b619-e7d3594c170c',
      category: 'VALIDATION_ERROR',
    };
    server.reset(() => ({ status: 400, body }));
    const hs = client();
    const error = await hs.contacts.create({ properties: { email: 'example.lcom' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error).toMatchObject({
      code: 'HUBSPOT_VALIDATION_ERROR',
      status: 400,
      category: 'VALIDATION_ERROR',
      correlationId: 'corr-1',
      retryable: false,
      maybeApplied: false,
      attempts: 1,
      validationErrors: [{ name: 'email', error: 'INVALID_EMAIL', message: 'Email address example.lcom is invalid' }],
    });
    expect((error as HubSpotApiError).hubspotMessage).toContain('Email address example.lcom is invalid');
    expect(server.seen).toHaveLength(1);
    await hs.close();
  });

  it('carries the existing id on a 409 conflict', async () => {
    server.reset(() => ({
      status: 409,
      body: { status: 'error', message: 'Contact already exists. Existing ID: 37765128953', correlationId: '2dea5219', category: 'CONFLICT' },
    }));
    const hs = client();
    await expect(hs.contacts.create({ properties: { email: 'dup@example.com' } })).rejects.toMatchObject({
      code: 'HUBSPOT_CONFLICT',
      existingObjectId: '37765128953',
    });
    await hs.close();
  });

  it('lists the required scopes on a 403 MISSING_SCOPES', async () => {
    server.reset(() => ({
      status: 403,
      body: {
        status: 'error',
        message: "This app hasn't been granted all required scopes to make this call.",
        correlationId: 'dc49c0a8-9952-4937-aad4-e322b1e5cee0',
        errors: [
          {
            message: 'One or more of the following scopes are required.',
            context: { requiredGranularScopes: ['crm.schemas.deals.read', 'crm.objects.deals.read'] },
          },
        ],
        category: 'MISSING_SCOPES',
      },
    }));
    const hs = client();
    await expect(hs.deals.list()).rejects.toMatchObject({
      code: 'HUBSPOT_MISSING_SCOPES',
      status: 403,
      requiredScopes: ['crm.schemas.deals.read', 'crm.objects.deals.read'],
    });
    await hs.close();
  });

  it('returns a 207 batch result as a value with its errors', async () => {
    server.reset(() => ({
      status: 207,
      body: {
        status: 'COMPLETE',
        results: [contact('1')],
        numErrors: 1,
        errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects', context: { ids: ['2'] } }],
      },
    }));
    const hs = client();
    const result = await hs.contacts.batchRead(['1', '2'], { properties: ['email'] });
    expect(result).toMatchObject({ httpStatus: 207, numErrors: 1, results: [{ id: '1' }] });
    expect(result.errors[0]?.context?.ids).toEqual(['2']);
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ inputs: [{ id: '1' }, { id: '2' }], properties: ['email'], propertiesWithHistory: [] });
    await hs.close();
  });
});

describe('HubSpot client over HTTP: authentication', () => {
  function refreshingProvider(initial: string, next: string) {
    let current = initial;
    let inflight: Promise<string> | null = null;
    const refreshedWith: string[] = [];
    const provider: AccessTokenProvider = {
      getAccessToken: () => Promise.resolve(current),
      refreshAfterUnauthorized: async (rejected) => {
        if (rejected !== current) return current; // someone already refreshed
        inflight ??= (async () => {
          refreshedWith.push(rejected);
          await new Promise((resolve) => setTimeout(resolve, 20));
          current = next;
          inflight = null;
          return next;
        })();
        return inflight;
      },
    };
    return { provider, refreshedWith };
  }
  const expired = {
    status: 'error',
    message: 'The OAuth token used to make this call expired 7 second(s) ago.',
    correlationId: 'x',
    category: 'EXPIRED_AUTHENTICATION',
  };

  it('refreshes once after 401 EXPIRED_AUTHENTICATION and replays with the new token', async () => {
    server.reset((req) => (req.authorization === 'Bearer fresh' ? { status: 200, body: contact('3') } : { status: 401, body: expired }));
    const { provider, refreshedWith } = refreshingProvider('stale', 'fresh');
    const hs = client({ auth: provider });
    await expect(hs.contacts.get('3')).resolves.toMatchObject({ id: '3' });
    expect(refreshedWith).toEqual(['stale']);
    expect(server.seen.map((r) => r.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
    await hs.close();
  });

  it('20 concurrent calls hitting 401 cause one refresh and all succeed on replay', async () => {
    server.reset((req) => (req.authorization === 'Bearer fresh' ? { status: 200, body: contact('4') } : { status: 401, body: expired }));
    const { provider, refreshedWith } = refreshingProvider('stale', 'fresh');
    const hs = client({ auth: provider });
    const results = await Promise.all(Array.from({ length: 20 }, () => hs.contacts.get('4')));
    expect(results.every((r) => r.id === '4')).toBe(true);
    expect(refreshedWith).toEqual(['stale']);
    expect(server.seen.filter((r) => r.authorization === 'Bearer fresh')).toHaveLength(20);
    await hs.close();
  });

  it('does not loop when the refreshed token is rejected too', async () => {
    server.reset(() => ({ status: 401, body: expired }));
    const { provider } = refreshingProvider('stale', 'fresh');
    const hs = client({ auth: provider });
    await expect(hs.contacts.get('1')).rejects.toMatchObject({ code: 'HUBSPOT_TOKEN_EXPIRED', status: 401 });
    expect(server.seen).toHaveLength(2);
    await hs.close();
  });

  it('never puts the token into errors, messages or call records', async () => {
    const hs = client();
    const oauth = createHubSpotOAuthClient({ baseUrl, clock, random: () => 0.5, timeoutMs: 150, maxAttempts: 1 });
    const failures: unknown[] = [];
    // A 401 whose message echoes the token back.
    server.reset(() => ({
      status: 401,
      body: { status: 'error', category: 'INVALID_AUTHENTICATION', message: `Token ${TOKEN} is not valid`, errors: [{ message: `bad ${TOKEN}` }] },
    }));
    failures.push(await hs.contacts.get('1').catch((e: unknown) => e));
    // Token inside the URL path (OAuth introspection), answered 404.
    server.reset(() => ({ status: 404, body: { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' } }));
    failures.push(await oauth.getAccessTokenInfo(TOKEN).catch((e: unknown) => e));
    // Token in a form body, answered 400.
    server.reset(() => ({ status: 400, body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' } }));
    failures.push(await oauth.refreshAccessToken({ clientId: 'id', clientSecret: 'secret', refreshToken: TOKEN }).catch((e: unknown) => e));
    // Timeout and dropped connection.
    server.reset(() => 'hang');
    failures.push(await hs.contacts.create({ properties: {} }, { timeoutMs: 100 }).catch((e: unknown) => e));
    server.reset(() => 'drop');
    failures.push(await hs.contacts.create({ properties: {} }).catch((e: unknown) => e));

    expect(failures.map((e) => (e as HubSpotApiError).code)).toEqual([
      'HUBSPOT_UNAUTHORIZED',
      'HUBSPOT_NOT_FOUND',
      'HUBSPOT_OAUTH_INVALID_GRANT',
      'HUBSPOT_TIMEOUT',
      'HUBSPOT_NETWORK',
    ]);
    for (const error of failures) {
      const renderings = [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true }), (error as Error).stack ?? ''];
      for (const text of renderings) expect(text).not.toContain(TOKEN);
    }
    expect((failures[0] as HubSpotApiError).hubspotMessage).toBe('Token [REDACTED] is not valid');
    expect(JSON.stringify(calls)).not.toContain(TOKEN);
    // The token did travel where it belongs.
    expect(server.seen.length).toBeGreaterThan(0);
    await hs.close();
    await oauth.close();
  });
});

describe('HubSpot client over HTTP: requests and attribution', () => {
  it('sends HubSpot’s query parameters, JSON and form bodies', async () => {
    server.reset((req) =>
      req.url.startsWith('/oauth/v1/token')
        ? { status: 200, body: { token_type: 'bearer', access_token: 'a', refresh_token: 'r', expires_in: 1800 } }
        : { status: 200, body: contact('1') },
    );
    const hs = client();
    await hs.contacts.get('x@example.com', { idProperty: 'email', properties: ['email', 'firstname'], propertiesWithHistory: ['lifecyclestage'] });
    await hs.contacts.update('1', { firstname: '' });
    const oauth = createHubSpotOAuthClient({ baseUrl });
    await oauth.exchangeAuthorizationCode({ clientId: 'cid', clientSecret: 'cs', redirectUri: 'http://localhost/cb', code: 'abc' });
    const [get, patch, token] = server.seen;
    expect(get?.url).toBe(
      '/crm/v3/objects/contacts/x%40example.com?properties=email&properties=firstname&propertiesWithHistory=lifecyclestage&idProperty=email',
    );
    expect(get?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(patch).toMatchObject({ method: 'PATCH', url: '/crm/v3/objects/contacts/1', body: '{"properties":{"firstname":""}}' });
    expect(token?.contentType).toBe('application/x-www-form-urlencoded');
    expect(token?.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'cid',
      client_secret: 'cs',
      redirect_uri: 'http://localhost/cb',
      code: 'abc',
    });
    await hs.close();
    await oauth.close();
  });

  it('reports every attempt with its tag and counts calls per portal per day', async () => {
    server.reset((_req, i) => (i === 0 ? { status: 500, body: {} } : { status: 200, body: { results: [] } }));
    const counter = createDailyCallCounter({ clock });
    const hs = client({ onCall: counter.record });
    await hs.companies.list({ limit: 10 });
    await hs.companies.list({ tag: 'run-42' });
    expect(counter.today(123)).toMatchObject({ portalId: 123, calls: 3, errors: 1, rateLimited: 0 });
    await hs.close();
  });

  it('passes the tag to onCall', async () => {
    server.reset(() => ({ status: 200, body: { results: [] } }));
    const hs = client();
    await hs.companies.list({ tag: 'run-42' });
    expect(calls).toMatchObject([{ portalId: 123, method: 'GET', route: '/crm/v3/objects/{objectType}', status: 200, tag: 'run-42', attempt: 1 }]);
    await hs.close();
  });

  it('stops waiting when the caller aborts', async () => {
    server.reset(() => 'hang');
    const hs = client({ timeoutMs: 5_000 });
    const controller = new AbortController();
    const pending = hs.contacts.get('1', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'HUBSPOT_ABORTED', maybeApplied: false });
    const create = new AbortController();
    const creating = hs.contacts.create({ properties: { email: 'a@example.com' } }, { signal: create.signal });
    setTimeout(() => create.abort(), 50);
    await expect(creating).rejects.toMatchObject({ code: 'HUBSPOT_ABORTED', maybeApplied: true });
    await hs.close();
  });
});
