// The sandbox's HTTP server. Plain node:http rather than Fastify: the sandbox must never be
// the slow part of a benchmark, needs raw control over sockets (dropped connections, hung
// requests) and sets HubSpot's headers on every answer, so a thin hand-written pipeline is
// both faster and simpler here. Per request: correlation id → route match → latency and
// connection faults → auth, media type and declared size (nothing read yet) → body, bounded
// in size and time → scope → rate limits → status faults → handler → counts.

import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../lib/clock.js';
import { SandboxControl, controlRoutes } from './control.js';
import type { Caller } from './auth.js';
import { pickFault, pickLatency } from './faults.js';
import { ApiError, burstLimitError, dailyLimitError, missingScopes, requestRefusal, searchLimitError, serverFault } from './hubspot-errors.js';
import { PROFILES } from './rate-limiter.js';
import { associationRoutes } from './routes/associations.js';
import { eventRoutes } from './routes/events.js';
import { listRoutes } from './routes/lists.js';
import { objectRoutes } from './routes/objects.js';
import { oauthRoutes } from './routes/oauth.js';
import { ownerRoutes } from './routes/owners.js';
import { propertyRoutes } from './routes/properties.js';
import { Router, routeKey, type BodyMediaType, type Reply, type RequestInfo, type Route } from './router.js';
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

/** Largest request body taken (8 MiB); larger ones get a 413 without being read. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
/** How long a request's headers, then its body, may take to arrive before a 408 (real ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const JSON_TYPE = 'application/json;charset=utf-8';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MEDIA_TYPES: Record<BodyMediaType, string> = { json: 'application/json', form: 'application/x-www-form-urlencoded' };

type BodyResult = { kind: 'read'; raw: string } | { kind: 'too-large' } | { kind: 'timeout' } | { kind: 'gone' };

/**
 * Reads a body up to `maxBytes`, for at most `timeoutMs`. Past the limit or the time it stops
 * reading at once (the socket is closed after the refusal is sent), so a client cannot make
 * the sandbox hold more than `maxBytes` of one request nor keep a request open by trickling.
 */
