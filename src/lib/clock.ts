// Time as a dependency: production code asks a Clock for "now" and for delays, so tests can
// drive rate-limit windows, token expiry and schedules without real waiting.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A clock that only moves when told to. `sleep` resolves once `advance` has moved time past
 * the wake-up point, so a test can step through a 10-second rate window instantly.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: { wakeAt: number; resolve: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleepers.push({ wakeAt: this.#now + Math.max(0, ms), resolve });
      this.#wake();
    });
  }

  advance(ms: number): void {
    this.#now += ms;
    this.#wake();
  }

  set(epochMs: number): void {
    this.#now = epochMs;
    this.#wake();
  }

  #wake(): void {
    const due = this.#sleepers.filter((s) => s.wakeAt <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.wakeAt > this.#now);
    for (const sleeper of due) sleeper.resolve();
  }
}
