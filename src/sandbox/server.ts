// The sandbox's HTTP server. Plain node:http rather than Fastify: the sandbox must never be
// the slow part of a benchmark, needs raw control over sockets (dropped connections, hung
// requests) and sets HubSpot's headers on every answer, so a thin hand-written pipeline is
// both faster and simpler here. Per request: correlation id → route match → latency and
// connection faults → auth → scope → rate limits → status faults → handler → counts.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../lib/clock.js';
import { SandboxControl, controlRoutes } from './control.js';
import { pickFault, pickLatency } from './faults.js';
import { ApiError, burstLimitError, dailyLimitError, missingScopes, searchLimitError, serverFault, validationError } from './hubspot-errors.js';
import { PROFILES } from './rate-limiter.js';
import { associationRoutes } from './routes/associations.js';
import { listRoutes } from './routes/lists.js';
import { objectRoutes } from './routes/objects.js';
import { oauthRoutes } from './routes/oauth.js';
import { propertyRoutes } from './routes/properties.js';
import { Router, routeKey, type Reply, type RequestInfo, type Route } from './router.js';
import { SandboxState } from './state.js';
import { parseObjectType, type FaultKey, type SandboxOptions } from './types.js';

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:4010`; pass it as `basePath` to @hubspot/api-client. */
  baseUrl: string;
  port: number;
  control: SandboxControl;
  /** Tokens created from `options.privateAppTokens`, in order. */
  privateAppTokens: { token: string; portalId: number; scopes: string[] }[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = 'application/json;charset=utf-8';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, { status: 'error', message: 'Request body too large', category: 'VALIDATION_ERROR' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw validationError(`Invalid input JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts a sandbox. In tests: `const sb = await startSandbox({ clock: new ManualClock() })`,
 * then `sb.control.createPrivateAppToken()` and point a client at `sb.baseUrl`.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const state = new SandboxState(
    clock,
    random,
    {
      tier: options.tier ?? 'pro',
      latencyMs: options.latencyMs,
      faults: { ...(options.faults ?? {}) },
      searchLagMs: options.searchLagMs ?? 0,
      retryAfter: options.retryAfter ?? false,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 1800,
      controlApi: options.controlApi ?? true,
      hangMs: options.hangMs ?? 30_000,
      defaultLifecycleStage: options.defaultLifecycleStage ?? true,
    },
    options.webhookRetryScale ?? 1,
    options.webhookBatchDelayMs ?? 50,
  );
  const control = new SandboxControl(state);
  control.setFaults(state.settings.faults);
  const router = new Router();
  router.add(objectRoutes(state));
  router.add(propertyRoutes(state));
  router.add(associationRoutes(state));
  router.add(listRoutes(state));
  router.add(oauthRoutes(state));
  router.add(controlRoutes(state, control));
  const log = typeof options.logger === 'function' ? options.logger : undefined;

  const created = (options.privateAppTokens ?? []).map((t) => {
    const made = control.createPrivateAppToken({
      ...(t.token === undefined ? {} : { token: t.token }),
      ...(t.portalId === undefined ? {} : { portalId: t.portalId }),
      ...(t.scopes === undefined ? {} : { scopes: t.scopes }),
      ...(t.tier === undefined ? {} : { tier: t.tier }),
    });
    return { token: made.token, portalId: made.portalId, scopes: made.scopes };
  });

  const hung = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, reply: Reply): void => {
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.status === 204 || reply.status === 302 || (reply.body === undefined && reply.raw === undefined)) {
      res.writeHead(reply.status);
      res.end();
      return;
    }
    const payload = reply.raw ?? JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': reply.raw !== undefined ? (reply.contentType ?? 'text/plain; charset=utf-8') : JSON_TYPE,
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  };

  const errorReply = (err: unknown, correlationId: string): Reply => {
    if (err instanceof ApiError) {
      const body = 'status' in err.body ? { ...err.body, correlationId } : err.body;
      return { status: err.status, body, headers: err.headers };
    }
    log?.(`sandbox internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { status: 500, body: { status: 'error', message: 'internal error', correlationId, category: 'INTERNAL_ERROR' } };
  };

  const statusFault = (fault: FaultKey | undefined, groupName: string): ApiError | undefined => {
    if (fault === '429') return burstLimitError(groupName);
    if (fault === '500' || fault === '502' || fault === '503' || fault === '504') return serverFault(Number(fault));
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const correlationId = randomUUID();
    let startedAt = 0;
    res.setHeader('x-hubspot-correlation-id', correlationId);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const matched = router.match(method, path);
    const route: Route | undefined = matched && (matched.route.auth !== 'control' || state.settings.controlApi) ? matched.route : undefined;
    const key = route ? routeKey(route, matched!.params, (raw) => parseObjectType(raw) ?? raw) : `${method} (unmatched)`;
    const isControl = route?.auth === 'control';

    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      res.destroy();
      return;
    }

    let fault: FaultKey | undefined;
    if (!isControl) {
      const latency = pickLatency(state.settings.latencyMs, random);
      if (latency > 0) await realSleep(latency);
      fault = pickFault(state.settings.faults, random);
      if (fault === 'drop') {
        state.count(key, 'drop');
        req.socket.destroy();
        return;
      }
      if (fault === 'timeout') {
        state.count(key, 'timeout');
        const t = setTimeout(() => {
          hung.delete(t);
          req.socket.destroy();
        }, state.settings.hangMs);
        hung.add(t);
        return;
      }
    }

    // Own processing time (after latency injection), reported as Server-Timing so benchmarks
    // can tell the sandbox's cost apart from the client's and the network's.
    startedAt = performance.now();
    let reply: Reply;
    if (!route) {
      reply = { status: 404, body: { status: 'error', message: 'resource not found', correlationId, category: 'OBJECT_NOT_FOUND' } };
    } else {
      try {
        const info: RequestInfo = {
          method,
          path,
          query: url.searchParams,
          headers: req.headers,
          body: parseBody(raw, req.headers['content-type']),
          params: matched!.params,
          correlationId,
        };
        if (route.auth === 'bearer') {
          const now = clock.now();
          const caller = state.auth.authenticate(req.headers.authorization, now);
          const portal = state.portals.get(caller.portalId) ?? state.createPortal({ portalId: caller.portalId });
          const scope = route.scope?.(info.params);
          if (scope && !caller.scopes.has(scope)) throw missingScopes([scope]);
          const oauth = caller.kind === 'oauth';
          const profile = oauth ? 'oauth' : caller.tier;
          const verdict = state.limiter.take(
            {
              burstKey: oauth ? `oauth:${caller.appId}:${caller.portalId}` : caller.token,
              portalId: caller.portalId,
              profile,
              dailyLimit: oauth ? undefined : PROFILES[portal.tier].daily,
              search: route.search === true,
            },
            now,
          );
          for (const [k, v] of Object.entries(verdict.headers)) res.setHeader(k, v);
          const groupName = oauth
            ? `publicapi:oauth-api-calls-ten-secondly:${caller.appId}:${caller.portalId}`
            : `publicapi:private-app-api-calls-ten-secondly:${caller.appId}:${caller.portalId}`;
          if (!verdict.allowed) {
            const err = verdict.policy === 'burst' ? burstLimitError(groupName) : verdict.policy === 'daily' ? dailyLimitError() : searchLimitError();
            if (state.settings.retryAfter) res.setHeader('retry-after', String(verdict.retryAfterSeconds));
            throw err;
          }
          const injected = statusFault(fault, groupName);
          if (injected) {
            if (fault === '429' && state.settings.retryAfter) res.setHeader('retry-after', '10');
            throw injected;
          }
          reply = await route.handler({ ...info, caller, portal });
        } else {
          const injected = isControl ? undefined : statusFault(fault, 'publicapi:oauth');
          if (injected) throw injected;
          reply = await route.handler(info);
        }
      } catch (err) {
        reply = errorReply(err, correlationId);
      }
    }
    // The control API is the observer, not the observed: its own calls are not counted.
    if (!isControl) state.count(key, reply.status);
    log?.(`${method} ${url.pathname} ${reply.status}`);
    if (!res.destroyed) {
      res.setHeader('server-timing', `sandbox;dur=${(performance.now() - startedAt).toFixed(3)}`);
      send(res, reply);
    }
  };

  const server: Server = createServer((req, res) => {
    const observed = !(req.url ?? '').startsWith('/_sandbox');
    if (observed) state.requestStarted();
    handle(req, res)
      .catch((err: unknown) => {
        log?.(`sandbox failed to answer: ${String(err)}`);
        if (!res.headersSent) res.writeHead(500).end();
      })
      .finally(() => {
        if (observed) state.requestEnded();
      });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const baseUrl = `http://${urlHost}:${address.port}`;

  return {
    baseUrl,
    port: address.port,
    control,
    privateAppTokens: created,
    close: () =>
      new Promise<void>((resolve) => {
        state.webhooks.close();
        for (const t of hung) clearTimeout(t);
        hung.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
