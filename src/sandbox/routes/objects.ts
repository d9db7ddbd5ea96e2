// CRM objects v3: single and batch reads and writes, list paging, search and merge for
// contacts, companies, deals and notes.
//
// Batch failure modes (decided from HUBSPOT-API.md, documented in docs/sandbox.md):
// - batch/create fails whole on the first invalid input or email conflict (400/409), unless
//   the inputs carry `objectWriteTraceId`: then bad inputs land in a 207's `errors`.
// - batch/read answers 207 listing missing ids; batch/archive always 204.
// - batch/update answers 207: failing inputs in `errors`, the rest applied.
// - batch/upsert with idProperty=email fails whole (HubSpot does not do partial upserts by
//   email); with a unique custom property it answers 207 like update. hs_object_id is not a
//   unique property: as idProperty of batch update/upsert it is refused whole (400).

import {
  applyValues,
  archiveRecord,
  assertEmailFree,
  assertUniqueFree,
  checkValues,
  createRecord,
  insertRecord,
  mergeRecords,
  parseAssociations,
  renderRecord,
  writeResponseNames,
  type RenderedRecord,
} from '../crm-service.js';
import { DEFAULT_RETURNED, createdProperty, lastModifiedProperty, type PropertyType } from '../default-properties.js';
import { ApiError, nonUniqueIdPropertyError, notFoundError, propertyValuesError, validationError, type ErrorBody } from '../hubspot-errors.js';
import { propertyValue, type CrmRecord, type ObjectStore } from '../object-store.js';
import type { Portal } from '../portal.js';
import type { AuthedRequest, Reply, Route } from '../router.js';
import { compareForSort, matchesGroups, matchesQuery, parseSearchRequest, SEARCH_RESULT_CAP } from '../search.js';
import type { SandboxState } from '../state.js';
import { ASSOCIATION_TYPES } from '../associations.js';
import { OBJECT_TYPE_IDS, OBJECT_TYPE_LABELS, parseObjectType, type ObjectType } from '../types.js';
import {
  afterParam,
  batchInputs,
  boolParam,
  isRecord,
  limitParam,
  listParam,
  objectScope,
  objectTypeParam,
  stringList,
  timestamps,
  writeSource,
} from './common.js';

const SEARCHABLE_TEXT: Record<ObjectType, readonly string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company', 'hs_additional_emails'],
  companies: ['name', 'domain', 'website', 'phone'],
  deals: ['dealname'],
  notes: ['hs_note_body'],
};

function findById(portal: Portal, type: ObjectType, id: string, idProperty: string | null): CrmRecord | undefined {
  const store = portal.objects[type];
  if (!idProperty || idProperty === 'hs_object_id') return store.resolve(id);
  if (idProperty === 'email' && type === 'contacts') return store.findByEmail(id);
  const def = portal.properties[type].get(idProperty);
  if (!def || def.archived || !def.hasUniqueValue) throw nonUniqueIdPropertyError(OBJECT_TYPE_IDS[type], idProperty, portal.portalId);
  return store.findByProperty(idProperty, id);
}

function batchError(category: string, message: string, context: Record<string, string[]>, extra: ErrorBody = {}): ErrorBody {
  return { status: 'error', category, message, context, ...extra };
}

function errorEntry(err: ApiError, context: Record<string, string[]>): ErrorBody {
  const { status: _status, correlationId: _cid, ...rest } = err.body;
  return { status: 'error', ...rest, context };
}

function batchReply(status: number, results: unknown[], errors: ErrorBody[], started: number, now: number): Reply {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, ...timestamps(started, now) };
  if (errors.length > 0) {
    body['numErrors'] = errors.length;
    body['errors'] = errors;
  }
  return { status: errors.length > 0 ? 207 : status, body };
}

function traceContext(input: Record<string, unknown>, fallbackId?: string): Record<string, string[]> {
  const trace = input['objectWriteTraceId'];
  if (trace !== undefined) return { objectWriteTraceId: [String(trace)] };
  return fallbackId === undefined ? {} : { ids: [fallbackId] };
}