function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      if (result.kind !== 'read') req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish({ kind: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: 'read', raw: Buffer.concat(chunks).toString('utf8') });
    const onGone = (): void => finish({ kind: 'gone' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

/** `application/json; charset=UTF-8` → `application/json` (media types compare case-insensitively). */
function mediaTypeOf(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** Whether the request carries a body: a positive Content-Length or a chunked transfer. */
function declaresBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

function parseBody(raw: string, mediaType: string | undefined, shape: 'hubspot' | 'control'): unknown {
  if (raw === '') return undefined;
  if (mediaType === MEDIA_TYPES.form) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw requestRefusal('INVALID_JSON', `Invalid input JSON: ${err instanceof Error ? err.message : String(err)}`, shape);
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
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
      customEvents: options.customEvents ?? null,
    },
    options.webhookRetryScale ?? 1,
    options.webhookBatchDelayMs ?? 50,
  );
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const control = new SandboxControl(state);
  control.setFaults(state.settings.faults);
  const router = new Router();
  router.add(objectRoutes(state));
  router.add(propertyRoutes(state));
  router.add(associationRoutes(state));
  router.add(listRoutes(state));
  router.add(eventRoutes(state));
  router.add(ownerRoutes());
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

  /**
   * Everything decided from the request line and headers alone, before a body byte is read:
   * route, caller (bearer token), media type, declared size. A refusal here costs nothing
   * whatever the client sends after the headers.
   */
  const checkBeforeBody = (req: IncomingMessage, route: Route, method: string): { caller?: Caller } => {
    const shape = route.auth === 'control' ? 'control' : 'hubspot';
    const caller = route.auth === 'bearer' ? state.auth.authenticate(req.headers.authorization, clock.now()) : undefined;
    const hasBody = declaresBody(req);
    const mediaType = mediaTypeOf(req.headers['content-type']);
    const accepted = (route.accepts ?? ['json']).map((t) => MEDIA_TYPES[t]);
    // The control API changes state on unsafe requests: asking for JSON even without a body
    // means a web page cannot reach it with a form post or a "simple" cross-site fetch.
    const needsType = hasBody || (route.auth === 'control' && !SAFE_METHODS.has(method));
    if (needsType && (mediaType === undefined || !accepted.includes(mediaType))) {
      throw requestRefusal(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${mediaType ?? '(none)'} is not supported here; send ${accepted.join(' or ')}.`,
        shape,
      );
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) throw tooLarge(shape);
    return caller === undefined ? {} : { caller };
  };

  const tooLarge = (shape: 'hubspot' | 'control'): ApiError =>
    requestRefusal('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBodyBytes} bytes, the most this API accepts.`, shape);

  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const correlationId = randomUUID();
    let startedAt = performance.now();
    const arrivedAt = performance.timeOrigin + startedAt;
    let portalId: number | undefined;
    res.setHeader('x-hubspot-correlation-id', correlationId);
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox.local');
    } catch {
      res.setHeader('connection', 'close');
      send(res, { status: 400, body: { status: 'error', message: 'Invalid request URL.', correlationId, category: 'VALIDATION_ERROR' } });
      return;
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const matched = router.match(method, path);
    const route: Route | undefined = matched && (matched.route.auth !== 'control' || state.settings.controlApi) ? matched.route : undefined;
    const key = route ? routeKey(route, matched!.params, (raw) => parseObjectType(raw) ?? raw) : `${method} (unmatched)`;
    const isControl = route?.auth === 'control';
    const shape = isControl ? 'control' : 'hubspot';

    /** Answers without reading (the rest of) the body; the connection is closed after it. */
    const refuse = (reply: Reply): void => {
      if (!isControl) state.count(key, reply.status, portalId);
      log?.(`${method} ${url.pathname} ${reply.status}`);
      if (res.destroyed) return;
      res.setHeader('connection', 'close');
      send(res, reply);
    };

    // Latency and connection faults come first, as on a real network, and read nothing.
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

    if (!route) {
      refuse({ status: 404, body: { status: 'error', message: 'resource not found', correlationId, category: 'OBJECT_NOT_FOUND' } });
      return;
    }
    let early: { caller?: Caller };
    try {
      early = checkBeforeBody(req, route, method);
    } catch (err) {
      refuse(errorReply(err, correlationId));
      return;
    }

    let raw = '';
    if (declaresBody(req)) {
      if (expectsContinue) res.writeContinue();
      const body = await readBody(req, maxBodyBytes, requestTimeoutMs);
      if (body.kind === 'gone') {
        res.destroy();
        return;
      }
      if (body.kind === 'too-large') {
        refuse(errorReply(tooLarge(shape), correlationId));
        return;
      }
      if (body.kind === 'timeout') {
        const message = `The request body did not arrive within ${requestTimeoutMs} ms.`;
        refuse(errorReply(requestRefusal('REQUEST_TIMEOUT', message, shape), correlationId));
        return;
      }
      raw = body.raw;
    }

    // Own processing time (after latency injection), reported as Server-Timing so benchmarks
    // can tell the sandbox's cost apart from the client's and the network's.
    startedAt = performance.now();
    let reply: Reply;
    try {
      const parsed = parseBody(raw, mediaTypeOf(req.headers['content-type']), shape);
      const wanted = route.bodyShape ?? 'object';
      const fits = wanted === 'array' ? Array.isArray(parsed) : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      if (parsed !== undefined && !fits) {
        throw requestRefusal('INVALID_JSON', `Invalid input JSON: the request body must be ${wanted === 'array' ? 'an array' : 'an object'}, not ${describeJson(parsed)}.`, shape);
      }
      const info: RequestInfo = {
        method,
        path,
        query: url.searchParams,
        headers: req.headers,
        body: parsed,
        params: matched!.params,
        correlationId,
      };
      if (route.auth === 'bearer') {
        const now = clock.now();
        const caller = early.caller!;
        portalId = caller.portalId;
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
    // The control API is the observer, not the observed: its own calls are not counted.
    if (!isControl) state.count(key, reply.status, portalId);
    log?.(`${method} ${url.pathname} ${reply.status}`);
    if (!res.destroyed) {
      res.setHeader('server-timing', `sandbox;dur=${(performance.now() - startedAt).toFixed(3)}`);
      send(res, reply);
    }
    // Searches and batch reads are POSTs that write nothing.
    if (state.writes && portalId !== undefined && !key.endsWith('/search') && !key.endsWith('/batch/read') && method !== 'GET' && reply.status < 300) {
      const objectType = matched!.params['type'];
      const ids = writtenIds(reply.body);
      if (objectType !== undefined && ids.length > 0) {
        state.writes.push({ portalId, objectType: parseObjectType(objectType) ?? objectType, route: key, ids, startedAt: arrivedAt, endedAt: performance.timeOrigin + performance.now() });
      }
    }
  };

  const serve = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    const observed = !(req.url ?? '').startsWith('/_sandbox');
    if (observed) state.requestStarted();
    handle(req, res, expectsContinue)
      .catch((err: unknown) => {
        log?.(`sandbox failed to answer: ${String(err)}`);
        if (!res.headersSent) send(res, { status: 500, body: { status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' } });
      })
      .finally(() => {
        if (observed) state.requestEnded();
      });
  };
  const server: Server = createServer(
    // Headers must arrive within the request timeout too (the body has its own timer above);
    // the check runs often enough for short test timeouts.
    { headersTimeout: requestTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: Math.min(1000, requestTimeoutMs) },
    (req, res) => serve(req, res, false),
  );
  // What Node's HTTP parser refuses before a request exists (malformed request line or
  // headers, headers too large, headers too slow) is answered in HubSpot's shape as well.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are too large.']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, `The request headers did not arrive within ${requestTimeoutMs} ms.`]
          : [400, 'The request could not be parsed as HTTP.'];
    const correlationId = randomUUID();
    const body = JSON.stringify({ status: 'error', message, correlationId, category: status === 408 ? 'TIMEOUT' : 'VALIDATION_ERROR' });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-hubspot-correlation-id: ${correlationId}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  // `Expect: 100-continue` (curl sends it for large bodies): the refusals above go out instead
  // of the "100 Continue" that would invite the body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => serve(req, res, true));
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

/** The record ids a CRM write answered with: a batch's `results[].id`, or a single record's `id`. */
function writtenIds(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const { results, id } = body as { results?: unknown; id?: unknown };
  if (Array.isArray(results)) return results.flatMap((r) => (typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' ? [(r as { id: string }).id] : []));
  return typeof id === 'string' ? [id] : [];
}
