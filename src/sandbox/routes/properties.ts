// Properties API (definitions and groups) and deal pipelines. Built-in definitions are
// read-only; custom ones can be created, updated and archived.

import { FIELD_TYPES, type PropertyDefinition, type PropertyOption, type PropertyType } from '../default-properties.js';
import { ApiError, notFoundError, validationError } from '../hubspot-errors.js';
import type { AuthedRequest, Reply, Route } from '../router.js';
import type { SandboxState } from '../state.js';
import { isRecord, objectScope, objectTypeParam, schemaScope } from './common.js';

const TYPES: readonly PropertyType[] = ['string', 'number', 'bool', 'enumeration', 'date', 'datetime'];
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

function parseOptions(raw: unknown): PropertyOption[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw validationError('options must be an array.');
  return raw.map((o, i) => {
    if (!isRecord(o) || typeof o['value'] !== 'string' || typeof o['label'] !== 'string') {
      throw validationError('Each option needs a label and a value.');
    }
    return {
      label: o['label'],
      value: o['value'],
      displayOrder: typeof o['displayOrder'] === 'number' ? o['displayOrder'] : i,
      hidden: o['hidden'] === true,
    };
  });
}

/** HubSpot allows at most 10 unique-value properties per object type. */
const UNIQUE_PER_TYPE = 10;

