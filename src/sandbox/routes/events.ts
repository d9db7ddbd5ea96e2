// Custom behavioral events (Enterprise hubs): event definitions and occurrences. A portal
// without custom events (Portal.customEvents false, the default below the `enterprise` tier)
// answers every call with 403 MISSING_SCOPES naming the events scope, since a private app of
// such a portal cannot be granted it (HubSpot's wording for a non-Enterprise portal is not
// recorded; see docs/sandbox.md). Occurrences are kept by uuid: a resend is the same one.

import { ApiError, batchLimitError, missingScopes, notFoundError, validationError } from '../hubspot-errors.js';
import type { EventOccurrenceRecord, Portal } from '../portal.js';
import type { AuthedRequest, Reply, Route } from '../router.js';
import type { SandboxState } from '../state.js';
import { afterParam, isRecord, limitParam } from './common.js';

const DEFINITIONS_SCOPE = 'behavioral_events.event_definitions.read_write';
const SEND_SCOPE = 'analytics.behavioral_events.send';
/** Most occurrences one batch takes. */
export const EVENT_BATCH_MAX = 500;
const NAME = /^[a-z][a-z0-9_]{0,49}$/;

function available(portal: Portal, scope: string): void {
  if (!portal.customEvents) throw missingScopes([scope]);
}

function renderDefinition(portal: Portal, name: string): Record<string, unknown> {
  const d = portal.eventDefinitions.get(name)!;
  return {
    name: d.name,
    label: d.label,
    description: d.description,
    fullyQualifiedName: d.fullyQualifiedName,
    primaryObject: d.primaryObject,
    objectTypeId: '0-1',
    archived: false,
    createdAt: new Date(d.createdAt).toISOString(),
    properties: d.propertyDefinitions.map((p) => ({ name: p.name, label: p.label, type: p.type })),
  };
}

export function eventRoutes(state: SandboxState): Route[] {
  const listDefinitions = (req: AuthedRequest): Reply => {
    available(req.portal, DEFINITIONS_SCOPE);
    const all = [...req.portal.eventDefinitions.keys()];
    const limit = limitParam(req.query, 10, 100);
    const after = afterParam(req.query);
    const body: Record<string, unknown> = { total: all.length, results: all.slice(after, after + limit).map((name) => renderDefinition(req.portal, name)) };
    if (after + limit < all.length) body['paging'] = { next: { after: String(after + limit) } };
    return { status: 200, body };
  };

  const createDefinition = (req: AuthedRequest): Reply => {
    available(req.portal, DEFINITIONS_SCOPE);
    const body = isRecord(req.body) ? req.body : {};
    const name = typeof body['name'] === 'string' ? body['name'] : '';
    const label = typeof body['label'] === 'string' ? body['label'].trim() : '';
    if (!NAME.test(name)) throw validationError('name must start with a letter and hold at most 50 lower-case letters, digits and underscores.');
    if (!label) throw validationError('label is required.');
    const primaryObject = String(body['primaryObject'] ?? 'CONTACT').toUpperCase();
    if (!['CONTACT', 'COMPANY', 'DEAL'].includes(primaryObject)) throw validationError(`primaryObject ${primaryObject} is not supported.`);
    if (req.portal.eventDefinitions.has(name)) {
      throw new ApiError(409, { status: 'error', message: `An event definition named ${name} already exists.`, category: 'CONFLICT' });
    }
    const raw = Array.isArray(body['propertyDefinitions']) ? body['propertyDefinitions'] : [];
    const propertyDefinitions = raw.map((p, i) => {
      if (!isRecord(p) || typeof p['name'] !== 'string' || !NAME.test(p['name'])) throw validationError(`propertyDefinitions[${i}].name must be a property name (lower-case letters, digits, underscores).`);
      return { name: p['name'], label: typeof p['label'] === 'string' ? p['label'] : p['name'], type: typeof p['type'] === 'string' ? p['type'] : 'string' };
    });
    req.portal.eventDefinitions.set(name, {
      name,
      label,
      description: typeof body['description'] === 'string' ? body['description'] : '',
      fullyQualifiedName: `pe${req.portal.portalId}_${name}`,
      primaryObject,
      propertyDefinitions,
      createdAt: state.clock.now(),
    });
    return { status: 201, body: renderDefinition(req.portal, name) };
  };

  /** One occurrence, checked against the portal's definitions and contacts (nothing is kept yet). */
  const check = (portal: Portal, input: unknown, field: string): EventOccurrenceRecord => {
    if (!isRecord(input)) throw validationError(`${field} must be an object.`);
    const eventName = String(input['eventName'] ?? '');
    const definition = [...portal.eventDefinitions.values()].find((d) => d.fullyQualifiedName === eventName);
    if (!definition) throw notFoundError(`${field}.eventName: no event definition ${eventName}.`);
    const objectId = String(input['objectId'] ?? '');
    const contact = objectId === '' ? undefined : portal.objects.contacts.resolve(objectId);
    if (!contact || contact.archived) throw validationError(`${field}.objectId: no contact ${objectId}.`);
    const properties = isRecord(input['properties']) ? input['properties'] : {};
    const known = new Set(definition.propertyDefinitions.map((p) => p.name));
    const stored: Record<string, string> = {};
    for (const [key, value] of Object.entries(properties)) {
      if (!known.has(key)) throw validationError(`${field}.properties.${key}: the event ${eventName} has no such property.`);
      stored[key] = String(value);
    }
    const now = state.clock.now();
    const uuid = typeof input['uuid'] === 'string' && input['uuid'] !== '' ? input['uuid'] : `${eventName}:${now}:${portal.eventOccurrences.size}`;
    const occurredAt = typeof input['occurredAt'] === 'string' ? input['occurredAt'] : new Date(now).toISOString();
    if (Number.isNaN(Date.parse(occurredAt))) throw validationError(`${field}.occurredAt must be an ISO 8601 date-time.`);
    return { eventName, objectId: contact.id, occurredAt, uuid, properties: stored, receivedAt: now };
  };

  const send = (req: AuthedRequest): Reply => {
    available(req.portal, SEND_SCOPE);
    const occurrence = check(req.portal, req.body, 'body');
    req.portal.eventOccurrences.set(occurrence.uuid, occurrence);
    return { status: 204 };
  };

  const sendBatch = (req: AuthedRequest): Reply => {
    available(req.portal, SEND_SCOPE);
    const inputs = isRecord(req.body) && Array.isArray(req.body['inputs']) ? req.body['inputs'] : undefined;
    if (!inputs) throw validationError('inputs must be an array of event occurrences.');
    if (inputs.length > EVENT_BATCH_MAX) throw batchLimitError(EVENT_BATCH_MAX);
    // All or nothing: a bad input refuses the batch before any occurrence is kept.
    const checked = inputs.map((input, i) => check(req.portal, input, `inputs[${i}]`));
    for (const occurrence of checked) req.portal.eventOccurrences.set(occurrence.uuid, occurrence);
    return { status: 204 };
  };

  const definitions = () => DEFINITIONS_SCOPE;
  const sending = () => SEND_SCOPE;
  return [
    { method: 'GET', path: '/events/v3/event-definitions', auth: 'bearer', scope: definitions, handler: listDefinitions },
    { method: 'POST', path: '/events/v3/event-definitions', auth: 'bearer', scope: definitions, handler: createDefinition },
    { method: 'POST', path: '/events/v3/send', auth: 'bearer', scope: sending, handler: send },
    { method: 'POST', path: '/events/v3/send/batch', auth: 'bearer', scope: sending, handler: sendBatch },
  ];
}
