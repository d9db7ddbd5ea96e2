// CRM schema-level endpoints: properties and property groups (v3) and pipelines (v3).

import { pickCallOptions } from './call-options.js';
import { HubSpotApiError, isHubSpotApiError } from './errors.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type {
  ObjectType,
  Pipeline,
  Property,
  PropertyCreate,
  PropertyGroup,
  PropertyUpdate,
} from './hubspot-types.js';

export interface PropertiesApi {
  list(objectType: ObjectType, options?: CallOptions & { archived?: boolean }): Promise<Property[]>;
  get(objectType: ObjectType, name: string, options?: CallOptions): Promise<Property>;
  create(objectType: ObjectType, property: PropertyCreate, options?: CallOptions): Promise<Property>;
  update(objectType: ObjectType, name: string, changes: PropertyUpdate, options?: CallOptions): Promise<Property>;
  archive(objectType: ObjectType, name: string, options?: CallOptions): Promise<void>;
  /**
   * Makes sure a text property with unique values (`hasUniqueValue`) exists, e.g. hubsync's
   * own `hubsync_id`, for batch upserts by it: reads it, creates it when missing (a 409 from a
   * concurrent create reads it again). Fails with HUBSPOT_CONFLICT when a property of that
   * name exists without unique values — HubSpot cannot make an existing property unique.
   */
  ensureUnique(objectType: ObjectType, definition: UniquePropertyDefinition, options?: CallOptions): Promise<Property>;
  listGroups(objectType: ObjectType, options?: CallOptions): Promise<PropertyGroup[]>;
  createGroup(objectType: ObjectType, group: Omit<PropertyGroup, 'archived'>, options?: CallOptions): Promise<PropertyGroup>;
}

export interface UniquePropertyDefinition {
  name: string;
  label: string;
  /** Default: the type's main information group (`companyinformation`, `dealinformation`, …). */
  groupName?: string;
  description?: string;
}

/** The group HubSpot puts each object type's main properties in. */
const DEFAULT_GROUPS: Record<string, string> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
  notes: 'engagement',
};

export interface PipelinesApi {
  /** Pipelines with their stages, e.g. `list('deals')`. */
  list(objectType: ObjectType, options?: CallOptions): Promise<Pipeline[]>;
  get(objectType: ObjectType, pipelineId: string, options?: CallOptions): Promise<Pipeline>;
}

const PROPERTIES = '/crm/v3/properties/{objectType}';

export function createPropertiesApi(transport: HttpTransport): PropertiesApi {
  const api: PropertiesApi = {
    async list(objectType, options) {
      const response = await transport.send<{ results: Property[] }>(
        { method: 'GET', route: PROPERTIES, params: { objectType }, query: { archived: options?.archived }, idempotent: true },
        pickCallOptions(options),
      );
      return response.body.results;
    },
    async get(objectType, name, options) {
      const response = await transport.send<Property>(
        { method: 'GET', route: `${PROPERTIES}/{propertyName}`, params: { objectType, propertyName: name }, idempotent: true },
        pickCallOptions(options),
      );
      return response.body;
    },
    async create(objectType, property, options) {
      // Not idempotent: a replay after an unseen success answers 409.
      const response = await transport.send<Property>(
        { method: 'POST', route: PROPERTIES, params: { objectType }, json: property, idempotent: false },
        pickCallOptions(options),
      );
      return response.body;
    },
    async update(objectType, name, changes, options) {
      const response = await transport.send<Property>(
        {
          method: 'PATCH',
          route: `${PROPERTIES}/{propertyName}`,
          params: { objectType, propertyName: name },
          json: changes,
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    async archive(objectType, name, options) {
      await transport.send(
        { method: 'DELETE', route: `${PROPERTIES}/{propertyName}`, params: { objectType, propertyName: name }, idempotent: true },
        pickCallOptions(options),
      );
    },
    async ensureUnique(objectType, definition, options) {
      const read = async (): Promise<Property | undefined> => {
        try {
          return await api.get(objectType, definition.name, options);
        } catch (err) {
          if (isHubSpotApiError(err) && err.code === 'HUBSPOT_NOT_FOUND') return undefined;
          throw err;
        }
      };
      let property = await read();
      if (property === undefined) {
        try {
          property = await api.create(
            objectType,
            {
              name: definition.name,
              label: definition.label,
              type: 'string',
              fieldType: 'text',
              groupName: definition.groupName ?? DEFAULT_GROUPS[objectType] ?? 'default',
              hasUniqueValue: true,
              ...(definition.description === undefined ? {} : { description: definition.description }),
            },
            options,
          );
        } catch (err) {
          if (!isHubSpotApiError(err) || err.code !== 'HUBSPOT_CONFLICT') throw err;
          property = await read();
          if (property === undefined) throw err;
        }
      }
      if (property.hasUniqueValue !== true) {
        throw new HubSpotApiError({
          code: 'HUBSPOT_CONFLICT',
          message: `The ${objectType} property ${definition.name} exists but does not hold unique values; HubSpot cannot make an existing property unique.`,
          retryable: false,
        });
      }
      return property;
    },
    async listGroups(objectType, options) {
      const response = await transport.send<{ results: PropertyGroup[] }>(
        { method: 'GET', route: `${PROPERTIES}/groups`, params: { objectType }, idempotent: true },
        pickCallOptions(options),
      );
      return response.body.results;
    },
    async createGroup(objectType, group, options) {
      const response = await transport.send<PropertyGroup>(
        { method: 'POST', route: `${PROPERTIES}/groups`, params: { objectType }, json: group, idempotent: false },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
  return api;
}

export function createPipelinesApi(transport: HttpTransport): PipelinesApi {
  return {
    async list(objectType, options) {
      const response = await transport.send<{ results: Pipeline[] }>(
        { method: 'GET', route: '/crm/v3/pipelines/{objectType}', params: { objectType }, idempotent: true },
        pickCallOptions(options),
      );
      return response.body.results;
    },
    async get(objectType, pipelineId, options) {
      const response = await transport.send<Pipeline>(
        {
          method: 'GET',
          route: '/crm/v3/pipelines/{objectType}/{pipelineId}',
          params: { objectType, pipelineId },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
}
