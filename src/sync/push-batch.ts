// One batch of records of one object type, sent to HubSpot with an outcome per record: records
// that have a HubSpot id (or that the adapter matched to one) are updated by id — only their
// changed properties when the engine worked those out (PushItem `changed`), and without a call
// when none changed — the others upserted by the adapter's key property — or, for types created
// rather than upserted (notes), created with their associations after the attempt was journaled.
// HubSpot refusing one input fails a whole batch call; the inputs its message names are set
// aside (else the batch is split in halves) and the rest resent, so one bad record never blocks
// its 99 neighbours. Errors that concern the connection, not a record, are thrown: the run stops.
import { isHubSpotApiError, type HubSpotApiError, type ObjectsApi } from '../hubspot/index.js';
import type { AssociationContext, ObjectAdapter, PushItem } from './objects/index.js';
import { isRunFatal } from './run-fatal.js';

export type { PushItem } from './objects/index.js';

export const BATCH_SIZE = 100;


export type ItemOutcome =
  | { kind: 'success'; hubspotId: string; operation: 'create' | 'update'; correlationId?: string | undefined }
  /** `hubspotId`: HubSpot holds the record although the attempt failed (its associations did not go through). */
  | { kind: 'failure'; message: string; correlationId?: string | undefined; hubspotId?: string };

/** Which inputs a batch-level validation error is about: those holding a value it names. */
export function inputsNamedByError(items: PushItem[], error: { message: string; validation: { name: string; message: string }[] }): Set<number> {
  const hit = new Set<number>();
  const haystacks = [error.message, ...error.validation.map((v) => v.message)].map((m) => m.toLowerCase());
  items.forEach((item, index) => {
    const names = error.validation.length > 0 ? error.validation.map((v) => v.name) : Object.keys(item.properties);
    for (const name of names) {
      const value = item.properties[name];
      if (value && value.length >= 3 && haystacks.some((h) => h.includes(value.toLowerCase()))) hit.add(index);
    }
  });
  return hit;
}

function errorMessage(error: HubSpotApiError): string {
  const details = error.validationErrors.map((v) => v.message).filter(Boolean);
  return details.length > 0 ? details.join('; ') : (error.hubspotMessage ?? error.message);
}


/**
 * Sends one batch and returns an outcome per item, isolating records HubSpot refuses. Values
 * the adapter knows HubSpot refuses fail here with its reason and are not sent: one such input
 * would fail the whole batch and cost a retry.
 */
export async function pushBatch(context: AssociationContext, adapter: ObjectAdapter, items: PushItem[], at: number): Promise<ItemOutcome[]> {
  const batch = new BatchSender(context.client.objects(adapter.objectType), adapter, context.tag);
  const outcomes: ItemOutcome[] = new Array(items.length);
  const sendable: { item: PushItem; i: number }[] = [];
  items.forEach((item, i) => {
    const keyless = item.record.hubspotId === null && !item.properties[adapter.key.property];
    const refused = keyless ? `This ${adapter.noun} has no ${adapter.key.property} to find it by in HubSpot (not sent).` : (adapter.refusal?.(item.properties, item.record.record) ?? null);
    if (refused === null) sendable.push({ item, i });
    else outcomes[i] = { kind: 'failure', message: refused };
  });
  let creates = sendable.filter((x) => x.item.record.hubspotId === null);
  const updates = sendable.filter((x) => x.item.record.hubspotId !== null);
  if (creates.length > 0 && adapter.match) {
    // Records HubSpot already holds (found by the adapter) are linked by an update, not created.
    const matched = await adapter.match(context, creates.map((x) => x.item));
    for (const x of creates) {
      const hubspotId = matched.get(x.item.record.id);
      if (hubspotId !== undefined) updates.push({ i: x.i, item: { ...x.item, record: { ...x.item.record, hubspotId } } });
    }
    creates = creates.filter((x) => !matched.has(x.item.record.id));
  }
  if (creates.length > 0) {
    const items = creates.map((x) => x.item);
    if (adapter.creates === 'create') await adapter.beginCreates?.(context.db, context.workspaceId, items.map((item) => item.record.id), at);
    const results = adapter.creates === 'create' ? await batch.create(items) : await batch.upsert(items);
    results.forEach((r, k) => (outcomes[creates[k]!.i] = r));
  }
  // Nothing differs from what HubSpot was last sent or pulled from: no call, and nothing to fail.
  const changed = updates.filter((x) => {
    const unchanged = x.item.changed !== null && Object.keys(x.item.changed).length === 0;
    if (unchanged) outcomes[x.i] = { kind: 'success', hubspotId: x.item.record.hubspotId!, operation: 'update' };
    return !unchanged;
  });
  if (changed.length > 0) {
    const results = await batch.update(changed.map((x) => x.item));
    results.forEach((r, k) => (outcomes[changed[k]!.i] = r));
  }
  return outcomes;
}

class BatchSender {
  readonly #notReturned: string;

  constructor(
    private readonly api: ObjectsApi,
    private readonly adapter: ObjectAdapter,
    private readonly tag: string,
  ) {
    this.#notReturned = `HubSpot did not return this ${adapter.noun} in the batch result.`;
  }

