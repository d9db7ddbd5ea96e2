// Splits a method's options object into API parameters and per-call options.

import type { CallOptions } from './http-transport.js';

export function pickCallOptions(options: CallOptions | undefined): CallOptions {
  if (options === undefined) return {};
  const out: CallOptions = {};
  if (options.signal !== undefined) out.signal = options.signal;
  if (options.priority !== undefined) out.priority = options.priority;
  if (options.tag !== undefined) out.tag = options.tag;
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  return out;
}
