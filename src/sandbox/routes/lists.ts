// Lists v3: manual (static) lists of records with add / remove membership. Dynamic lists can
// be created, but their membership is not computed (see docs/sandbox.md).

import { ApiError, notFoundError, validationError } from '../hubspot-errors.js';
import type { CrmList, Portal } from '../portal.js';
import type { AuthedRequest, Reply, Route } from '../router.js';
import type { SandboxState } from '../state.js';
import { OBJECT_TYPE_IDS, parseObjectType } from '../types.js';
import { afterParam, isRecord, limitParam } from './common.js';

const PROCESSING_TYPES = ['MANUAL', 'DYNAMIC', 'SNAPSHOT'] as const;

function render(list: CrmList): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    listId: list.listId,
    listVersion: 1,
    name: list.name,
    objectTypeId: OBJECT_TYPE_IDS[list.objectType],
    processingType: list.processingType,
    processingStatus: 'COMPLETE',
    createdAt: iso(list.createdAt),
    updatedAt: iso(list.updatedAt),
    filtersUpdatedAt: iso(list.createdAt),
    size: list.members.size,
  };
}

function findList(portal: Portal, listId: string | undefined): CrmList {
  const list = listId === undefined ? undefined : portal.lists.get(listId);
  if (!list) throw notFoundError(`List ${listId ?? ''} does not exist.`);
  return list;
}

/** The most record ids one membership change takes (HubSpot's per-request limit). */
export const MAX_MEMBERSHIP_IDS = 100_000;

function idArray(body: unknown): string[] {
  if (!Array.isArray(body)) throw validationError('The request body must be a JSON array of record ids.');
  if (body.length > MAX_MEMBERSHIP_IDS) throw validationError(`At most ${MAX_MEMBERSHIP_IDS} record ids per membership change; got ${body.length}.`);
  return body.map((v) => String(v));
}

