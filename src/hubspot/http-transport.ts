// Sends one logical HubSpot request: takes a rate permit per attempt, applies the timeout,
// classifies the outcome once (retry-policy), retries or refreshes the token as decided,
// reports every attempt to the call hook, and turns failures into HubSpotApiError.
// This is the only module that touches the network.

import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import type { Clock } from '../lib/clock.js';
import type { AccessTokenProvider } from './access-token.js';
import type { CallHook, CallRecord } from './call-recorder.js';
import { parseExistingContactId, parseRequiredScopes, parseValidationErrors, readErrorBody } from './error-parsing.js';
import { HubSpotApiError, type HubSpotErrorCode } from './errors.js';
import type { CallPriority, RateGovernor, RateLane, RatePermit } from './rate-governor.js';
import { normalizeHeaders, type HeaderMap } from './rate-limit-headers.js';
import { decideRetry, type AttemptOutcome, type OutcomeClassification, type RetrySettings } from './retry-policy.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Per-call options every client method accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Daily-budget priority; defaults to the client's `defaultPriority`. */
  priority?: CallPriority;
  /** Free-form attribution passed to `onCall`, e.g. a sync run id. */
  tag?: string;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
}

export interface RequestSpec {
  method: HttpMethod;
  /** Path template with `{name}` placeholders; reported in errors and call records as is. */
  route: string;
  params?: Readonly<Record<string, string | number>>;
  query?: Readonly<Record<string, QueryValue>>;
  json?: unknown;
  form?: Readonly<Record<string, string>>;
  /** Sending twice has the same effect as once (reads, updates, upserts, archives). */
  idempotent: boolean;
  /** Rate budget: `search` for CRM search, `none` for OAuth token endpoints. Default `standard`. */
  lane?: RateLane | 'none';
  /** Default `bearer`; OAuth token endpoints authenticate with the client secret instead. */
  auth?: 'bearer' | 'none';
}

export interface TransportResponse<T> {
  status: number;
  headers: HeaderMap;
  body: T;
}

export interface TransportOptions {
  baseUrl: string;
  auth: AccessTokenProvider | undefined;
  portalId: number | undefined;
  governor: RateGovernor;
  clock: Clock;
  random: () => number;
  timeoutMs: number;
  retry: Partial<RetrySettings>;
  onCall: CallHook | undefined;
  defaultPriority: CallPriority;
  dispatcher: Dispatcher;
  userAgent: string;
  /** Aborts every call of this client, now and later (the credentials were forgotten). */
  signal?: AbortSignal | undefined;
}

/** The keep-alive agent used when the caller passes no dispatcher. */
export function createKeepAliveAgent(): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 32 });
}

