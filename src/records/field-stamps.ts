// Per-field timestamps for any record type: applying a partial change stamps with `now` only the
// fields whose value really changed, leaving the others' timestamps alone (the per-field
// history two-way sync needs). Custom values are stamped as `custom.<key>`.

export type CustomValues = Record<string, string | number | boolean | string[]>;

/** A partial change: only the keys present are touched; null clears. */
export interface RecordPatch<V> {
  values: Partial<V>;
  custom: Record<string, CustomValues[string] | null>;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function applyFieldChanges<V extends { custom: CustomValues }>(
  current: V,
  fieldUpdatedAt: Record<string, number>,
  patch: RecordPatch<Omit<V, 'custom'>>,
  now: number,
): { values: V; fieldUpdatedAt: Record<string, number>; changed: string[] } {
  const values: V = { ...current, custom: { ...current.custom } };
  const stamps = { ...fieldUpdatedAt };
  const changed: string[] = [];
  for (const [key, value] of Object.entries(patch.values)) {
    if (sameValue((current as Record<string, unknown>)[key], value)) continue;
    (values as Record<string, unknown>)[key] = value;
    stamps[key] = now;
    changed.push(key);
  }
  for (const [key, value] of Object.entries(patch.custom)) {
    if (sameValue(current.custom[key], value)) continue;
    if (value === null) delete values.custom[key];
    else values.custom[key] = value;
    stamps[`custom.${key}`] = now;
    changed.push(`custom.${key}`);
  }
  return { values, fieldUpdatedAt: stamps, changed };
}
