import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { HubSpotApiError } from './errors.js';
import { createMemoryRateLedger, type RateLedger } from './rate-ledger.js';
import {
  createRateGovernor,
  createRateGovernorRegistry,
  RATE_LIMIT_TIERS,
  type RateGovernor,
  type RateLimits,
  type RatePermit,
} from './rate-governor.js';

const MARGIN = 50;
const limits = (overrides: Partial<RateLimits> = {}): RateLimits => ({
  burstMax: 3,
  burstWindowMs: 1_000,
  searchMax: 2,
  searchWindowMs: 1_000,
  dailyMax: null,
  ...overrides,
});

/** Lets promise callbacks (grants after a clock advance) run. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Tracks which acquisitions have been granted so far. */
function track(promise: Promise<RatePermit>) {
  const state: { permit: RatePermit | null; error: unknown } = { permit: null, error: null };
  promise.then(
    (permit) => {
      state.permit = permit;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return state;
}

function setup(overrides: Partial<RateLimits> = {}, reserve = 0.1) {
  const clock = new ManualClock();
  const governor = createRateGovernor({ clock, limits: limits(overrides), safetyMarginMs: MARGIN, dailyReserveFraction: reserve });
  return { clock, governor };
}

async function acquireMany(governor: RateGovernor, n: number) {
  const states = Array.from({ length: n }, () => track(governor.acquire()));
  await flush();
  return states;
}

const headers = (h: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [`x-hubspot-ratelimit-${k}`, String(v)]));

describe('rate governor: rolling burst window', () => {
  it('grants up to the limit, then frees a slot one window plus margin after its response', async () => {
    const { clock, governor } = setup();
    const states = await acquireMany(governor, 4);
    expect(states.map((s) => s.permit !== null)).toEqual([true, true, true, false]);

    clock.advance(200);
    states[0]?.permit?.settle({ status: 200, headers: {} });
    clock.advance(999 + MARGIN);
    await flush();
    expect(states[3]?.permit).toBeNull();
    clock.advance(1);
    await flush();
    expect(states[3]?.permit).not.toBeNull();
  });

  it('keeps an in-flight request counted however long it takes', async () => {
    const { clock, governor } = setup({ burstMax: 1 });
    const [first, second] = await acquireMany(governor, 2);
    clock.advance(60_000);
    await flush();
    expect(second?.permit).toBeNull();
    first?.permit?.settle(null);
    clock.advance(1_000 + MARGIN);
    await flush();
    expect(second?.permit).not.toBeNull();
  });

  it('learns the real Max and interval from response headers', async () => {
    const { governor } = setup({ burstMax: 3 });
    const [first] = await acquireMany(governor, 1);
    first?.permit?.settle({ status: 200, headers: headers({ max: 5, remaining: 4, 'interval-milliseconds': 2_000 }) });
    const more = await acquireMany(governor, 5);
    expect(more.filter((s) => s.permit !== null)).toHaveLength(4);
    expect(governor.snapshot().burst).toMatchObject({ limit: 5, windowMs: 2_000, busy: 5, queued: 1 });
  });

  it('adopts a lower Remaining than it counted (others share the portal)', async () => {
    const { governor } = setup({ burstMax: 10 });
    const [first] = await acquireMany(governor, 1);
    first?.permit?.settle({ status: 200, headers: headers({ max: 10, remaining: 2 }) });
    const more = await acquireMany(governor, 3);
    expect(more.map((s) => s.permit !== null)).toEqual([true, true, false]);
  });

  it('ignores a Remaining that is higher than its own count', async () => {
    const { governor } = setup({ burstMax: 3 });
    const [a, b] = await acquireMany(governor, 2);
    a?.permit?.settle({ status: 200, headers: headers({ max: 3, remaining: 2 }) });
    b?.permit?.settle({ status: 200, headers: headers({ max: 3, remaining: 2 }) });
    const more = await acquireMany(governor, 2);
    expect(more.map((s) => s.permit !== null)).toEqual([true, false]);
  });

  it('pauses the whole lane after a burst 429 for the interval', async () => {
    const { clock, governor } = setup({ burstMax: 10 });
    const [first] = await acquireMany(governor, 1);
    first?.permit?.settle({
      status: 429,
      headers: headers({ max: 10, remaining: 0, 'interval-milliseconds': 10_000 }),
      rateLimit: 'TEN_SECONDLY_ROLLING',
    });
    const [waiting] = await acquireMany(governor, 1);
    clock.advance(9_999);
    await flush();
    expect(waiting?.permit).toBeNull();
    clock.advance(MARGIN + 1);
    await flush();
    expect(waiting?.permit).not.toBeNull();
  });
});

describe('rate governor: search budget', () => {
  it('has its own budget, independent of the burst window', async () => {
    const { clock, governor } = setup({ burstMax: 1, searchMax: 2 });
    const searches = [0, 1, 2].map(() => track(governor.acquire({ lane: 'search' })));
    const standard = track(governor.acquire());
    await flush();
    expect(searches.map((s) => s.permit !== null)).toEqual([true, true, false]);
    expect(standard.permit).not.toBeNull();
    searches[0]?.permit?.settle({ status: 200, headers: {} });
    clock.advance(1_000 + MARGIN);
    await flush();
    expect(searches[2]?.permit).not.toBeNull();
  });

  it('pauses search for a second after a secondly 429 without touching the burst lane', async () => {
    const { clock, governor } = setup({ searchMax: 5 });
    const first = track(governor.acquire({ lane: 'search' }));
    await flush();
    first.permit?.settle({ status: 429, headers: {}, rateLimit: 'SECONDLY' });
    const search = track(governor.acquire({ lane: 'search' }));
    const standard = track(governor.acquire());
    await flush();
    expect(search.permit).toBeNull();
    expect(standard.permit).not.toBeNull();
    clock.advance(1_000);
    await flush();
    expect(search.permit).not.toBeNull();
  });
});

describe('rate governor: daily budget', () => {
  it('stops background calls at 90 % and lets interactive calls use the rest', async () => {
    const { governor } = setup({ burstMax: 1_000, dailyMax: 20 });
    for (let i = 0; i < 18; i++) (await governor.acquire()).settle({ status: 200, headers: {} });

    const refused = await governor.acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HubSpotApiError);
    expect((refused as HubSpotApiError).code).toBe('HUBSPOT_DAILY_BUDGET_RESERVED');

    await governor.acquire({ priority: 'interactive' });
    await governor.acquire({ priority: 'interactive' });
    const exhausted = await governor.acquire({ priority: 'interactive' }).catch((error: unknown) => error);
    expect((exhausted as HubSpotApiError).code).toBe('HUBSPOT_DAILY_LIMIT_REACHED');
    expect(governor.snapshot().daily).toMatchObject({ limit: 20, used: 20, backgroundStopsAt: 18 });
  });

  it('follows the Daily / Daily-Remaining headers', async () => {
    const { governor } = setup({ burstMax: 1_000, dailyMax: null });
    (await governor.acquire()).settle({ status: 200, headers: headers({ daily: 1_000, 'daily-remaining': 50 }) });
    expect(governor.snapshot().daily).toMatchObject({ limit: 1_000, used: 950, backgroundStopsAt: 900 });
    await expect(governor.acquire()).rejects.toMatchObject({ code: 'HUBSPOT_DAILY_BUDGET_RESERVED' });
  });

  it('refuses everything after a DAILY 429 until the next UTC day', async () => {
    const { clock, governor } = setup({ burstMax: 1_000, dailyMax: 250_000 });
    (await governor.acquire()).settle({ status: 429, headers: {}, rateLimit: 'DAILY' });
    await expect(governor.acquire({ priority: 'interactive' })).rejects.toMatchObject({ code: 'HUBSPOT_DAILY_LIMIT_REACHED' });
    clock.advance(24 * 3_600_000);
    await expect(governor.acquire()).resolves.toBeDefined();
  });

  it('has no daily limit for OAuth apps unless headers say so', async () => {
    const clock = new ManualClock();
    const governor = createRateGovernor({ clock, limits: RATE_LIMIT_TIERS['oauth-app'] });
    expect(governor.snapshot().daily.limit).toBeNull();
    expect(governor.snapshot().burst.limit).toBe(110);
  });
});