  /** Upsert by the adapter's key. A whole-batch refusal is narrowed to the inputs it names, else bisected. */
  async upsert(items: PushItem[]): Promise<ItemOutcome[]> {
    if (items.length === 0) return [];
    const { property } = this.adapter.key;
    try {
      const result = await this.api.batchUpsert(
        items.map((item) => ({ idProperty: property, id: item.properties[property]!, properties: item.properties })),
        { tag: this.tag },
      );
      return this.#byKey(items, result, (hit) => (hit.new ? 'create' : 'update'));
    } catch (error) {
      return this.#isolate(error, items, (subset) => this.upsert(subset));
    }
  }

  /** Batch create with the adapter's inline associations; results are mapped back by the key's value, as for upserts. */
  async create(items: PushItem[]): Promise<ItemOutcome[]> {
    if (items.length === 0) return [];
    try {
      const result = await this.api.batchCreate(
        items.map((item) => ({ properties: item.properties, associations: this.adapter.inlineAssociations?.(item.record.record) ?? [] })),
        { tag: this.tag },
      );
      return this.#byKey(items, result, () => 'create');
    } catch (error) {
      return this.#isolate(error, items, (subset) => this.create(subset));
    }
  }

  /** Each item's outcome in an upsert's or create's answer, found by the key's value in the results or the errors. */
  #byKey<R extends { id: string; properties: Record<string, string | null> }>(
    items: PushItem[],
    result: { results: readonly R[]; errors: readonly { message: string }[] },
    operation: (hit: R) => 'create' | 'update',
  ): ItemOutcome[] {
    const { property, normalize } = this.adapter.key;
    const byKey = new Map(result.results.map((r) => [normalize(String(r.properties[property] ?? '')), r]));
    return items.map((item): ItemOutcome => {
      const key = normalize(item.properties[property]!);
      const hit = byKey.get(key);
      if (hit) return { kind: 'success', hubspotId: hit.id, operation: operation(hit) };
      const error = result.errors.find((e) => normalize(JSON.stringify(e)).includes(key));
      return { kind: 'failure', message: error?.message ?? this.#notReturned };
    });
  }

  async update(items: PushItem[]): Promise<ItemOutcome[]> {
    if (items.length === 0) return [];
    try {
      const result = await this.api.batchUpdate(
        items.map((item) => ({ id: item.record.hubspotId!, properties: item.changed ?? item.properties })),
        { tag: this.tag },
      );
      const byId = new Map(result.results.map((r) => [r.id, r]));
      const outcomes = items.map((item): ItemOutcome | 'gone' => {
        const id = item.record.hubspotId!;
        if (byId.has(id)) return { kind: 'success', hubspotId: id, operation: 'update' };
        const error = result.errors.find((e) => JSON.stringify(e).includes(id));
        // The linked record no longer exists (deleted in HubSpot): find or create it by its key,
        // with all its properties.
        if (error?.category === 'OBJECT_NOT_FOUND') return 'gone';
        return { kind: 'failure', message: error?.message ?? this.#notReturned };
      });
      const gone = items.filter((_, i) => outcomes[i] === 'gone');
      const relinked = this.adapter.creates === 'create' ? await this.create(gone) : await this.upsert(gone);
      let k = 0;
      return outcomes.map((o) => (o === 'gone' ? relinked[k++]! : o));
    } catch (error) {
      return this.#isolate(error, items, (subset) => this.update(subset));
    }
  }

  async #isolate(error: unknown, items: PushItem[], retry: (subset: PushItem[]) => Promise<ItemOutcome[]>): Promise<ItemOutcome[]> {
    if (isRunFatal(error) || !isHubSpotApiError(error)) throw error;
    // Transient trouble outlasted the client's retries: these records end as errors this run.
    if (error.retryable || error.status === undefined || error.status >= 500 || error.status === 429) {
      return items.map(() => ({ kind: 'failure', message: `HubSpot did not accept the batch after retries: ${error.hubspotMessage ?? error.message}`, correlationId: error.correlationId }));
    }
    if (items.length === 1) return [{ kind: 'failure', message: errorMessage(error), correlationId: error.correlationId }];
    const named = inputsNamedByError(items, { message: error.hubspotMessage ?? '', validation: [...error.validationErrors] });
    const outcomes: ItemOutcome[] = new Array(items.length);
    if (named.size > 0 && named.size < items.length) {
      for (const i of named) outcomes[i] = { kind: 'failure', message: errorMessage(error), correlationId: error.correlationId };
      const rest = items.map((item, i) => ({ item, i })).filter((x) => !named.has(x.i));
      const results = await retry(rest.map((x) => x.item));
      results.forEach((r, k) => (outcomes[rest[k]!.i] = r));
      return outcomes;
    }
    // HubSpot did not say which input it refused: split the batch until it does.
    const middle = Math.ceil(items.length / 2);
    return [...(await retry(items.slice(0, middle))), ...(await retry(items.slice(middle)))];
  }
}
