// The job catalog's vocabulary: a job definition names a queue, the zod schema of its payload,
// its retry policy, its timeout and what may run at the same time. Definitions are plain values
// shared by whoever sends and whoever works the queue, so both sides agree on the payload.
import { createHash } from 'node:crypto';
import type { z } from 'zod';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = one attempt only. */
  limit: number;
  /** Wait before the first retry; doubles with each further retry. */
  baseMs: number;
  /** Ceiling of the wait (embedded backend; pg-boss 10 has no ceiling, see ARCHITECTURE.md). */
  maxMs: number;
}

export interface JobDefinition<P> {
  /** The queue's name, e.g. `sync.push`. Letters, digits, `.`, `_` and `-`. */
  readonly name: string;
  readonly payload: z.ZodType<P>;
  readonly retry: RetryPolicy;
  /** A handler running longer is aborted (its AbortSignal fires) and the attempt fails. */
  readonly timeoutMs: number;
  /**
   * The exclusivity key computed from the payload (null when the definition has none), e.g. `${workspaceId}:contacts`: at most one
   * job per key runs at a time (across every process), and at most one waits — a second send
   * while one waits is merged into it. Without a key, jobs of the queue run independently.
   */
  keyOf(payload: P): string | null;
  /** Whether the definition has an exclusivity key. */
  readonly exclusive: boolean;
  /** How many jobs of this queue one process runs at once (default for `work`). */
  readonly concurrency: number;
}

export interface JobDefinitionInput<P> {
  name: string;
  payload: z.ZodType<P>;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  exclusiveKey?: (payload: P) => string;
  concurrency?: number;
}

const NAME = /^[a-z][a-z0-9._-]{0,62}$/i;

export const DEFAULT_RETRY: RetryPolicy = { limit: 3, baseMs: 5_000, maxMs: 300_000 };
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Declares a job. Example:
 *
 *     const pushJob = defineJob({
 *       name: 'sync.push',
 *       payload: z.object({ workspaceId: z.string(), objectType: z.enum(['contacts', 'companies']) }),
 *       retry: { limit: 5, baseMs: 2_000, maxMs: 120_000 },
 *       timeoutMs: 30_000,
 *       exclusiveKey: (p) => `${p.workspaceId}:${p.objectType}`,
 *     });
 */
export function defineJob<P>(input: JobDefinitionInput<P>): JobDefinition<P> {
  if (!NAME.test(input.name)) throw new Error(`Job name ${JSON.stringify(input.name)} is not a valid queue name`);
  const retry = { ...DEFAULT_RETRY, ...input.retry };
  if (!Number.isInteger(retry.limit) || retry.limit < 0) throw new Error(`${input.name}: retry.limit must be an integer ≥ 0`);
  if (!(retry.baseMs >= 0) || !(retry.maxMs >= retry.baseMs)) throw new Error(`${input.name}: retry needs 0 ≤ baseMs ≤ maxMs`);
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs >= 1_000)) throw new Error(`${input.name}: timeoutMs must be at least 1000`);
  const concurrency = input.concurrency ?? 1;
  const exclusiveKey = input.exclusiveKey;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`${input.name}: concurrency must be an integer ≥ 1`);
  return Object.freeze({
    name: input.name,
    payload: input.payload,
    retry: Object.freeze(retry),
    timeoutMs,
    keyOf: (payload: P) => (exclusiveKey ? exclusiveKey(payload) : null),
    exclusive: exclusiveKey !== undefined,
    concurrency,
  });
}

/**
 * The wait before retry number `retry` (1 = the first retry): base × 2^(retry−1), capped at max.
 * Pure, so the embedded backend's schedule is testable without a clock.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  if (retry < 1) return 0;
  const exponential = policy.baseMs * 2 ** Math.min(retry - 1, 30);
  return Math.min(policy.maxMs, exponential);
}

/**
 * The id of the job sent with `onceKey` (SendOptions): the same for the same queue and key on
 * every process, shaped as a UUID since pg-boss's ids are of that type.
 */
export function onceJobId(queue: string, onceKey: string): string {
  const hex = createHash('sha256').update(`${queue}\u0000${onceKey}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What a handler may return: nothing (done), or `'continue'` to run again with the same payload. */
export type JobOutcome = void | 'continue';

export interface JobContext {
  /** The job's id (stable across retries of one job; a continuation is a new job). */
  id: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /**
   * When the job was sent (ms since the epoch), the same for every attempt and kept when the job
   * is handed back. A job fired by a schedule: the tick it was fired for (embedded), or the
   * moment pg-boss turned that tick into a job, seconds after it (pg-boss). A `'continue'` is a
   * new job with a new time. Lets a handler act for the moment it was sent, however late it runs.
   */
  createdAt: number;
  /** Fires on timeout (`reason` a JobTimeoutError) and when the queue stops (a JobShutdownError). */
  signal: AbortSignal;
}

export type JobHandler<P> = (payload: P, context: JobContext) => Promise<JobOutcome>;

/** The signal's reason when a handler exceeded its definition's timeout. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/** The signal's reason when the queue is stopping: hand the job back by returning or throwing. */
export class JobShutdownError extends Error {
  override name = 'JobShutdownError';
}

/** A definition whose payload type has been forgotten: how backends hold a mixed catalog. */
export type AnyJobDefinition = JobDefinition<unknown>;

/** Forgets a definition's payload type (payloads are re-validated against its schema anyway). */
export function eraseDefinition<P>(definition: JobDefinition<P>): AnyJobDefinition {
  return definition as unknown as AnyJobDefinition;
}