describe('rate governor: fairness', () => {
  it('serves waiters first come, first served', async () => {
    const { clock, governor } = setup({ burstMax: 1 });
    const order: string[] = [];
    const first = await governor.acquire();
    const waiters = ['a', 'b', 'c'].map((name) =>
      governor.acquire().then((permit) => {
        order.push(name);
        permit.settle({ status: 200, headers: {} });
      }),
    );
    first.settle({ status: 200, headers: {} });
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000 + MARGIN);
      await flush();
    }
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('serves interactive waiters before background ones', async () => {
    const { clock, governor } = setup({ burstMax: 1 });
    const first = await governor.acquire();
    const background = track(governor.acquire({ priority: 'background' }));
    const interactive = track(governor.acquire({ priority: 'interactive' }));
    first.settle({ status: 200, headers: {} });
    clock.advance(1_000 + MARGIN);
    await flush();
    expect(interactive.permit).not.toBeNull();
    expect(background.permit).toBeNull();
  });

  it('wakes only as many waiters as slots freed', async () => {
    const { clock, governor } = setup({ burstMax: 2 });
    const states = await acquireMany(governor, 7);
    states[0]?.permit?.settle({ status: 200, headers: {} });
    states[1]?.permit?.settle({ status: 200, headers: {} });
    clock.advance(1_000 + MARGIN);
    await flush();
    expect(states.filter((s) => s.permit !== null)).toHaveLength(4);
    expect(governor.snapshot().burst.queued).toBe(3);
  });

  it('drops an aborted waiter from the queue', async () => {
    const { clock, governor } = setup({ burstMax: 1 });
    const first = await governor.acquire();
    const controller = new AbortController();
    const aborted = track(governor.acquire({ signal: controller.signal }));
    const next = track(governor.acquire());
    controller.abort();
    await flush();
    expect((aborted.error as HubSpotApiError).code).toBe('HUBSPOT_ABORTED');
    first.settle({ status: 200, headers: {} });
    clock.advance(1_000 + MARGIN);
    await flush();
    expect(next.permit).not.toBeNull();
  });
});

