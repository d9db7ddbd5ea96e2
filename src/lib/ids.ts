// Identifiers: a short type prefix plus a time-ordered body, so ids sort by creation time
// (cursor pagination relies on that) and say what they point at when read in a log.
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

let lastTime = 0;
let sequence = 0;

/**
 * The random part of ids is cut from a pool filled 4 KiB at a time: ids are made by the hundred
 * (a pushed batch's attempts), and a `randomBytes` call per id cost more than the rest of it.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let pooled = 0;

function randomHex(bytes: number): string {
  if (pooled + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    pooled = 0;
  }
  pooled += bytes;
  return pool.toString('hex', pooled - bytes, pooled);
}

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * A new id such as `cus_01jc8z6m4k7p2q9r8s`. Ids made in the same millisecond keep their order
 * thanks to a per-process sequence number.
 */
export function newId(prefix: string, clock: Clock = systemClock): string {
  const now = clock.now();
  if (now === lastTime) sequence++;
  else {
    lastTime = now;
    sequence = 0;
  }
  const seq = sequence.toString(32).padStart(4, '0');
  const random = randomHex(6);
  return `${prefix}_${encodeTime(now)}${seq}${random}`;
}

/** A random secret with a readable prefix, e.g. `hsk_…` for API keys. */
export function newSecret(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}
