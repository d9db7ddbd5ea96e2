// Decides about a request before any byte of its body is read: who is calling (routes need a
// caller unless they say otherwise), whether the body's media type is one the route accepts, and
// whether its announced size fits. Then it watches the body while it arrives: no more bytes
// than the route's limit, and no slower than the request timeout allows. A refused request is
// answered at once; the unread rest of its body is drained (thrown away, never buffered) only
// while that stays cheap, so a client that sends everything before reading still sees the
// answer, and otherwise the connection is closed.
//
// Routes declare what they need in their `config`:
//   { caller: 'optional' }                 anyone may call it (sign-in, health, OAuth callback)
//   { caller: 'none' }                     anyone, and no caller is looked up (the probes: they
//                                          must answer without the database)
//   { accepts: ['text/csv'], streamedBody: true }
//                                          the body's media types; the body is handed to the
//                                          handler as a stream (its limit is the route's bodyLimit)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { AppError } from '../lib/index.js';
import { identifyCaller } from './caller.js';
import type { AppContext } from './context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `optional`: the route answers callers nobody identified; `none`: nobody is identified (no
     * session or API key lookup: the probes). Every other /api route needs a caller.
     */
    caller?: 'optional' | 'none';
    /** Media types (lower case, no parameters) the body may have. Default: application/json, or none for GET/HEAD. */
    accepts?: readonly string[];
    /** The handler reads the body as a stream; the request timeout then bounds idleness, not the total time. */
    streamedBody?: boolean;
  }
}

/** Requests whose handler answers while it still reads the body (a streamed answer to a streamed upload). */
const answeredWhileReading = new WeakSet<IncomingMessage>();

/**
 * Says that the handler starts its answer before it has read the whole body and goes on reading
 * it (the CSV import's NDJSON progress), so answering is no refusal: the body is not abandoned.
 */
export function keepReadingBody(request: FastifyRequest): void {
  answeredWhileReading.add(request.raw);
}

/** Requests whose unread body is already being drained or closed on. */
const settled = new WeakSet<IncomingMessage>();

/** After refusing a request, at most this much of its unread body is drained before closing. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
/** …and for at most this long (or the request timeout, if shorter). */
export const DRAIN_MAX_MS = 5_000;

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);
const UTF8 = new Set(['utf-8', 'utf8']);

/** Whether the request announces a body (a positive Content-Length, or a chunked one). */
export function announcesBody(request: FastifyRequest): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

/** `Application/JSON; Charset="UTF-8"` → { type: 'application/json', charset: 'utf-8' }. */
export function parseMediaType(header: string): { type: string; charset: string | undefined } {
  const [essence = '', ...parameters] = header.split(';');
  let charset: string | undefined;
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset' && value !== undefined) charset = value.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return { type: essence.trim().toLowerCase(), charset };
}

/** Decided on the matched route, not on request.url: `/%61pi/…` reaches the same handler as `/api/…`. */
function isApiRoute(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? '';
  return url.startsWith('/api/') && !url.startsWith('/api/docs');
}

function acceptedTypes(request: FastifyRequest): readonly string[] {
  return request.routeOptions.config.accepts ?? (BODYLESS_METHODS.has(request.method) ? [] : ['application/json']);
}

function checkBody(request: FastifyRequest): void {
  const accepts = acceptedTypes(request);
  if (accepts.length === 0) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${request.method} ${request.routeOptions.url ?? request.url} takes no request body.`);
  const header = request.headers['content-type'];
  const { type, charset } = parseMediaType(header ?? '');
  if (!accepts.includes(type)) {
    const sent = header === undefined ? 'No Content-Type' : `Content-Type ${header.slice(0, 100)}`;
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${sent} is not accepted here; send ${accepts.join(' or ')}.`, { accepts: [...accepts] });
  }
  if (charset !== undefined && !UTF8.has(charset)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `charset=${charset.slice(0, 40)} is not accepted here; send UTF-8.`, { accepts: [...accepts] });
  }
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding.slice(0, 40)} is not accepted; send the body uncompressed.`, { accepts: [...accepts] });
  }
  const length = Number(request.headers['content-length']);
  const limit = request.routeOptions.bodyLimit;
  if (Number.isFinite(length) && limit !== undefined && length > limit) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The request body (${length} bytes) is larger than this endpoint accepts (${limit} bytes).`, { limitBytes: limit });
  }
}

/**
 * Lets the refused request's unread body arrive and be thrown away, so the answer reaches a
 * client that reads only after sending everything — as long as that stays cheap. A body that
 * is announced larger than the drain allowance, grows past it or takes too long ends the
 * connection instead (right after the answer, or as soon as that is clear).
 */
function drainOrClose(raw: IncomingMessage, reply: FastifyReply, timeoutMs: number): void {
  if (raw.complete || settled.has(raw)) return;
  settled.add(raw);
  const announced = Number(raw.headers['content-length']);
  if (Number.isFinite(announced) && announced > DRAIN_MAX_BYTES) {
    reply.header('connection', 'close');
    return;
  }
  let drained = 0;
  const stop = () => raw.socket.destroy();
  const timer = setTimeout(stop, Math.min(DRAIN_MAX_MS, timeoutMs));
  timer.unref();
  raw.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) stop();
  });
  raw.once('end', () => clearTimeout(timer));
  raw.once('close', () => clearTimeout(timer));
  raw.resume();
}