function buildUrl(baseUrl: string, spec: RequestSpec): string {
  const path = spec.route.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = spec.params?.[name];
    if (value === undefined) throw new TypeError(`Missing path parameter ${name} for ${spec.route}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(spec.query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) search.append(name, item);
    else search.append(name, String(value));
  }
  const query = search.toString();
  return `${baseUrl.replace(/\/+$/, '')}${path}${query === '' ? '' : `?${query}`}`;
}

function networkCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** HubSpot tokens are visible ASCII; anything else cannot go into an Authorization header as is. */
function isSendableToken(token: string): boolean {
  return /^[\x21-\x7e]+$/.test(token);
}

type AttemptResult =
  | { outcome: AttemptOutcome; bodyParsed: boolean }
  | { aborted: true };

export class HttpTransport {
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  get portalId(): number | undefined {
    return this.#options.portalId;
  }

  async send<T>(spec: RequestSpec, call: CallOptions = {}): Promise<TransportResponse<T>> {
    const o = this.#options;
    const url = buildUrl(o.baseUrl, spec);
    const lane = spec.lane ?? 'standard';
    const priority = call.priority ?? o.defaultPriority;
    const timeoutMs = call.timeoutMs ?? o.timeoutMs;
    const signal = o.signal && call.signal ? AbortSignal.any([o.signal, call.signal]) : (o.signal ?? call.signal);
    const useBearer = (spec.auth ?? 'bearer') === 'bearer';
    if (useBearer && o.auth === undefined) {
      throw new TypeError(`${spec.method} ${spec.route} needs an access token but the client has no auth provider`);
    }
    // An aborted client asks for no token either: an OAuth refresh is a HubSpot call too.
    if (signal?.aborted) throw this.#aborted(spec, 0, false);
    let token = useBearer && o.auth !== undefined ? await o.auth.getAccessToken() : undefined;
    // Every token used for this call is scrubbed from text taken from responses, in case a
    // server ever echoes it back in a message.
    const usedTokens = token === undefined || token === '' ? [] : [token];
    const redact = (text: string): string => usedTokens.reduce((out, t) => out.split(t).join('[REDACTED]'), text);
    let httpAttempt = 0;
    let retryAttempt = 0;
    let refreshed = false;

    for (;;) {
      httpAttempt += 1;
      retryAttempt += 1;
      if (signal?.aborted) throw this.#aborted(spec, httpAttempt - 1, false);
      if (token !== undefined && !isSendableToken(token)) throw this.#unsendableToken(spec, httpAttempt - 1);
      let permit: RatePermit | null = null;
      if (lane !== 'none') {
        try {
          permit = await o.governor.acquire({ lane, priority, ...(signal ? { signal } : {}) });
        } catch (error) {
          if (error instanceof HubSpotApiError) throw this.#withRoute(error, spec, httpAttempt - 1);
          throw error;
        }
      }
      const startedAt = o.clock.now();
      const started = performance.now();
      const result = await this.#attempt(url, spec, token, timeoutMs, signal);
      const durationMs = performance.now() - started;

      if ('aborted' in result) {
        permit?.settle(null);
        this.#record({ spec, call, startedAt, durationMs, attempt: httpAttempt, status: null, errorCode: 'HUBSPOT_ABORTED', retried: false, rateLimited: false, correlationId: undefined });
        throw this.#aborted(spec, httpAttempt, true);
      }
      const { outcome } = result;
      const decision = decideRetry({
        attempt: retryAttempt,
        outcome,
        idempotent: spec.idempotent,
        now: o.clock.now(),
        random: o.random,
        settings: o.retry,
      });
      let classification: OutcomeClassification = decision.classification;
      if (outcome.kind === 'response' && classification.kind === 'success' && !result.bodyParsed) {
        classification = { kind: 'permanent', code: 'HUBSPOT_INVALID_RESPONSE', notApplied: false };
      }
      const headers = outcome.kind === 'response' ? outcome.headers : {};
      const status = outcome.kind === 'response' ? outcome.status : null;
      const correlationId = headers['x-hubspot-correlation-id'] ?? readErrorBody(outcome.kind === 'response' ? outcome.body : undefined).correlationId;
      permit?.settle(
        status === null
          ? null
          : { status, headers, ...(classification.rateLimit ? { rateLimit: classification.rateLimit } : {}) },
      );

      const canRefresh =
        status === 401 && !refreshed && token !== undefined && o.auth?.refreshAfterUnauthorized !== undefined;
      this.#record({
        spec,
        call,
        startedAt,
        durationMs,
        attempt: httpAttempt,
        status,
        errorCode: classification.code,
        retried: decision.retry || canRefresh,
        rateLimited: status === 429,
        correlationId,
      });

      if (classification.kind === 'success' && outcome.kind === 'response') {
        return { status: outcome.status, headers, body: outcome.body as T };
      }
      if (canRefresh && token !== undefined && o.auth?.refreshAfterUnauthorized !== undefined) {
        refreshed = true;
        const fresh = await o.auth.refreshAfterUnauthorized(token);
        if (fresh !== null && fresh !== '') {
          token = fresh;
          usedTokens.push(fresh);
          retryAttempt -= 1; // the replay after a refresh does not use up the retry bound
          continue;
        }
      }
      if (decision.retry) {
        const slept = await this.#sleep(decision.waitMs, signal);
        if (!slept) throw this.#aborted(spec, httpAttempt, false);
        continue;
      }
      throw this.#failure(spec, outcome, classification, {
        attempts: httpAttempt,
        maybeApplied: decision.maybeApplied,
        correlationId,
        redact,
      });
    }
  }

  async #attempt(
    url: string,
    spec: RequestSpec,
    token: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#options.userAgent,
    };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (spec.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(spec.form).toString();
    } else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }

    const controller = new AbortController();
    let timedOut = false;
    // Network time is real time: the request timeout uses the real timer, not the injected Clock.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const response = await request(url, {
        method: spec.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: controller.signal,
        dispatcher: this.#options.dispatcher,
      });
      const text = await response.body.text();
      const parsed = parseBody(text);
      const responseHeaders = normalizeHeaders(response.headers);
      const status = response.statusCode;
      return {
        outcome: { kind: 'response', status, headers: responseHeaders, body: parsed.ok ? parsed.value : text.slice(0, 2000) },
        bodyParsed: parsed.ok,
      };
    } catch (error) {
      if (timedOut) return { outcome: { kind: 'timeout' }, bodyParsed: true };
      if (signal?.aborted) return { aborted: true };
      return { outcome: { kind: 'network', code: networkCode(error) }, bodyParsed: true };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Sleeps on the injected clock; false when the caller aborted meanwhile. */
  async #sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (ms <= 0) return !(signal?.aborted ?? false);
    if (signal === undefined) {
      await this.#options.clock.sleep(ms);
      return true;
    }
    if (signal.aborted) return false;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<false>((resolve) => {
      onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const result = await Promise.race([this.#options.clock.sleep(ms).then(() => true as const), aborted]);
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    return result;
  }

  #record(entry: {
    spec: RequestSpec;
    call: CallOptions;
    startedAt: number;
    durationMs: number;
    attempt: number;
    status: number | null;
    errorCode: HubSpotErrorCode | undefined;
    retried: boolean;
    rateLimited: boolean;
    correlationId: string | undefined;
  }): void {
    const hook = this.#options.onCall;
    if (hook === undefined) return;
    const record: CallRecord = {
      portalId: this.#options.portalId,
      method: entry.spec.method,
      route: entry.spec.route,
      status: entry.status,
      errorCode: entry.errorCode,
      durationMs: Math.round(entry.durationMs * 10) / 10,
      attempt: entry.attempt,
      retried: entry.retried,
      rateLimited: entry.rateLimited,
      correlationId: entry.correlationId,
      tag: entry.call.tag,
      startedAt: entry.startedAt,
    };
    try {
      hook(record);
    } catch {
      // A failing observer must not fail the HubSpot call.
    }
  }

  /**
   * `inFlight`: the abort cut a sent request short, so a create may have been applied. Aborts
   * between attempts follow only outcomes HubSpot certainly did not apply (a non-idempotent
   * request is never retried otherwise).
   */
  #aborted(spec: RequestSpec, attempts: number, inFlight: boolean): HubSpotApiError {
    return new HubSpotApiError({
      code: 'HUBSPOT_ABORTED',
      message: `HubSpot ${spec.method} ${spec.route} was aborted by the caller`,
      method: spec.method,
      route: spec.route,
      retryable: false,
      attempts,
      maybeApplied: inFlight && !spec.idempotent,
    });
  }

  /**
   * A token HTTP cannot carry (a pasted line break, a control or non-ASCII character) would make
   * the HTTP library throw, which looks like a network failure and would be retried and end as
   * "HubSpot unavailable". It is a bad token: refused before sending, never retried.
   */
  #unsendableToken(spec: RequestSpec, attempts: number): HubSpotApiError {
    return new HubSpotApiError({
      code: 'HUBSPOT_UNAUTHORIZED',
      message: `HubSpot ${spec.method} ${spec.route} was not sent: the access token contains spaces, line breaks, control or non-ASCII characters, which no HubSpot token has`,
      method: spec.method,
      route: spec.route,
      retryable: false,
      attempts,
    });
  }

  #withRoute(error: HubSpotApiError, spec: RequestSpec, attempts: number): HubSpotApiError {
    return new HubSpotApiError({
      code: error.code,
      message: `HubSpot ${spec.method} ${spec.route}: ${error.message}`,
      method: spec.method,
      route: spec.route,
      retryable: error.retryable,
      attempts,
    });
  }

  #failure(
    spec: RequestSpec,
    outcome: AttemptOutcome,
    classification: OutcomeClassification,
    extra: { attempts: number; maybeApplied: boolean; correlationId: string | undefined; redact: (text: string) => string },
  ): HubSpotApiError {
    const code = classification.code ?? 'HUBSPOT_BAD_REQUEST';
    const base = {
      code,
      method: spec.method,
      route: spec.route,
      retryable: classification.kind === 'retryable',
      attempts: extra.attempts,
      maybeApplied: extra.maybeApplied,
    };
    const where = `HubSpot ${spec.method} ${spec.route}`;
    if (outcome.kind === 'timeout') {
      return new HubSpotApiError({ ...base, message: `${where} timed out after ${extra.attempts} attempt(s)` });
    }
    if (outcome.kind === 'network') {
      return new HubSpotApiError({
        ...base,
        message: `${where} failed: network error ${outcome.code} after ${extra.attempts} attempt(s)`,
      });
    }
    const body = readErrorBody(outcome.body);
    const hubspotMessage = body.message === undefined ? undefined : extra.redact(body.message);
    const detail = [body.category, hubspotMessage].filter((part) => part !== undefined).join(': ');
    const message = `${where} → ${outcome.status}${detail === '' ? '' : ` ${detail}`}`.slice(0, 1000);
    const existingObjectId = code === 'HUBSPOT_CONFLICT' ? parseExistingContactId(body.message) : undefined;
    return new HubSpotApiError({
      ...base,
      message,
      status: outcome.status,
      ...(body.category === undefined ? {} : { category: body.category }),
      ...(body.subCategory === undefined ? {} : { subCategory: body.subCategory }),
      ...(hubspotMessage === undefined ? {} : { hubspotMessage }),
      ...(extra.correlationId === undefined ? {} : { correlationId: extra.correlationId }),
      ...(body.policyName === undefined ? {} : { policyName: body.policyName }),
      errors: (body.errors ?? []).map((e) => ({ ...e, message: extra.redact(e.message) })),
      requiredScopes: parseRequiredScopes(body),
      validationErrors: parseValidationErrors(body.message),
      ...(existingObjectId === undefined ? {} : { existingObjectId }),
    });
  }
}