describe('rate governor: one ledger shared by several governors (one per process)', () => {
  function sharing(overrides: Partial<RateLimits> = {}, count = 2) {
    const clock = new ManualClock();
    const ledger = createMemoryRateLedger();
    const governors = Array.from({ length: count }, () =>
      createRateGovernor({ clock, ledger, portalId: 42, limits: limits(overrides), safetyMarginMs: MARGIN }),
    );
    return { clock, ledger, governors };
  }

  it('keeps their calls together within the window, and frees a slot one window after its response', async () => {
    const { clock, governors } = sharing({ burstMax: 3 });
    const [a, b] = governors;
    const fromA = await acquireMany(a!, 2);
    const fromB = await acquireMany(b!, 2);
    expect([...fromA, ...fromB].map((s) => s.permit !== null)).toEqual([true, true, true, false]);

    fromA[0]?.permit?.settle({ status: 200, headers: {} });
    const later = track(b!.acquire()); // b asks again now that a's slot has a known expiry
    clock.advance(1_000 + MARGIN - 1);
    await flush();
    expect(later.permit).toBeNull();
    clock.advance(1);
    await flush();
    // One slot freed: b's first waiter gets it, the next still waits.
    expect(fromB[1]?.permit).not.toBeNull();
    expect(later.permit).toBeNull();
  });

  it('pauses every governor of the portal after a burst 429 seen by one', async () => {
    const { clock, governors } = sharing({ burstMax: 10 });
    const [a, b] = governors;
    // No Remaining header: nothing is booked, so only the pause holds b back (9 slots are free).
    (await a!.acquire()).settle({ status: 429, headers: headers({ 'interval-milliseconds': 1_000 }), rateLimit: 'TEN_SECONDLY_ROLLING' });
    await flush();
    const waiting = track(b!.acquire());
    clock.advance(999);
    await flush();
    expect(waiting.permit).toBeNull();
    clock.advance(1);
    await flush();
    expect(waiting.permit).not.toBeNull();
  });

  it('counts the day once for all of them', async () => {
    const { ledger, governors } = sharing({ burstMax: 1_000, dailyMax: 20 });
    const [a, b] = governors;
    for (let i = 0; i < 10; i++) (await a!.acquire()).settle({ status: 200, headers: {} });
    for (let i = 0; i < 8; i++) (await b!.acquire()).settle({ status: i === 0 ? 500 : 200, headers: {} });
    await expect(a!.acquire()).rejects.toMatchObject({ code: 'HUBSPOT_DAILY_BUDGET_RESERVED' });
    await expect(b!.acquire()).rejects.toMatchObject({ code: 'HUBSPOT_DAILY_BUDGET_RESERVED' });
    expect(await ledger.usage(42, '2026-01-01')).toEqual({ calls: 18, errors: 1, rateLimited: 0 });
  });

  it('refuses every governor of the portal after a DAILY 429 seen by one', async () => {
    const { governors } = sharing({ burstMax: 1_000, dailyMax: 250_000 });
    const [a, b] = governors;
    (await a!.acquire()).settle({ status: 429, headers: {}, rateLimit: 'DAILY' });
    await flush();
    await expect(b!.acquire({ priority: 'interactive' })).rejects.toMatchObject({ code: 'HUBSPOT_DAILY_LIMIT_REACHED' });
  });
});

