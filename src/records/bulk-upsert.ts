// Creating or updating many records keyed by the host app's externalId, each item standing
// alone: an invalid item is reported by index and skipped, the valid ones are saved. The
// record type supplies how to build a new record and how to apply an item to an existing one;
// this loop owns the externalId rules (valid text, required unless asked otherwise, once per
// request) shared by customers, deals and the CSV imports.
import { validateExternalId } from './text-rules.js';
import type { FieldProblem } from './field-problems.js';

export type UpsertItemResult =
  | { index: number; externalId: string; status: 'created' | 'updated' | 'unchanged'; id: string }
  | { index: number; externalId: string | null; status: 'error'; error: { code: 'VALIDATION_FAILED'; message: string; problems: FieldProblem[] } };

export type Built = { ok: true; id: string } | { ok: false; problems: FieldProblem[] };
export type Applied = { ok: true; changed: boolean } | { ok: false; problems: FieldProblem[] };

export interface UpsertSteps<R extends { id: string }> {
  /** The live records already holding the request's externalIds. */
  existing: Map<string, R>;
  createWithoutExternalId?: boolean | undefined;
  /** Validates and queues a new record; returns its id. */
  create(item: Record<string, unknown>): Built | Promise<Built>;
  /** Validates and applies the item to an existing record. */
  update(current: R, item: Record<string, unknown>): Applied | Promise<Applied>;
}

export async function upsertByExternalId<R extends { id: string }>(items: Record<string, unknown>[], steps: UpsertSteps<R>): Promise<UpsertItemResult[]> {
  const results: UpsertItemResult[] = [];
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    const externalId = typeof item['externalId'] === 'string' ? item['externalId'] : '';
    const fail = (problems: FieldProblem[]) =>
      results.push({
        index,
        externalId: externalId || null,
        status: 'error',
        error: { code: 'VALIDATION_FAILED', message: `${problems[0]!.field} ${problems[0]!.message}`, problems },
      });
    const idCheck = validateExternalId(item['externalId']);
    if (!idCheck.ok) {
      fail([{ field: 'externalId', message: idCheck.message }]);
      continue;
    }
    if (!externalId && !steps.createWithoutExternalId) {
      fail([{ field: 'externalId', message: 'is required for an upsert' }]);
      continue;
    }
    if (externalId && seen.has(externalId)) {
      fail([{ field: 'externalId', message: `appears more than once in this request` }]);
      continue;
    }
    if (externalId) seen.add(externalId);
    const current = externalId ? steps.existing.get(externalId) : undefined;
    if (!current) {
      const built = await steps.create(item);
      if (built.ok) results.push({ index, externalId, status: 'created', id: built.id });
      else fail(built.problems);
      continue;
    }
    const applied = await steps.update(current, item);
    if (!applied.ok) fail(applied.problems);
    else results.push({ index, externalId, status: applied.changed ? 'updated' : 'unchanged', id: current.id });
  }
  return results;
}

/** The answer of a bulk upsert: counts per outcome, and the result of every item. */
export function upsertSummary(results: UpsertItemResult[]) {
  const count = (status: UpsertItemResult['status']) => results.filter((r) => r.status === status).length;
  return { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('error'), results };
}