export function objectRoutes(state: SandboxState): Route[] {
  const now = () => state.clock.now();

  const list = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const withHistory = listParam(req.query, 'propertiesWithHistory');
    const limit = limitParam(req.query, 10, withHistory ? 50 : 100);
    const after = afterParam(req.query);
    const page = req.portal.objects[type].list(after, limit, boolParam(req.query, 'archived'));
    const properties = listParam(req.query, 'properties');
    const assoc = listParam(req.query, 'associations');
    const results = page.records.map((r) => withAssociations(req.portal, type, r, renderRecord(req.portal, type, r, properties, withHistory), assoc));
    const body: Record<string, unknown> = { results };
    if (page.next !== undefined) {
      const link = new URLSearchParams(req.query);
      link.set('after', page.next);
      body['paging'] = { next: { after: page.next, link: `${req.path}?${link.toString()}` } };
    }
    return { status: 200, body };
  };

  const getOne = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const record = findById(req.portal, type, req.params['id']!, req.query.get('idProperty'));
    const archived = boolParam(req.query, 'archived');
    if (!record || record.archived !== archived) throw notFoundError();
    const props = listParam(req.query, 'properties');
    const rendered = renderRecord(req.portal, type, record, props, listParam(req.query, 'propertiesWithHistory'));
    return { status: 200, body: withAssociations(req.portal, type, record, rendered, listParam(req.query, 'associations')) };
  };

  const create = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const body = isRecord(req.body) ? req.body : {};
    const record = createRecord(state.crm, req.portal, type, body['properties'], body['associations'], writeSource(req.caller));
    const sent = isRecord(body['properties']) ? body['properties'] : {};
    return { status: 201, body: renderWrite(req.portal, type, record, Object.keys(sent)) };
  };

  const update = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const record = findById(req.portal, type, req.params['id']!, req.query.get('idProperty'));
    if (!record || record.archived) throw notFoundError();
    const body = isRecord(req.body) ? req.body : {};
    const values = checkValues(req.portal, type, body['properties'], record);
    applyValues(state.crm, req.portal, type, record, values, writeSource(req.caller));
    return { status: 200, body: renderWrite(req.portal, type, record, Object.keys(values), values) };
  };

  const archiveOne = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const record = req.portal.objects[type].resolve(req.params['id']!);
    if (record) archiveRecord(state.crm, req.portal, type, record, writeSource(req.caller));
    return { status: 204 };
  };

  const batchRead = (req: AuthedRequest): Reply => {
    const started = now();
    const type = objectTypeParam(req.params['type']);
    const body = isRecord(req.body) ? req.body : {};
    const withHistory = stringList(body['propertiesWithHistory']);
    const inputs = batchInputs(req.body, withHistory && withHistory.length > 0 ? 50 : 100);
    const idProperty = typeof body['idProperty'] === 'string' ? body['idProperty'] : null;
    const archived = body['archived'] === true || req.query.get('archived') === 'true';
    const properties = stringList(body['properties']);
    const results: RenderedRecord[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = String(input['id'] ?? '');
      const record = findById(req.portal, type, id, idProperty);
      if (!record || record.archived !== archived) {
        missing.push(id);
        continue;
      }
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      results.push(renderRecord(req.portal, type, record, properties && properties.length > 0 ? properties : undefined, withHistory));
    }
    const errors =
      missing.length === 0
        ? []
        : [
            batchError(
              'OBJECT_NOT_FOUND',
              `Could not get some ${OBJECT_TYPE_LABELS[type]} objects, they may be deleted or not exist. Check that ids are valid.`,
              { ids: missing },
            ),
          ];
    return batchReply(200, results, errors, started, now());
  };

  const batchCreate = (req: AuthedRequest): Reply => {
    const started = now();
    const type = objectTypeParam(req.params['type']);
    const inputs = batchInputs(req.body);
    const partial = inputs.some((i) => i['objectWriteTraceId'] !== undefined);
    const source = writeSource(req.caller);
    const errors: ErrorBody[] = [];
    const accepted: { values: Record<string, string>; links: ReturnType<typeof parseAssociations>; sent: string[] }[] = [];
    const emailsInBatch = new Map<string, number>();
    const uniqueInBatch = new UniqueTracker(req.portal, type);
    for (const input of inputs) {
      try {
        const values = checkValues(req.portal, type, input['properties']);
        if (type === 'notes' && !values['hs_timestamp']) throw requiredTimestamp();
        if (type === 'contacts' && values['email']) {
          assertEmailFree(req.portal, values['email']);
          const key = values['email'].toLowerCase();
          if (emailsInBatch.has(key)) throw validationError(`Duplicate IDs found in batch input: [${values['email']}]`);
          emailsInBatch.set(key, accepted.length);
        }
        assertUniqueFree(req.portal, type, values);
        uniqueInBatch.claim(values, undefined);
        const links = parseAssociations(req.portal, type, input['associations']);
        accepted.push({ values, links, sent: isRecord(input['properties']) ? Object.keys(input['properties']) : [] });
      } catch (err) {
        if (!(err instanceof ApiError) || !partial) throw err;
        errors.push(errorEntry(err, traceContext(input)));
      }
    }
    const results = accepted.map(({ values, links, sent }) =>
      renderWrite(req.portal, type, insertRecord(state.crm, req.portal, type, values, links, source), sent),
    );
    return batchReply(201, results, errors, started, now());
  };

  const batchUpdate = (req: AuthedRequest): Reply => {
    const started = now();
    const type = objectTypeParam(req.params['type']);
    const inputs = batchInputs(req.body);
    const idProperty = isRecord(req.body) && typeof req.body['idProperty'] === 'string' ? req.body['idProperty'] : null;
    // `id` is the record id unless idProperty names a unique property; naming hs_object_id is
    // refused by HubSpot as a non-unique property.
    for (const named of [idProperty, ...inputs.map((i) => (i['idProperty'] === undefined ? null : String(i['idProperty'])))]) {
      if (named === 'hs_object_id') throw nonUniqueIdPropertyError(OBJECT_TYPE_IDS[type], named, req.portal.portalId);
    }
    assertNoDuplicates(inputs.map((i) => String(i['id'] ?? '')));
    const source = writeSource(req.caller);
    const results: RenderedRecord[] = [];
    const errors: ErrorBody[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      const id = String(input['id'] ?? '');
      const record = findById(req.portal, type, id, input['idProperty'] === undefined ? idProperty : String(input['idProperty']));
      if (!record || record.archived) {
        missing.push(id);
        continue;
      }
      try {
        const values = checkValues(req.portal, type, input['properties'], record);
        applyValues(state.crm, req.portal, type, record, values, source);
        results.push(renderWrite(req.portal, type, record, Object.keys(values), values));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        errors.push(errorEntry(err, traceContext(input, id)));
      }
    }
    if (missing.length > 0) {
      errors.unshift(
        batchError('OBJECT_NOT_FOUND', `Could not get some ${OBJECT_TYPE_LABELS[type]} objects, they may be deleted or not exist. Check that ids are valid.`, { ids: missing }),
      );
    }
    return batchReply(200, results, errors, started, now());
  };

  const batchUpsert = (req: AuthedRequest): Reply => {
    const started = now();
    const type = objectTypeParam(req.params['type']);
    const inputs = batchInputs(req.body);
    const source = writeSource(req.caller);
    const idProps = new Set(inputs.map((i) => String(i['idProperty'] ?? '')));
    if (idProps.size > 1) throw validationError('All inputs of a batch upsert must use the same idProperty.');
    const idProperty = [...idProps][0] ?? '';
    if (!idProperty) throw validationError('Each upsert input needs an idProperty.');
    const byEmail = idProperty === 'email' && type === 'contacts';
    const idDef = req.portal.properties[type].get(idProperty);
    // hs_object_id is the record id, not a unique property: HubSpot refuses it as idProperty.
    if (!byEmail && (!idDef || idDef.archived || !idDef.hasUniqueValue || idProperty === 'hs_object_id')) {
      throw nonUniqueIdPropertyError(OBJECT_TYPE_IDS[type], idProperty, req.portal.portalId);
    }
    const uniqueInBatch = new UniqueTracker(req.portal, type);
    assertNoDuplicates(inputs.map((i) => (byEmail ? String(i['id'] ?? '').toLowerCase() : String(i['id'] ?? ''))));

    type Plan = { input: Record<string, unknown>; id: string; record: CrmRecord | undefined; values: Record<string, string> };
    const plans: Plan[] = [];
    const errors: ErrorBody[] = [];
    if (inputs.some((i) => i['associations'] !== undefined)) {
      // HubSpot's upsert input has no associations; refusing them keeps code that relies on
      // them from passing here and silently losing them against HubSpot.
      throw validationError('Batch upsert inputs take idProperty, id, properties and objectWriteTraceId; associations are not supported here — create them with associations v4.');
    }
    for (const input of inputs) {
      const id = String(input['id'] ?? '');
      try {
        const record = findById(req.portal, type, id, idProperty);
        const live = record && !record.archived ? record : undefined;
        const sent = isRecord(input['properties']) ? { ...input['properties'] } : {};
        if (!live && sent[idProperty] === undefined) sent[idProperty] = id;
        const values = checkValues(req.portal, type, sent, live);
        if (!live && type === 'notes' && !values['hs_timestamp']) throw requiredTimestamp();
        if (byEmail && values['email'] !== undefined && values['email'].toLowerCase() !== id.toLowerCase()) {
          assertEmailFree(req.portal, values['email'], live);
        }
        assertUniqueFree(req.portal, type, values, live);
        uniqueInBatch.claim(values, live);
        plans.push({ input, id, record: live, values });
      } catch (err) {
        if (!(err instanceof ApiError) || byEmail) throw err;
        errors.push(errorEntry(err, traceContext(input, id)));
      }
    }
    const results: (RenderedRecord & { new: boolean })[] = [];
    for (const plan of plans) {
      if (plan.record) {
        try {
          applyValues(state.crm, req.portal, type, plan.record, plan.values, source);
        } catch (err) {
          if (!(err instanceof ApiError) || byEmail) throw err;
          errors.push(errorEntry(err, traceContext(plan.input, plan.id)));
          continue;
        }
        results.push({ ...renderWrite(req.portal, type, plan.record, Object.keys(plan.values), plan.values), new: false });
      } else {
        const record = insertRecord(state.crm, req.portal, type, plan.values, [], source);
        results.push({ ...renderWrite(req.portal, type, record, Object.keys(plan.values)), new: true });
      }
    }
    return batchReply(200, results, errors, started, now());
  };

  const batchArchive = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const inputs = batchInputs(req.body);
    const source = writeSource(req.caller);
    for (const input of inputs) {
      const record = req.portal.objects[type].resolve(String(input['id'] ?? ''));
      if (record) archiveRecord(state.crm, req.portal, type, record, source);
    }
    return { status: 204 };
  };

  const search = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const q = parseSearchRequest(req.body);
    const portal = req.portal;
    const store = portal.objects[type];
    const defs = portal.properties[type];
    const typeOf = (name: string): PropertyType | undefined => defs.get(name)?.type ?? (name === 'hs_object_id' ? 'number' : undefined);
    const at = now();
    const matches: { record: CrmRecord; view: Record<string, string> }[] = [];
    const consider = (record: CrmRecord): void => {
      if (record.archived || record.mergedInto !== undefined) return;
      const view = store.searchView(record, at);
      if (!view) return;
      const get = (name: string): string | undefined => (name in view ? view[name] : systemValue(type, record, name));
      if (!matchesGroups(q.groups, get, typeOf)) return;
      if (q.query !== undefined && !matchesQuery(q.query, get, SEARCHABLE_TEXT[type])) return;
      matches.push({ record, view });
    };
    const candidates = emailCandidates(store, type, q.groups) ?? idRangeCandidates(store, q.groups);
    if (candidates) for (const r of candidates) consider(r);
    else for (const r of store.order) consider(r);

    if (q.sort) {
      const sort = q.sort;
      const value = (m: { record: CrmRecord; view: Record<string, string> }) =>
        sort.propertyName in m.view ? m.view[sort.propertyName] : systemValue(type, m.record, sort.propertyName);
      matches.sort((a, b) => compareForSort(value(a), value(b), sort, typeOf) || a.record.num - b.record.num);
    } else if (candidates) {
      matches.sort((a, b) => a.record.num - b.record.num);
    }
    const ceiling = Math.min(matches.length, SEARCH_RESULT_CAP);
    const end = Math.min(q.offset + q.limit, ceiling);
    const requested = q.properties && q.properties.length > 0 ? q.properties : DEFAULT_RETURNED[type];
    const names = [...new Set([...requested, createdProperty(type), lastModifiedProperty(type), 'hs_object_id'])];
    const results = matches.slice(q.offset, end).map((m) => renderRecord(portal, type, m.record, names));
    const body: Record<string, unknown> = { total: matches.length, results };
    if (end < ceiling) body['paging'] = { next: { after: String(end) } };
    return { status: 200, body };
  };

  const merge = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const body = isRecord(req.body) ? req.body : {};
    const primary = body['primaryObjectId'];
    const other = body['objectIdToMerge'];
    if (primary === undefined || other === undefined) throw validationError('primaryObjectId and objectIdToMerge are required.');
    const merged = mergeRecords(state.crm, req.portal, type, String(primary), String(other), writeSource(req.caller));
    return { status: 200, body: renderRecord(req.portal, type, merged, undefined) };
  };

  const read = (p: Record<string, string>) => objectScope(p['type'], 'read');
  const write = (p: Record<string, string>) => objectScope(p['type'], 'write');
  const base = '/crm/v3/objects/{type}';
  return [
    { method: 'GET', path: base, auth: 'bearer', scope: read, handler: list },
    { method: 'POST', path: base, auth: 'bearer', scope: write, handler: create },
    { method: 'POST', path: `${base}/search`, auth: 'bearer', scope: read, search: true, handler: search },
    { method: 'POST', path: `${base}/merge`, auth: 'bearer', scope: write, handler: merge },
    { method: 'POST', path: `${base}/batch/read`, auth: 'bearer', scope: read, handler: batchRead },
    { method: 'POST', path: `${base}/batch/create`, auth: 'bearer', scope: write, handler: batchCreate },
    { method: 'POST', path: `${base}/batch/update`, auth: 'bearer', scope: write, handler: batchUpdate },
    { method: 'POST', path: `${base}/batch/upsert`, auth: 'bearer', scope: write, handler: batchUpsert },
    { method: 'POST', path: `${base}/batch/archive`, auth: 'bearer', scope: write, handler: batchArchive },
    { method: 'GET', path: `${base}/{id}`, auth: 'bearer', scope: read, handler: getOne },
    { method: 'PATCH', path: `${base}/{id}`, auth: 'bearer', scope: write, handler: update },
    { method: 'DELETE', path: `${base}/{id}`, auth: 'bearer', scope: write, handler: archiveOne },
  ];
}