describe('rate governor: slots reserved ahead (a ledger with prefetch)', () => {
  /** A memory ledger that reserves `prefetch` ahead, counting its reservations and the spares handed back. */
  function prefetching(prefetch: number) {
    const clock = new ManualClock();
    const inner = createMemoryRateLedger();
    const counts = { reservations: 0, returned: 0 };
    const ledger: RateLedger = {
      prefetch,
      reserve: (request) => {
        counts.reservations++;
        return inner.reserve(request);
      },
      release: (request) => {
        if (request.unused) counts.returned++;
        return inner.release(request);
      },
      usage: (portalId, day) => inner.usage(portalId, day),
    };
    const governor = createRateGovernor({ clock, ledger, portalId: 7, limits: limits({ burstMax: 100, dailyMax: 1_000 }), safetyMarginMs: MARGIN });
    return { clock, ledger, governor, counts };
  }

  it('serves calls from the spares without asking the ledger, and keeps them while calls keep coming', async () => {
    const { clock, ledger, governor, counts } = prefetching(4);
    (await governor.acquire()).settle({ status: 200, headers: {} });
    expect(counts.reservations).toBe(1);
    // One call every 600 ms: none waits when the idle check comes, but the spares are wanted.
    for (let i = 0; i < 4; i++) {
      clock.advance(600);
      await flush();
      (await governor.acquire()).settle({ status: 200, headers: {} });
    }
    expect(counts).toEqual({ reservations: 1, returned: 0 });
    expect((await ledger.usage(7, '2026-01-01')).calls).toBe(5);
  });

  it('hands the spares back a second after the last call asked, uncounted', async () => {
    const { clock, ledger, governor, counts } = prefetching(4);
    (await governor.acquire()).settle({ status: 200, headers: {} });
    clock.advance(600);
    await flush();
    (await governor.acquire()).settle({ status: 200, headers: {} });
    clock.advance(999);
    await flush();
    expect(counts.returned).toBe(0);
    clock.advance(1);
    await flush();
    expect(counts.returned).toBe(3);
    expect((await ledger.usage(7, '2026-01-01')).calls).toBe(2);
  });
});

