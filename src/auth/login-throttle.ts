// Slows password guessing: after too many failures for one account or from one address within
// a window, further attempts are refused until the window passes. Kept in memory — a restart
// forgives, which is acceptable for a throttle (hashing cost bounds the guess rate anyway).
import type { Clock } from '../lib/index.js';

export interface LoginThrottleOptions {
  /** Failures allowed per account (key prefix `email:`) within the window. */
  maxFailures: number;
  /** Failures allowed per client address (key prefix `ip:`): higher, since offices share one. */
  maxFailuresPerAddress: number;
  windowMs: number;
}

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #clock: Clock;
  readonly #options: LoginThrottleOptions;

  constructor(clock: Clock, options: LoginThrottleOptions = { maxFailures: 5, maxFailuresPerAddress: 50, windowMs: 15 * 60_000 }) {
    this.#clock = clock;
    this.#options = options;
  }

  /** Milliseconds to wait before another attempt is allowed, or 0. */
  retryAfterMs(keys: string[]): number {
    const now = this.#clock.now();
    let wait = 0;
    for (const key of keys) {
      const recent = this.#recent(key, now);
      const max = key.startsWith('ip:') ? this.#options.maxFailuresPerAddress : this.#options.maxFailures;
      if (recent.length >= max) wait = Math.max(wait, recent[0]! + this.#options.windowMs - now);
    }
    return wait;
  }

  recordFailure(keys: string[]): void {
    const now = this.#clock.now();
    for (const key of keys) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.#options.windowMs);
  }
}