/**
 * The body as the route reads it: counted against the route's limit, and given up on when the
 * client is too slow. For a buffered body the whole of it must arrive within `timeoutMs`; for
 * a streamed one (the CSV import, which may legitimately take many minutes) no gap between
 * bytes may last `timeoutMs` while the handler is waiting for them — time the handler itself
 * spends (the stream is paused, bytes wait in its buffer) does not count.
 */
class GuardedBody extends Transform {
  #received = 0;
  #failed = false;
  #ended = false;
  #chunks = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #source: Readable;
  readonly #limit: number;
  readonly #timeoutMs: number;
  readonly #streamed: boolean;
  readonly #onFail: (error: AppError) => void;

  constructor(source: Readable, options: { limit: number; timeoutMs: number; streamed: boolean; onFail: (error: AppError) => void }) {
    super();
    this.#source = source;
    this.#limit = options.limit;
    this.#timeoutMs = options.timeoutMs;
    this.#streamed = options.streamed;
    this.#onFail = options.onFail;
    this.#arm();
    source.once('close', () => this.#disarm());
  }

  #arm(): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.#onTimeout(), this.#timeoutMs);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #onTimeout(): void {
    // A paused stream means the handler is busy with what it has: the client is not to blame.
    if (this.#streamed && (this.#source.isPaused() || this.readableLength > 0 || this.writableLength > 0)) {
      this.#arm();
      return;
    }
    // Bytes that reached the socket while this process was busy are read in the event loop's
    // poll phase, after timers: judge only after it, so a stalled loop does not blame the client.
    const chunksSeen = this.#chunks;
    setImmediate(() => {
      // For a streamed body a fresh chunk has already re-armed the timer.
      if (this.#streamed && this.#chunks !== chunksSeen) return;
      this.#judge();
    });
  }

  #judge(): void {
    if (this.#failed || this.#ended) return;
    const seconds = Math.round(this.#timeoutMs / 100) / 10;
    const message = this.#streamed
      ? `No part of the upload arrived for ${seconds} s; the request was cut off.`
      : `The request body did not arrive within ${seconds} s; the request was cut off.`;
    this.fail(new AppError('REQUEST_TIMEOUT', message, { timeoutMs: this.#timeoutMs }));
  }

  fail(error: AppError): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#disarm();
    this.#source.unpipe(this);
    this.#onFail(error);
    this.destroy(error);
  }

  /** The handler answered without reading the body to its end (it refused the request). */
  abandon(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#disarm();
    this.#source.unpipe(this);
    this.destroy();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#failed) return callback();
    this.#received += chunk.length;
    this.#chunks++;
    if (this.#received > this.#limit) {
      this.fail(new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than this endpoint accepts (${this.#limit} bytes).`, { limitBytes: this.#limit }));
      return callback();
    }
    if (this.#streamed) this.#arm();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#ended = true;
    this.#disarm();
    callback();
  }
}

/**
 * Registers the hooks: onRequest decides (caller, media type, announced size) before the body
 * is touched; preParsing wraps the body in its limit and timeout.
 */
export function registerRequestGuard(app: FastifyInstance, ctx: AppContext): void {
  const timeoutMs = ctx.config.requestTimeoutMs;
  const guards = new WeakMap<IncomingMessage, GuardedBody>();

  // Left alone, Node answers `Expect: 100-continue` (curl sends it for bodies over 1 MB) with
  // "100 Continue" before any hook runs, inviting the body of a request that may be refused.
  // Routed like any request instead, it gets its 100 only once the body is wanted (preParsing).
  app.server.on('checkContinue', (request: IncomingMessage, response) => app.server.emit('request', request, response));

  app.addHook('onRequest', async (request, reply) => {
    try {
      if (request.raw.httpVersion === '1.1' && !request.headers.host) {
        throw new AppError('BAD_REQUEST', 'An HTTP/1.1 request must have a Host header.');
      }
      if (request.is404) {
        throw new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`);
      }
      if (isApiRoute(request) && request.routeOptions.config.caller !== 'none') {
        await identifyCaller(ctx, request);
        if (!request.caller && request.routeOptions.config.caller !== 'optional') throw new AppError('UNAUTHENTICATED', 'Sign in or send an API key.');
      }
      if (announcesBody(request)) checkBody(request);
    } catch (error) {
      if (announcesBody(request)) drainOrClose(request.raw, reply, timeoutMs);
      throw error;
    }
  });

  app.addHook('preParsing', async (request, reply, payload: Readable) => {
    if (!announcesBody(request)) return payload;
    if (request.headers.expect?.toLowerCase() === '100-continue') reply.raw.writeContinue();
    const guarded = new GuardedBody(payload, {
      limit: request.routeOptions.bodyLimit ?? ctx.config.bodyLimitBytes,
      timeoutMs,
      streamed: request.routeOptions.config.streamedBody === true,
      onFail: (error) => {
        if (error.code === 'REQUEST_TIMEOUT') reply.header('connection', 'close');
        else drainOrClose(request.raw, reply, timeoutMs);
      },
    });
    guards.set(request.raw, guarded);
    return payload.pipe(guarded);
  });

  // A handler may answer before it has read the body — the CSV import refusing a workspace the
  // caller cannot see. The rest of the body is then drained or the connection closed, as for a
  // refusal in onRequest; otherwise the paused upload would hold the connection for good.
  app.addHook('onSend', async (request, reply, payload) => {
    const guarded = guards.get(request.raw);
    if (guarded && !request.raw.complete && !answeredWhileReading.has(request.raw)) {
      guarded.abandon();
      drainOrClose(request.raw, reply, timeoutMs);
    }
    return payload;
  });
}