export function propertyRoutes(state: SandboxState): Route[] {
  const iso = () => new Date(state.clock.now()).toISOString();

  const listProps = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const archived = req.query.get('archived') === 'true';
    const results = [...req.portal.properties[type].values()].filter((p) => p.archived === archived);
    return { status: 200, body: { results } };
  };

  const getProp = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const prop = req.portal.properties[type].get(req.params['name']!);
    if (!prop || prop.archived !== (req.query.get('archived') === 'true')) {
      throw notFoundError(`Unable to find property ${req.params['name']!} for object type ${type}`);
    }
    return { status: 200, body: prop };
  };

  const createProp = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const body = isRecord(req.body) ? req.body : {};
    const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((k) => typeof body[k] !== 'string' || body[k] === '');
    if (missing.length > 0) throw validationError(`Missing required fields: ${missing.join(', ')}`);
    const name = String(body['name']);
    const propType = String(body['type']) as PropertyType;
    const fieldType = String(body['fieldType']);
    if (!NAME_PATTERN.test(name)) throw validationError(`Property name ${name} must start with a letter and hold only lower-case letters, digits and underscores.`);
    if (!TYPES.includes(propType)) throw validationError(`${propType} is not a valid property type: [${TYPES.join(', ')}]`);
    if (!FIELD_TYPES[propType].includes(fieldType)) {
      throw validationError(`fieldType ${fieldType} is not valid for type ${propType}: [${FIELD_TYPES[propType].join(', ')}]`);
    }
    const groupName = String(body['groupName']);
    if (!req.portal.groups[type].has(groupName)) throw validationError(`Property group ${groupName} does not exist.`);
    const existing = req.portal.properties[type].get(name);
    if (existing && !existing.archived) {
      throw new ApiError(409, { status: 'error', message: `Property named '${name}' already exists.`, category: 'OBJECT_ALREADY_EXISTS' });
    }
    const unique = body['hasUniqueValue'] === true;
    if (unique) {
      const count = [...req.portal.properties[type].values()].filter((p) => p.hasUniqueValue && !p.archived && !p.hubspotDefined).length;
      if (count >= UNIQUE_PER_TYPE) {
        throw validationError(`An object type can have at most ${UNIQUE_PER_TYPE} properties with unique values; ${type} already has ${count}.`);
      }
    }
    const options = parseOptions(body['options']);
    if (propType === 'bool' && options.length === 0) {
      options.push({ label: 'Yes', value: 'true', displayOrder: 0, hidden: false }, { label: 'No', value: 'false', displayOrder: 1, hidden: false });
    }
    const now = iso();
    const prop: PropertyDefinition = {
      name,
      label: String(body['label']),
      type: propType,
      fieldType,
      description: typeof body['description'] === 'string' ? body['description'] : '',
      groupName,
      options,
      displayOrder: typeof body['displayOrder'] === 'number' ? body['displayOrder'] : -1,
      hasUniqueValue: unique,
      hidden: body['hidden'] === true,
      hubspotDefined: false,
      calculated: false,
      externalOptions: false,
      formField: body['formField'] === true,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    if (unique && !req.portal.objects[type].addUniqueIndex(name)) {
      throw validationError(`Records already share values of ${name}, so it cannot hold unique values.`);
    }
    req.portal.properties[type].set(name, prop);
    return { status: 201, body: prop };
  };

  const updateProp = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const prop = req.portal.properties[type].get(req.params['name']!);
    if (!prop || prop.archived) throw notFoundError(`Unable to find property ${req.params['name']!} for object type ${type}`);
    if (prop.modificationMetadata.readOnlyDefinition) {
      throw validationError(`Property ${prop.name} is a HubSpot-defined property whose definition cannot be changed.`);
    }
    const body = isRecord(req.body) ? req.body : {};
    if (typeof body['label'] === 'string') prop.label = body['label'];
    if (typeof body['description'] === 'string') prop.description = body['description'];
    if (typeof body['hidden'] === 'boolean') prop.hidden = body['hidden'];
    if (typeof body['displayOrder'] === 'number') prop.displayOrder = body['displayOrder'];
    if (typeof body['groupName'] === 'string') {
      if (!req.portal.groups[type].has(body['groupName'])) throw validationError(`Property group ${body['groupName']} does not exist.`);
      prop.groupName = body['groupName'];
    }
    if (typeof body['type'] === 'string' || typeof body['fieldType'] === 'string') {
      const propType = (typeof body['type'] === 'string' ? body['type'] : prop.type) as PropertyType;
      const fieldType = typeof body['fieldType'] === 'string' ? body['fieldType'] : prop.fieldType;
      if (!TYPES.includes(propType) || !FIELD_TYPES[propType].includes(fieldType)) {
        throw validationError(`fieldType ${fieldType} is not valid for type ${propType}.`);
      }
      prop.type = propType;
      prop.fieldType = fieldType;
    }
    if (body['options'] !== undefined) prop.options = parseOptions(body['options']);
    prop.updatedAt = iso();
    return { status: 200, body: prop };
  };

  const archiveProp = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const prop = req.portal.properties[type].get(req.params['name']!);
    if (!prop || prop.archived) throw notFoundError(`Unable to find property ${req.params['name']!} for object type ${type}`);
    if (prop.hubspotDefined) throw validationError(`Property ${prop.name} is HubSpot-defined and cannot be archived.`);
    prop.archived = true;
    req.portal.objects[type].dropUniqueIndex(prop.name);
    prop.archivedAt = iso();
    return { status: 204 };
  };

  const listGroups = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    return { status: 200, body: { results: [...req.portal.groups[type].values()].filter((g) => !g.archived) } };
  };

  const getGroup = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const group = req.portal.groups[type].get(req.params['group']!);
    if (!group || group.archived) throw notFoundError(`Unable to find property group ${req.params['group']!}`);
    return { status: 200, body: group };
  };

  const createGroup = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const body = isRecord(req.body) ? req.body : {};
    if (typeof body['name'] !== 'string' || typeof body['label'] !== 'string') throw validationError('name and label are required.');
    const existing = req.portal.groups[type].get(body['name']);
    if (existing && !existing.archived) {
      throw new ApiError(409, { status: 'error', message: `Property group named '${body['name']}' already exists.`, category: 'OBJECT_ALREADY_EXISTS' });
    }
    const group = {
      name: body['name'],
      label: body['label'],
      displayOrder: typeof body['displayOrder'] === 'number' ? body['displayOrder'] : -1,
      archived: false,
    };
    req.portal.groups[type].set(group.name, group);
    return { status: 201, body: group };
  };

  const updateGroup = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const group = req.portal.groups[type].get(req.params['group']!);
    if (!group || group.archived) throw notFoundError(`Unable to find property group ${req.params['group']!}`);
    const body = isRecord(req.body) ? req.body : {};
    if (typeof body['label'] === 'string') group.label = body['label'];
    if (typeof body['displayOrder'] === 'number') group.displayOrder = body['displayOrder'];
    return { status: 200, body: group };
  };

  const archiveGroup = (req: AuthedRequest): Reply => {
    const type = objectTypeParam(req.params['type']);
    const group = req.portal.groups[type].get(req.params['group']!);
    if (!group || group.archived) throw notFoundError(`Unable to find property group ${req.params['group']!}`);
    group.archived = true;
    return { status: 204 };
  };

  const pipelines = (req: AuthedRequest): Reply => {
    objectDealsOnly(req.params['type']);
    return { status: 200, body: { results: req.portal.pipelines } };
  };

  const pipeline = (req: AuthedRequest): Reply => {
    objectDealsOnly(req.params['type']);
    const found = req.portal.pipelines.find((p) => p.id === req.params['pipelineId']);
    if (!found) throw notFoundError(`Unable to find pipeline ${req.params['pipelineId']!}`);
    return { status: 200, body: found };
  };

  const stages = (req: AuthedRequest): Reply => {
    objectDealsOnly(req.params['type']);
    const found = req.portal.pipelines.find((p) => p.id === req.params['pipelineId']);
    if (!found) throw notFoundError(`Unable to find pipeline ${req.params['pipelineId']!}`);
    return { status: 200, body: { results: found.stages } };
  };

  const read = (p: Record<string, string>) => schemaScope(p['type'], 'read');
  const write = (p: Record<string, string>) => schemaScope(p['type'], 'write');
  const pipelineScope = (p: Record<string, string>) => objectScope(p['type'], 'read');
  const base = '/crm/v3/properties/{type}';
  return [
    { method: 'GET', path: base, auth: 'bearer', scope: read, handler: listProps },
    { method: 'POST', path: base, auth: 'bearer', scope: write, handler: createProp },
    { method: 'GET', path: `${base}/groups`, auth: 'bearer', scope: read, handler: listGroups },
    { method: 'POST', path: `${base}/groups`, auth: 'bearer', scope: write, handler: createGroup },
    { method: 'GET', path: `${base}/groups/{group}`, auth: 'bearer', scope: read, handler: getGroup },
    { method: 'PATCH', path: `${base}/groups/{group}`, auth: 'bearer', scope: write, handler: updateGroup },
    { method: 'DELETE', path: `${base}/groups/{group}`, auth: 'bearer', scope: write, handler: archiveGroup },
    { method: 'GET', path: `${base}/{name}`, auth: 'bearer', scope: read, handler: getProp },
    { method: 'PATCH', path: `${base}/{name}`, auth: 'bearer', scope: write, handler: updateProp },
    { method: 'DELETE', path: `${base}/{name}`, auth: 'bearer', scope: write, handler: archiveProp },
    { method: 'GET', path: '/crm/v3/pipelines/{type}', auth: 'bearer', scope: pipelineScope, handler: pipelines },
    { method: 'GET', path: '/crm/v3/pipelines/{type}/{pipelineId}', auth: 'bearer', scope: pipelineScope, handler: pipeline },
    { method: 'GET', path: '/crm/v3/pipelines/{type}/{pipelineId}/stages', auth: 'bearer', scope: pipelineScope, handler: stages },
  ];
}

function objectDealsOnly(raw: string | undefined): void {
  if (objectTypeParam(raw) !== 'deals') throw notFoundError(`The sandbox only has pipelines for deals.`);
}
