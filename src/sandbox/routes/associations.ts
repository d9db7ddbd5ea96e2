// Associations v4: default and labelled links between records, single and batch, both
// directions. Ids in v4 bodies are numbers where HubSpot sends numbers (toObjectId).

import { ASSOCIATION_TYPES, defaultAssociationType, type AssociationType } from '../associations.js';
import { associate } from '../crm-service.js';
import { batchLimitError, notFoundError, validationError, type ErrorBody } from '../hubspot-errors.js';
import type { Portal } from '../portal.js';
import type { AuthedRequest, Reply, Route } from '../router.js';
import type { SandboxState } from '../state.js';
import { OBJECT_TYPE_IDS, OBJECT_TYPE_LABELS, type ObjectType } from '../types.js';
import { isRecord, afterParam, limitParam, objectScope, objectTypeParam, timestamps, writeSource } from './common.js';

const READ_MAX = 1_000;
const CREATE_MAX = 2_000;

function liveId(portal: Portal, type: ObjectType, id: string): string | undefined {
  const r = portal.objects[type].resolve(id);
  return r && !r.archived ? r.id : undefined;
}

function typeEntries(typeIds: number[]): { category: string; typeId: number; label: string | null }[] {
  return typeIds.map((typeId) => {
    const t = ASSOCIATION_TYPES.get(typeId);
    return { category: t ? 'HUBSPOT_DEFINED' : 'USER_DEFINED', typeId, label: t?.label ?? null };
  });
}

function inputsOf(body: unknown, max: number): Record<string, unknown>[] {
  const inputs = isRecord(body) ? body['inputs'] : undefined;
  if (!Array.isArray(inputs)) throw validationError('The request body needs an inputs array.');
  if (inputs.length > max) throw batchLimitError(max);
  return inputs.map((i) => (isRecord(i) ? i : {}));
}

function idOf(v: unknown): string {
  return isRecord(v) ? String(v['id'] ?? '') : '';
}

function checkedTypes(from: ObjectType, to: ObjectType, raw: unknown): AssociationType[] {
  if (!Array.isArray(raw) || raw.length === 0) throw validationError('Each association needs at least one type.');
  return raw.map((t) => {
    const typeId = isRecord(t) ? Number(t['associationTypeId']) : NaN;
    const type = ASSOCIATION_TYPES.get(typeId);
    if (!type || type.from !== from || type.to !== to) {
      throw validationError(`associationTypeId ${String(typeId)} is not valid from ${from} to ${to}.`);
    }
    return type;
  });
}

function notFoundEntry(type: ObjectType, ids: string[]): ErrorBody {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `No ${OBJECT_TYPE_LABELS[type]} is associated with these ids or they do not exist.`,
    context: { ids },
  };
}

