// A clock that runs in real time from an offset a test moves forward, so "an hour later" is one
// call while timers, sleeps and the other side's own real clock keep working. Share one between
// the sandbox and the service and both see the same jump.
import type { Clock } from '../../src/lib/index.js';

export class ShiftedClock implements Clock {
  #offset: number;

  /** `offsetMs` from real time to start with (negative: behind). */
  constructor(offsetMs = 0) {
    this.#offset = offsetMs;
  }

  now(): number {
    return Date.now() + this.#offset;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  /** Moves this clock `ms` ahead of where it would be. */
  advance(ms: number): void {
    this.#offset += ms;
  }
}
