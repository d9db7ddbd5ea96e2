// Slows password guessing without letting anyone lock another person out. Three guards, each a
// growing delay (exponential backoff after some free failures, capped) — never a hard lock:
//
// - per (account, address) pair: the main brake. An attacker's failures for an account from
//   address A delay further attempts from A only; the owner signing in from B is not affected.
// - per address: a looser brake on one address guessing across many accounts (capped low, since
//   offices and proxies share an address: it slows, it does not shut anyone out for long).
// - per account: when an account collects many failures from many addresses, each address gets
//   no free failures for it any more (backoff starts at its first failure). An address with no
//   failures for the account is still let through, so the right password from a clean address is
//   never refused.
//
// A fourth guard, per address only, brakes guessing the tokens of the public link routes
// (authorization links, password resets, invitations): each token that names no usable link
// counts a failure for the address. Tokens are 32 random bytes, so guessing cannot succeed; the
// brake keeps a caller from spending the instance's reads on trying, and slows only that address.
//
// State is in memory (a restart forgives: hashing cost still bounds the guess rate) and bounded:
// each guard keeps at most `maxEntries` keys, forgetting the least recently failed first, and a
// key is forgotten once its last failure is older than `forgetAfterMs`.
import type { Clock } from '../lib/index.js';

export interface BackoffRule {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key whose last failure is older than this starts again from zero. */
  forgetAfterMs: number;
}

export interface LoginThrottleOptions {
  pair: BackoffRule;
  address: BackoffRule;
  /** Failures of one account (from all addresses) after which its pairs get no free failures. */
  accountHotAfter: number;
  accountForgetAfterMs: number;
  /** Per address: link tokens that named no usable link (default DEFAULT_LINK_TOKEN_RULE). */
  linkToken?: BackoffRule;
  /** Keys kept per guard; the least recently failed are dropped beyond it. */
  maxEntries: number;
}

/** 20 bad link tokens an hour are free (a person retyping a link); then 1 s, doubling, at most 15 min. */
export const DEFAULT_LINK_TOKEN_RULE: BackoffRule = { freeFailures: 20, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 3600_000 };

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  pair: { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 24 * 3600_000 },
  address: { freeFailures: 50, baseDelayMs: 1_000, maxDelayMs: 60_000, forgetAfterMs: 3600_000 },
  accountHotAfter: 20,
  accountForgetAfterMs: 3600_000,
  maxEntries: 50_000,
};

interface FailureCount {
  failures: number;
  lastFailureAt: number;
}

/** The delay owed after `failures` failures under `rule`, before the next attempt. */
export function backoffDelayMs(failures: number, rule: Pick<BackoffRule, 'freeFailures' | 'baseDelayMs' | 'maxDelayMs'>): number {
  if (failures < rule.freeFailures) return 0;
  const doublings = Math.min(failures - rule.freeFailures, 40);
  return Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** doublings);
}

/** A map of failure counts with a size bound (least recently failed dropped first) and expiry. */
class BoundedCounts {
  readonly #entries = new Map<string, FailureCount>();
  readonly #maxEntries: number;
  readonly #forgetAfterMs: number;

  constructor(maxEntries: number, forgetAfterMs: number) {
    this.#maxEntries = maxEntries;
    this.#forgetAfterMs = forgetAfterMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): FailureCount | undefined {
    const entry = this.#entries.get(key);
    if (entry && now - entry.lastFailureAt > this.#forgetAfterMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  increment(key: string, now: number): void {
    const failures = (this.get(key, now)?.failures ?? 0) + 1;
    // Re-inserting moves the key to the end: Map order is then "least recently failed first".
    this.#entries.delete(key);
    this.#entries.set(key, { failures, lastFailureAt: now });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

export interface LoginAttempt {
  /** The account's email, lower-cased. */
  account: string;
  /** The client address (as Fastify resolves it, honouring HUBSYNC_TRUST_PROXY). */
  address: string;
}

export class LoginThrottle {
  readonly #clock: Clock;
  readonly #options: LoginThrottleOptions;
  readonly #pairs: BoundedCounts;
  readonly #addresses: BoundedCounts;
  readonly #accounts: BoundedCounts;
  readonly #linkTokens: BoundedCounts;
  readonly #linkTokenRule: BackoffRule;

  constructor(clock: Clock, options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {
    this.#clock = clock;
    this.#options = options;
    this.#pairs = new BoundedCounts(options.maxEntries, options.pair.forgetAfterMs);
    this.#addresses = new BoundedCounts(options.maxEntries, options.address.forgetAfterMs);
    this.#accounts = new BoundedCounts(options.maxEntries, options.accountForgetAfterMs);
    this.#linkTokenRule = options.linkToken ?? DEFAULT_LINK_TOKEN_RULE;
    this.#linkTokens = new BoundedCounts(options.maxEntries, this.#linkTokenRule.forgetAfterMs);
  }

  /** Milliseconds to wait before this attempt may be tried, or 0. */
  retryAfterMs(attempt: LoginAttempt): number {
    const now = this.#clock.now();
    const pair = this.#pairs.get(pairKey(attempt), now);
    const address = this.#addresses.get(attempt.address, now);
    const account = this.#accounts.get(attempt.account, now);
    const hot = (account?.failures ?? 0) >= this.#options.accountHotAfter;
    const pairRule = hot ? { ...this.#options.pair, freeFailures: 0 } : this.#options.pair;
    return Math.max(waitFor(pair, pairRule, now), waitFor(address, this.#options.address, now));
  }

  /** Milliseconds this address must wait before trying another link token, or 0. */
  linkTokenRetryAfterMs(address: string): number {
    const now = this.#clock.now();
    return waitFor(this.#linkTokens.get(address, now), this.#linkTokenRule, now);
  }

  /** A link token from this address named no usable link. */
  recordLinkTokenFailure(address: string): void {
    this.#linkTokens.increment(address, this.#clock.now());
  }

  recordFailure(attempt: LoginAttempt): void {
    const now = this.#clock.now();
    this.#pairs.increment(pairKey(attempt), now);
    this.#addresses.increment(attempt.address, now);
    this.#accounts.increment(attempt.account, now);
  }

  /** The right password clears the pair; the address and account guards decay on their own. */
  recordSuccess(attempt: LoginAttempt): void {
    this.#pairs.delete(pairKey(attempt));
  }

  /** How many keys each guard holds (to prove the memory bound). */
  get sizes(): { pairs: number; addresses: number; accounts: number; linkTokens: number } {
    return { pairs: this.#pairs.size, addresses: this.#addresses.size, accounts: this.#accounts.size, linkTokens: this.#linkTokens.size };
  }
}

/** What is left of the delay `count`'s failures owe under `rule`, at `now`. */
function waitFor(count: FailureCount | undefined, rule: Pick<BackoffRule, 'freeFailures' | 'baseDelayMs' | 'maxDelayMs'>, now: number): number {
  return count ? Math.max(0, count.lastFailureAt + backoffDelayMs(count.failures, rule) - now) : 0;
}

const pairKey = (attempt: LoginAttempt) => `${attempt.account}\n${attempt.address}`;
