// Parses JSON request bodies. Stricter than Fastify's default parser in two ways that matter
// to callers: bytes that are not UTF-8 are refused instead of turning into U+FFFD, and keys
// that could reach an object's prototype when merged (`__proto__`, `constructor.prototype`) are
// refused with a message naming the key and where it was, instead of "not valid JSON".
import { AppError } from '../lib/index.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A path like `customers.3.custom` for messages; the body itself is ``. */
function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The first prototype-reaching key in `value`, walked without recursion (nesting can be deep). */
export function findForbiddenKey(value: unknown): { key: string; path: string } | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: join(path, String(i)) });
      continue;
    }
    const object = current as Record<string, unknown>;
    // JSON.parse makes `__proto__` an own data property, so Object.keys sees it.
    for (const key of Object.keys(object)) {
      if (key === '__proto__') return { key: '__proto__', path: join(path, key) };
      const child = object[key];
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
        return { key: 'constructor.prototype', path: join(join(path, key), 'prototype') };
      }
      stack.push({ value: child, path: join(path, key) });
    }
  }
  return undefined;
}

/** Decodes and parses a JSON request body; every refusal is a 400 AppError. */
export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new AppError('INVALID_JSON', 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new AppError('INVALID_JSON', 'The request body is empty but Content-Type says JSON.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', 'The request body is not valid JSON.');
  }
  const forbidden = findForbiddenKey(value);
  if (forbidden) {
    throw new AppError('VALIDATION_FAILED', `${forbidden.path}: the key "${forbidden.key}" is not allowed in a request body.`, { field: forbidden.path, key: forbidden.key });
  }
  return value;
}