export function associationRoutes(state: SandboxState): Route[] {
  const now = () => state.clock.now();

  const pairSpec = (from: ObjectType, fromId: string, to: ObjectType, toId: string) => {
    const forward = defaultAssociationType(from, to);
    if (!forward) throw validationError(`There is no default association from ${from} to ${to}.`);
    return [
      { from: { id: fromId }, to: { id: toId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: forward.typeId } },
      { from: { id: toId }, to: { id: fromId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: forward.inverse } },
    ];
  };

  const linkDefault = (req: AuthedRequest, from: ObjectType, fromRaw: string, to: ObjectType, toRaw: string) => {
    const fromId = liveId(req.portal, from, fromRaw);
    const toId = liveId(req.portal, to, toRaw);
    if (!fromId || !toId) return undefined;
    const forward = defaultAssociationType(from, to);
    if (!forward) throw validationError(`There is no default association from ${from} to ${to}.`);
    associate(state.crm, req.portal, from, fromId, { toType: to, toId, typeId: forward.typeId }, writeSource(req.caller));
    return pairSpec(from, fromId, to, toId);
  };

  const putDefault = (req: AuthedRequest): Reply => {
    const started = now();
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const results = linkDefault(req, from, req.params['fromId']!, to, req.params['toId']!);
    if (!results) throw notFoundError(`One of ${from} ${req.params['fromId']!} or ${to} ${req.params['toId']!} does not exist.`);
    return { status: 200, body: { status: 'COMPLETE', results, ...timestamps(started, now()) } };
  };

  const putLabelled = (req: AuthedRequest): Reply => {
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const fromId = liveId(req.portal, from, req.params['fromId']!);
    const toId = liveId(req.portal, to, req.params['toId']!);
    if (!fromId || !toId) throw notFoundError(`One of ${from} ${req.params['fromId']!} or ${to} ${req.params['toId']!} does not exist.`);
    for (const t of checkedTypes(from, to, req.body)) {
      associate(state.crm, req.portal, from, fromId, { toType: to, toId, typeId: t.typeId }, writeSource(req.caller));
    }
    const labels = req.portal.associations
      .list(from, fromId, to)
      .find(([id]) => id === toId)?.[1]
      .map((id) => ASSOCIATION_TYPES.get(id)?.label)
      .filter((l): l is string => typeof l === 'string') ?? [];
    return {
      status: 201,
      body: { fromObjectTypeId: OBJECT_TYPE_IDS[from], fromObjectId: Number(fromId), toObjectTypeId: OBJECT_TYPE_IDS[to], toObjectId: Number(toId), labels },
    };
  };

  const unlink = (portal: Portal, req: AuthedRequest, from: ObjectType, fromRaw: string, to: ObjectType, toRaw: string): void => {
    const fromId = portal.objects[from].resolve(fromRaw)?.id ?? fromRaw;
    const toId = portal.objects[to].resolve(toRaw)?.id ?? toRaw;
    for (const typeId of portal.associations.remove(from, fromId, to, toId)) {
      state.crm.emit(
        portal,
        { kind: 'associationChange', type: from, objectId: fromId, toType: to, toObjectId: toId, associationTypeId: typeId, removed: true },
        writeSource(req.caller),
      );
    }
  };

  const deleteOne = (req: AuthedRequest): Reply => {
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    unlink(req.portal, req, from, req.params['fromId']!, to, req.params['toId']!);
    return { status: 204 };
  };

  const getPage = (req: AuthedRequest): Reply => {
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const fromId = req.portal.objects[from].resolve(req.params['fromId']!)?.id ?? req.params['fromId']!;
    const limit = limitParam(req.query, 500, 500);
    const after = afterParam(req.query);
    const all = req.portal.associations.list(from, fromId, to);
    const page = all.slice(after, after + limit);
    const body: Record<string, unknown> = {
      results: page.map(([toObjectId, types]) => ({ toObjectId: Number(toObjectId), associationTypes: typeEntries(types) })),
    };
    if (after + limit < all.length) {
      body['paging'] = { next: { after: String(after + limit), link: `${req.path}?after=${after + limit}` } };
    }
    return { status: 200, body };
  };

  const batchRead = (req: AuthedRequest): Reply => {
    const started = now();
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputsOf(req.body, READ_MAX)) {
      const raw = String(input['id'] ?? '');
      const id = req.portal.objects[from].resolve(raw)?.id;
      const links = id ? req.portal.associations.list(from, id, to) : [];
      if (!id || links.length === 0) {
        missing.push(raw);
        continue;
      }
      results.push({
        from: { id },
        to: links.map(([toObjectId, types]) => ({ toObjectId: Number(toObjectId), associationTypes: typeEntries(types) })),
      });
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, ...timestamps(started, now()) };
    if (missing.length > 0) {
      body['numErrors'] = 1;
      body['errors'] = [notFoundEntry(from, missing)];
    }
    return { status: missing.length > 0 ? 207 : 200, body };
  };

  const batchCreate = (req: AuthedRequest): Reply => {
    const started = now();
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputsOf(req.body, CREATE_MAX)) {
      const fromId = liveId(req.portal, from, idOf(input['from']));
      const toId = liveId(req.portal, to, idOf(input['to']));
      const types = checkedTypes(from, to, input['types']);
      if (!fromId || !toId) {
        missing.push(fromId ? idOf(input['to']) : idOf(input['from']));
        continue;
      }
      for (const t of types) associate(state.crm, req.portal, from, fromId, { toType: to, toId, typeId: t.typeId }, writeSource(req.caller));
      results.push({
        fromObjectTypeId: OBJECT_TYPE_IDS[from],
        fromObjectId: Number(fromId),
        toObjectTypeId: OBJECT_TYPE_IDS[to],
        toObjectId: Number(toId),
        labels: types.map((t) => t.label).filter((l): l is string => l !== null),
      });
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, ...timestamps(started, now()) };
    if (missing.length > 0) {
      body['numErrors'] = 1;
      body['errors'] = [{ status: 'error', category: 'VALIDATION_ERROR', message: 'Some records to associate do not exist.', context: { ids: missing } }];
    }
    return { status: missing.length > 0 ? 207 : 201, body };
  };

  const batchDefault = (req: AuthedRequest): Reply => {
    const started = now();
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputsOf(req.body, CREATE_MAX)) {
      const pair = linkDefault(req, from, idOf(input['from']), to, idOf(input['to']));
      if (pair) results.push(...pair);
      else missing.push(idOf(input['from']));
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, ...timestamps(started, now()) };
    if (missing.length > 0) {
      body['numErrors'] = 1;
      body['errors'] = [{ status: 'error', category: 'VALIDATION_ERROR', message: 'Some records to associate do not exist.', context: { ids: missing } }];
    }
    return { status: missing.length > 0 ? 207 : 200, body };
  };

  const batchArchive = (req: AuthedRequest): Reply => {
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    for (const input of inputsOf(req.body, CREATE_MAX)) {
      const targets = Array.isArray(input['to']) ? input['to'] : [input['to']];
      for (const target of targets) unlink(req.portal, req, from, idOf(input['from']), to, idOf(target));
    }
    return { status: 204 };
  };

  const labels = (req: AuthedRequest): Reply => {
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const results = [...ASSOCIATION_TYPES.values()]
      .filter((t) => t.from === from && t.to === to)
      .sort((a, b) => a.typeId - b.typeId)
      .map((t) => ({ category: 'HUBSPOT_DEFINED', typeId: t.typeId, label: t.label }));
    return { status: 200, body: { results } };
  };

  const batchArchiveLabels = (req: AuthedRequest): Reply => {
    const from = objectTypeParam(req.params['fromType']);
    const to = objectTypeParam(req.params['toType']);
    const inputs = inputsOf(req.body, CREATE_MAX);
    const planned = inputs.map((input) => ({ input, types: checkedTypes(from, to, input['types']) }));
    for (const { input, types } of planned) {
      const fromId = req.portal.objects[from].resolve(idOf(input['from']))?.id ?? idOf(input['from']);
      const toId = req.portal.objects[to].resolve(idOf(input['to']))?.id ?? idOf(input['to']);
      for (const t of types) {
        for (const typeId of req.portal.associations.remove(from, fromId, to, toId, t.typeId)) {
          state.crm.emit(
            req.portal,
            { kind: 'associationChange', type: from, objectId: fromId, toType: to, toObjectId: toId, associationTypeId: typeId, removed: true },
            writeSource(req.caller),
          );
        }
      }
    }
    return { status: 204 };
  };

  const read = (p: Record<string, string>) => objectScope(p['fromType'], 'read');
  const write = (p: Record<string, string>) => objectScope(p['fromType'], 'write');
  const single = '/crm/v4/objects/{fromType}/{fromId}/associations';
  const batch = '/crm/v4/associations/{fromType}/{toType}/batch';
  return [
    { method: 'PUT', path: `${single}/default/{toType}/{toId}`, auth: 'bearer', scope: write, handler: putDefault },
    { method: 'PUT', path: `${single}/{toType}/{toId}`, auth: 'bearer', scope: write, bodyShape: 'array', handler: putLabelled },
    { method: 'DELETE', path: `${single}/{toType}/{toId}`, auth: 'bearer', scope: write, handler: deleteOne },
    { method: 'GET', path: `${single}/{toType}`, auth: 'bearer', scope: read, handler: getPage },
    { method: 'POST', path: `${batch}/read`, auth: 'bearer', scope: read, handler: batchRead },
    { method: 'POST', path: `${batch}/create`, auth: 'bearer', scope: write, handler: batchCreate },
    { method: 'POST', path: `${batch}/associate/default`, auth: 'bearer', scope: write, handler: batchDefault },
    { method: 'POST', path: `${batch}/archive`, auth: 'bearer', scope: write, handler: batchArchive },
    { method: 'POST', path: `${batch}/labels/archive`, auth: 'bearer', scope: write, handler: batchArchiveLabels },
    { method: 'GET', path: '/crm/v4/associations/{fromType}/{toType}/labels', auth: 'bearer', scope: read, handler: labels },
  ];
}