export function listRoutes(state: SandboxState): Route[] {
  const now = () => state.clock.now();

  const create = (req: AuthedRequest): Reply => {
    const body = isRecord(req.body) ? req.body : {};
    const name = typeof body['name'] === 'string' ? body['name'].trim() : '';
    if (!name) throw validationError('name is required.');
    const objectType = parseObjectType(String(body['objectTypeId'] ?? ''));
    if (!objectType) throw validationError(`objectTypeId ${String(body['objectTypeId'] ?? '')} is not a supported object type.`);
    const processingType = String(body['processingType'] ?? '') as CrmList['processingType'];
    if (!PROCESSING_TYPES.includes(processingType)) throw validationError(`processingType must be one of ${PROCESSING_TYPES.join(', ')}.`);
    for (const list of req.portal.lists.values()) {
      if (list.name.toLowerCase() === name.toLowerCase()) {
        throw new ApiError(400, { status: 'error', message: `A list named "${name}" already exists.`, category: 'VALIDATION_ERROR', subCategory: 'ILS.DUPLICATE_LIST_NAMES' });
      }
    }
    const at = now();
    const list: CrmList = { listId: req.portal.nextListId(), name, objectType, processingType, createdAt: at, updatedAt: at, members: new Map() };
    req.portal.lists.set(list.listId, list);
    return { status: 200, body: { list: render(list) } };
  };

  const get = (req: AuthedRequest): Reply => ({ status: 200, body: { list: render(findList(req.portal, req.params['listId'])) } });

  const getByName = (req: AuthedRequest): Reply => {
    const type = parseObjectType(req.params['objectTypeId'] ?? '');
    const name = (req.params['listName'] ?? '').toLowerCase();
    for (const list of req.portal.lists.values()) {
      if (list.objectType === type && list.name.toLowerCase() === name) return { status: 200, body: { list: render(list) } };
    }
    throw notFoundError(`List ${req.params['listName'] ?? ''} does not exist.`);
  };

  const search = (req: AuthedRequest): Reply => {
    const body = isRecord(req.body) ? req.body : {};
    const query = typeof body['query'] === 'string' ? body['query'].toLowerCase() : '';
    const offset = Number(body['offset'] ?? 0) || 0;
    const count = Math.min(Number(body['count'] ?? 20) || 20, 500);
    const all = [...req.portal.lists.values()].filter((l) => l.name.toLowerCase().includes(query));
    const page = all.slice(offset, offset + count);
    return { status: 200, body: { lists: page.map(render), hasMore: offset + count < all.length, offset: offset + page.length, total: all.length } };
  };

  const remove = (req: AuthedRequest): Reply => {
    findList(req.portal, req.params['listId']);
    req.portal.lists.delete(req.params['listId']!);
    return { status: 204 };
  };

  const manual = (list: CrmList): void => {
    if (list.processingType === 'DYNAMIC') throw validationError(`List ${list.listId} is DYNAMIC; only MANUAL and SNAPSHOT lists take manual membership changes.`);
  };

  const addIds = (portal: Portal, list: CrmList, ids: string[]) => {
    const added: string[] = [];
    const missing: string[] = [];
    for (const raw of ids) {
      const record = portal.objects[list.objectType].resolve(raw);
      if (!record || record.archived) missing.push(raw);
      else if (!list.members.has(record.id)) {
        list.members.set(record.id, now());
        added.push(record.id);
      }
    }
    return { added, missing };
  };

  const removeIds = (portal: Portal, list: CrmList, ids: string[]) => {
    const removed: string[] = [];
    const missing: string[] = [];
    for (const raw of ids) {
      const id = portal.objects[list.objectType].resolve(raw)?.id ?? raw;
      if (list.members.delete(id)) removed.push(id);
      else missing.push(raw);
    }
    return { removed, missing };
  };

  const add = (req: AuthedRequest): Reply => {
    const list = findList(req.portal, req.params['listId']);
    manual(list);
    const { added, missing } = addIds(req.portal, list, idArray(req.body));
    list.updatedAt = now();
    return { status: 200, body: { recordsIdsAdded: added, recordIdsMissing: missing } };
  };

  const removeMembers = (req: AuthedRequest): Reply => {
    const list = findList(req.portal, req.params['listId']);
    manual(list);
    const { removed, missing } = removeIds(req.portal, list, idArray(req.body));
    list.updatedAt = now();
    return { status: 200, body: { recordIdsRemoved: removed, recordIdsMissing: missing } };
  };

  const addAndRemove = (req: AuthedRequest): Reply => {
    const list = findList(req.portal, req.params['listId']);
    manual(list);
    const body = isRecord(req.body) ? req.body : {};
    const a = addIds(req.portal, list, Array.isArray(body['recordIdsToAdd']) ? body['recordIdsToAdd'].map(String) : []);
    const r = removeIds(req.portal, list, Array.isArray(body['recordIdsToRemove']) ? body['recordIdsToRemove'].map(String) : []);
    list.updatedAt = now();
    return { status: 200, body: { recordsIdsAdded: a.added, recordIdsRemoved: r.removed, recordIdsMissing: [...a.missing, ...r.missing] } };
  };

  const members = (req: AuthedRequest): Reply => {
    const list = findList(req.portal, req.params['listId']);
    const limit = limitParam(req.query, 100, 250);
    const after = afterParam(req.query);
    const all = [...list.members];
    const page = all.slice(after, after + limit);
    const body: Record<string, unknown> = {
      results: page.map(([recordId, at]) => ({ recordId, membershipTimestamp: new Date(at).toISOString() })),
      total: all.length,
    };
    if (after + limit < all.length) body['paging'] = { next: { after: String(after + limit) } };
    return { status: 200, body };
  };

  const clear = (req: AuthedRequest): Reply => {
    const list = findList(req.portal, req.params['listId']);
    manual(list);
    list.members.clear();
    return { status: 204 };
  };

  const read = () => 'crm.lists.read';
  const write = () => 'crm.lists.write';
  const base = '/crm/v3/lists';
  return [
    { method: 'POST', path: base, auth: 'bearer', scope: write, handler: create },
    { method: 'POST', path: `${base}/search`, auth: 'bearer', scope: read, handler: search },
    { method: 'GET', path: `${base}/object-type-id/{objectTypeId}/name/{listName}`, auth: 'bearer', scope: read, handler: getByName },
    { method: 'GET', path: `${base}/{listId}`, auth: 'bearer', scope: read, handler: get },
    { method: 'DELETE', path: `${base}/{listId}`, auth: 'bearer', scope: write, handler: remove },
    { method: 'PUT', path: `${base}/{listId}/memberships/add`, auth: 'bearer', scope: write, bodyShape: 'array', handler: add },
    { method: 'PUT', path: `${base}/{listId}/memberships/remove`, auth: 'bearer', scope: write, bodyShape: 'array', handler: removeMembers },
    { method: 'PUT', path: `${base}/{listId}/memberships/add-and-remove`, auth: 'bearer', scope: write, handler: addAndRemove },
    { method: 'GET', path: `${base}/{listId}/memberships`, auth: 'bearer', scope: read, handler: members },
    { method: 'DELETE', path: `${base}/{listId}/memberships`, auth: 'bearer', scope: write, handler: clear },
  ];
}
