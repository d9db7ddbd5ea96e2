// Fault injection decisions, pure over an injected random source: which (if any) fault hits a
// request, and how much latency it gets. One draw per request picks among the faults by their
// probabilities, so the total chance is their sum and a seeded source replays exactly.

import { FAULT_KEYS, type FaultKey, type FaultSettings, type Latency } from './types.js';

export function pickFault(faults: FaultSettings, random: () => number): FaultKey | undefined {
  const draw = random();
  let edge = 0;
  for (const key of FAULT_KEYS) {
    const p = faults[key] ?? 0;
    if (p <= 0) continue;
    edge += p;
    if (draw < edge) return key;
  }
  return undefined;
}

export function pickLatency(latency: Latency | undefined, random: () => number): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return Math.max(0, latency);
  const [min, max] = latency;
  return Math.max(0, Math.round(min + (max - min) * random()));
}

/** Parses `429=0.02,500=0.01,timeout=0.005` (the CLI and control API form). */
export function parseFaults(text: string): FaultSettings {
  const faults: FaultSettings = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=');
    if (!key || value === undefined || !(FAULT_KEYS as readonly string[]).includes(key)) {
      throw new Error(`Unknown fault "${part}". Use ${FAULT_KEYS.join(', ')} with a probability, e.g. 500=0.01.`);
    }
    faults[key as FaultKey] = checkProbability(Number(value), key);
  }
  return faults;
}

export function checkFaults(input: Record<string, unknown>): FaultSettings {
  const faults: FaultSettings = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(FAULT_KEYS as readonly string[]).includes(key)) {
      throw new Error(`Unknown fault "${key}". Use one of ${FAULT_KEYS.join(', ')}.`);
    }
    faults[key as FaultKey] = checkProbability(Number(value), key);
  }
  const total = Object.values(faults).reduce((a, b) => a + b, 0);
  if (total > 1) throw new Error(`Fault probabilities add up to ${total}, more than 1.`);
  return faults;
}

function checkProbability(p: number, key: string): number {
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new Error(`Fault ${key} needs a probability between 0 and 1.`);
  return p;
}

/** Parses `50` or `50-200` (milliseconds). */
export function parseLatency(text: string): Latency {
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(text.trim());
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    if (max < min) throw new Error(`Latency range ${text} has its maximum below its minimum.`);
    return [min, max];
  }
  const fixed = Number(text);
  if (!Number.isFinite(fixed) || fixed < 0) throw new Error(`Latency "${text}" is not a number of milliseconds or a range like 50-200.`);
  return fixed;
}

/** A small seeded generator (mulberry32) for repeatable fault runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
