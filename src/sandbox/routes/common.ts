// Helpers every route module shares: object type and scope resolution, query parsing, batch
// input checks and the write source recorded in property history.

import type { Caller } from '../auth.js';
import { batchLimitError, validationError } from '../hubspot-errors.js';
import type { WriteSource } from '../object-store.js';
import { assertReadableValues } from '../property-input.js';
import { parseObjectType, type ObjectType } from '../types.js';

export const BATCH_MAX = 100;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object type named in a path, or HubSpot's 400 for a name it cannot infer. */
export function objectTypeParam(raw: string | undefined): ObjectType {
  const type = raw === undefined ? undefined : parseObjectType(raw);
  if (!type) throw validationError(`Unable to infer object type from: ${raw ?? ''}`);
  return type;
}

/** Notes are engagements: HubSpot guards them with the contacts scopes hubsync already holds. */
export function objectScope(raw: string | undefined, access: 'read' | 'write'): string | undefined {
  const type = raw === undefined ? undefined : parseObjectType(raw);
  if (!type) return undefined;
  return `crm.objects.${type === 'notes' ? 'contacts' : type}.${access}`;
}

export function schemaScope(raw: string | undefined, access: 'read' | 'write'): string | undefined {
  const type = raw === undefined ? undefined : parseObjectType(raw);
  if (!type) return undefined;
  return `crm.schemas.${type === 'notes' ? 'contacts' : type}.${access}`;
}

/** `properties=a,b` and `properties=a&properties=b` both work, as in HubSpot. */
export function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const all = query.getAll(name);
  if (all.length === 0) return undefined;
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map((x) => String(x)) : undefined;
}

export function boolParam(query: URLSearchParams, name: string): boolean {
  return query.get(name) === 'true';
}

/** `limit`: decimal digits only (`0x10`, `1e2` or ` 5` are refused), at least 1, capped at `max`. */
export function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1)) throw validationError(`limit must be a positive integer, got ${raw}.`);
  return Math.min(n, max);
}

/** `after`: the cursor a previous page's `paging.next.after` gave (an id or offset: digits). */
export function afterParam(query: URLSearchParams): number {
  const raw = query.get('after');
  if (raw === null || raw === '') return 0;
  if (!/^\d{1,15}$/.test(raw)) throw validationError(`after must be a cursor from paging.next.after, got ${raw}.`);
  return Number(raw);
}

/** The `inputs` array of a batch body, with HubSpot's 100-input ceiling. */
export function batchInputs(body: unknown, max = BATCH_MAX): Record<string, unknown>[] {
  const inputs = isRecord(body) ? body['inputs'] : undefined;
  if (!Array.isArray(inputs)) throw validationError('The request body needs an inputs array.');
  if (inputs.length > max) throw batchLimitError(max);
  // A value HubSpot cannot read as text fails the whole request, as HubSpot's JSON reading does.
  inputs.forEach((input, i) => {
    if (isRecord(input) && isRecord(input['properties'])) assertReadableValues(input['properties'], `inputs[${i}].properties`);
  });
  return inputs.map((i) => (isRecord(i) ? i : {}));
}

export function writeSource(caller: Caller): WriteSource {
  return { sourceType: 'INTEGRATION', sourceId: String(caller.appId) };
}

export function timestamps(startedAt: number, completedAt: number): { startedAt: string; completedAt: string } {
  return { startedAt: new Date(startedAt).toISOString(), completedAt: new Date(completedAt).toISOString() };
}