const SINGULAR: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal', notes: 'note' };

/**
 * Adds the v3 `associations` block a GET returns when `?associations=companies,…` is asked:
 * `{ companies: { results: [{ id, type: "contact_to_company_unlabeled" }] } }`.
 */
function withAssociations(portal: Portal, type: ObjectType, record: CrmRecord, rendered: RenderedRecord, names: string[] | undefined): RenderedRecord {
  if (!names || names.length === 0) return rendered;
  const block: Record<string, { results: { id: string; type: string }[] }> = {};
  for (const name of names) {
    const toType = parseObjectType(name);
    if (!toType) continue;
    const results = portal.associations.list(type, record.id, toType).flatMap(([id, typeIds]) =>
      typeIds.map((typeId) => {
        const base = `${SINGULAR[type]}_to_${SINGULAR[toType]}`;
        // "_unlabeled" only where the pair also has a labelled type (contact/deal ↔ company).
        const def = ASSOCIATION_TYPES.get(typeId);
        const labelled = [...ASSOCIATION_TYPES.values()].some((t) => t.from === type && t.to === toType && t.label !== null);
        return { id, type: def?.label === null && labelled ? `${base}_unlabeled` : base };
      }),
    );
    if (results.length > 0) block[toType] = { results };
  }
  return Object.keys(block).length > 0 ? { ...rendered, associations: block } : rendered;
}