describe('rate governor: primed before the first call', () => {
  it('reserves the first calls\' slots ahead, once, and hands back what no call took', async () => {
    const clock = new ManualClock();
    const inner = createMemoryRateLedger();
    const counts = { reservations: 0, returned: 0 };
    const ledger: RateLedger = {
      prefetch: 2,
      reserve: (request) => {
        counts.reservations++;
        return inner.reserve(request);
      },
      release: (request) => {
        if (request.unused) counts.returned++;
        return inner.release(request);
      },
      usage: (portalId, day) => inner.usage(portalId, day),
    };
    const governor = createRateGovernor({ clock, ledger, portalId: 8, limits: limits({ burstMax: 100 }), safetyMarginMs: MARGIN });
    governor.prime!(5);
    governor.prime!(5); // already under way: no second reservation
    await flush();
    expect(counts.reservations).toBe(1);
    for (let i = 0; i < 3; i++) (await governor.acquire()).settle({ status: 200, headers: {} });
    expect(counts.reservations).toBe(1);
    clock.advance(1_000);
    await flush();
    expect(counts.returned).toBe(2);
    expect((await ledger.usage(8, '2026-01-01')).calls).toBe(3);
  });

  it('does nothing with a ledger that does not reserve ahead', async () => {
    const { governor } = setup({ burstMax: 2 });
    governor.prime!(2);
    await flush();
    expect(governor.snapshot().burst.busy).toBe(0);
    const states = await acquireMany(governor, 3);
    expect(states.map((s) => s.permit !== null)).toEqual([true, true, false]);
  });
});

describe('rate governor registry', () => {
  it('gives every client of a portal the same governor, with limits by tier', () => {
    const registry = createRateGovernorRegistry({ clock: new ManualClock() });
    const pro = registry.forPortal(42, 'pro');
    expect(registry.forPortal(42)).toBe(pro);
    expect(registry.get(42)).toBe(pro);
    expect(registry.forPortal(7, 'enterprise')).not.toBe(pro);
    expect(pro.snapshot()).toMatchObject({ portalId: 42, burst: { limit: 190 }, daily: { limit: 625_000 } });
    expect(registry.forPortal(7).snapshot().daily.limit).toBe(1_000_000);
    expect(registry.snapshots()).toHaveLength(2);
  });
});

describe('rate governor: simulated load against a HubSpot-like rolling window', () => {
  /** Runs promise chains to completion without moving time. */
  const settleMicrotasks = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };

  it('keeps 8 callers at ≥ 95 % of 100 / 10 s with no 429, despite latency either way', async () => {
    const clock = new ManualClock();
    const governor = createRateGovernor({ clock, limits: RATE_LIMIT_TIERS.free });
    // HubSpot's side: counts a request when it arrives, rolling 10 s window, 100 max.
    const arrivals: number[] = [];
    let rejected = 0;
    let accepted = 0;
    const serve = (now: number) => {
      while (arrivals.length > 0 && (arrivals[0] ?? 0) <= now - 10_000) arrivals.shift();
      if (arrivals.length >= 100) {
        rejected += 1;
        return { status: 429, headers: headers({ max: 100, remaining: 0, 'interval-milliseconds': 10_000 }) };
      }
      arrivals.push(now);
      accepted += 1;
      return { status: 200, headers: headers({ max: 100, remaining: 100 - arrivals.length, 'interval-milliseconds': 10_000 }) };
    };
    const acceptedAt: number[] = [];
    let running = true;
    const caller = async (index: number) => {
      while (running) {
        const permit = await governor.acquire();
        await clock.sleep(30 + index); // request travels to HubSpot
        const answer = serve(clock.now());
        if (answer.status === 200) acceptedAt.push(clock.now());
        await clock.sleep(40); // response travels back
        permit.settle(answer.status === 429 ? { ...answer, rateLimit: 'TEN_SECONDLY_ROLLING' } : answer);
      }
    };
    const start = clock.now();
    const callers = Array.from({ length: 8 }, (_, i) => caller(i));
    for (let t = 0; t < 60_000; t += 5) {
      clock.advance(5);
      await settleMicrotasks();
    }
    running = false;
    for (let t = 0; t < 20_000; t += 5) {
      clock.advance(5);
      await settleMicrotasks();
    }
    await Promise.all(callers);

    expect(rejected).toBe(0);
    const steady = acceptedAt.filter((at) => at > start + 10_000 && at <= start + 60_000).length;
    expect(steady / 5).toBeGreaterThanOrEqual(95); // per 10 s over the last 50 s
    expect(accepted).toBeGreaterThan(500);
  });
});