function systemValue(type: ObjectType, record: CrmRecord, name: string): string | undefined {
  return propertyValue(type, record, name);
}

/** A write response: what was sent (cleared values echo as ""), plus the system properties. */
function renderWrite(portal: Portal, type: ObjectType, record: CrmRecord, sent: string[], values?: Record<string, string>): RenderedRecord {
  const rendered = renderRecord(portal, type, record, writeResponseNames(type, record, Object.fromEntries(sent.map((s) => [s, '']))));
  if (values) for (const [k, v] of Object.entries(values)) if (v === '' && k in rendered.properties) rendered.properties[k] = '';
  return rendered;
}

/**
 * Unique-property values claimed by earlier inputs of one batch: a second input giving another
 * record the same value conflicts with the first, as it would once the first was written.
 */
class UniqueTracker {
  readonly #claimed = new Map<string, Map<string, CrmRecord | undefined>>();
  readonly #names: string[];

  constructor(portal: Portal, type: ObjectType) {
    this.#names = [...portal.objects[type].unique.keys()];
  }

  claim(values: Record<string, string>, self: CrmRecord | undefined): void {
    for (const name of this.#names) {
      const value = values[name];
      if (value === undefined || value === '') continue;
      let byValue = this.#claimed.get(name);
      if (!byValue) {
        byValue = new Map();
        this.#claimed.set(name, byValue);
      }
      if (byValue.has(value) && (self === undefined || byValue.get(value) !== self)) {
        throw validationError(`Duplicate IDs found in batch input: [${value}]. ${name} values must be unique`);
      }
      byValue.set(value, self);
    }
  }
}

function requiredTimestamp(): ApiError {
  return propertyValuesError([{ isValid: false, message: 'hs_timestamp is required', error: 'REQUIRED_PROPERTY', name: 'hs_timestamp' }]);
}

function assertNoDuplicates(ids: string[]): void {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const id of ids) (seen.has(id) ? dupes : seen).add(id);
  if (dupes.size > 0) throw validationError(`Duplicate IDs found in batch input: [${[...dupes].join(', ')}]. IDs must be unique`);
}

/**
 * When every filter group bounds `hs_object_id` (a pull reading a range of ids), the records in
 * those bounds, from the id-ordered array, instead of a scan over every record; the filters are
 * still matched on each. Ids only grow, so the array holds them in order.
 */
function idRangeCandidates(store: ObjectStore, groups: ReturnType<typeof parseSearchRequest>['groups']): CrmRecord[] | undefined {
  if (groups.length === 0) return undefined;
  const found = new Set<CrmRecord>();
  for (const filters of groups) {
    let from = 0;
    let to = Number.MAX_SAFE_INTEGER;
    for (const f of filters) {
      if (f.propertyName !== 'hs_object_id' || f.value === undefined || !/^\d{1,15}$/.test(f.value)) continue;
      const v = Number(f.value);
      if (f.operator === 'GT' || f.operator === 'GTE' || f.operator === 'EQ' || f.operator === 'BETWEEN') from = Math.max(from, f.operator === 'GT' ? v + 1 : v);
      if (f.operator === 'LT' || f.operator === 'LTE' || f.operator === 'EQ') to = Math.min(to, f.operator === 'LT' ? v - 1 : v);
      if (f.operator === 'BETWEEN' && f.highValue !== undefined && /^\d{1,15}$/.test(f.highValue)) to = Math.min(to, Number(f.highValue));
    }
    if (from === 0 && to === Number.MAX_SAFE_INTEGER) return undefined;
    for (const r of store.between(from, to)) found.add(r);
  }
  return [...found].sort((x, y) => x.num - y.num);
}

/**
 * When every filter group pins `email` with EQ (the usual "find these contacts" search), the
 * email index gives the candidates directly instead of a scan over every contact. Only used
 * without search lag, when the index and the search view agree.
 */
function emailCandidates(store: ObjectStore, type: ObjectType, groups: ReturnType<typeof parseSearchRequest>['groups']): CrmRecord[] | undefined {
  if (type !== 'contacts' || store.searchLagMs > 0 || groups.length === 0) return undefined;
  const found = new Set<CrmRecord>();
  for (const filters of groups) {
    const eq = filters.find((f) => f.propertyName === 'email' && f.operator === 'EQ' && f.value !== undefined);
    if (!eq) return undefined;
    const r = store.findByEmail(eq.value!);
    if (r) found.add(r);
  }
  return [...found];
}

