// CRM objects v3 (contacts, companies, deals, notes, custom objects): single-record, list,
// batch and search endpoints, plus contacts merge.

import { toBatchResult, type RawBatch } from './batch-result.js';
import { pickCallOptions } from './call-options.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type {
  BatchResult,
  CreateObjectInput,
  CrmObject,
  ObjectType,
  Page,
  SearchRequest,
  SearchResult,
  UpdateObjectInput,
  UpsertObjectInput,
  UpsertedObject,
} from './hubspot-types.js';

export interface ReadOptions extends CallOptions {
  properties?: readonly string[];
  propertiesWithHistory?: readonly string[];
  associations?: readonly string[];
  archived?: boolean;
}

export interface GetObjectOptions extends ReadOptions {
  /** Look the record up by a unique property instead of its id, e.g. `email`. */
  idProperty?: string;
}

export interface ListObjectsOptions extends ReadOptions {
  /** Cursor from the previous page's `paging.next.after`. */
  after?: string;
  /** ≤ 100. */
  limit?: number;
}

export interface BatchReadOptions extends CallOptions {
  properties?: readonly string[];
  propertiesWithHistory?: readonly string[];
  idProperty?: string;
  archived?: boolean;
}

export interface ObjectsApi {
  readonly objectType: ObjectType;
  get(id: string, options?: GetObjectOptions): Promise<CrmObject>;
  create(input: CreateObjectInput, options?: CallOptions): Promise<CrmObject>;
  update(id: string, properties: Record<string, string>, options?: CallOptions & { idProperty?: string }): Promise<CrmObject>;
  archive(id: string, options?: CallOptions): Promise<void>;
  list(options?: ListObjectsOptions): Promise<Page<CrmObject>>;
  /** Every page from `after` on; each iteration is one API call. */
  listAll(options?: Omit<ListObjectsOptions, 'after'>): AsyncIterable<Page<CrmObject>>;
  batchRead(ids: readonly string[], options?: BatchReadOptions): Promise<BatchResult<CrmObject>>;
  batchCreate(inputs: readonly CreateObjectInput[], options?: CallOptions): Promise<BatchResult<CrmObject>>;
  batchUpdate(inputs: readonly UpdateObjectInput[], options?: CallOptions): Promise<BatchResult<CrmObject>>;
  batchUpsert(inputs: readonly UpsertObjectInput[], options?: CallOptions): Promise<BatchResult<UpsertedObject>>;
  batchArchive(ids: readonly string[], options?: CallOptions): Promise<void>;
  /** Uses the separate 5/s search budget. */
  search(request: SearchRequest, options?: CallOptions): Promise<SearchResult>;
}

export interface ContactsApi extends ObjectsApi {
  /** Merges `objectIdToMerge` into `primaryObjectId`; the result carries a new id. */
  merge(primaryObjectId: string, objectIdToMerge: string, options?: CallOptions): Promise<CrmObject>;
}

/** Companies merge like contacts (`POST /crm/v3/objects/companies/merge`). */
export type CompaniesApi = ContactsApi;

const BASE = '/crm/v3/objects/{objectType}';

function readQuery(options: ReadOptions | undefined): Record<string, readonly string[] | boolean | undefined> {
  return {
    properties: options?.properties,
    propertiesWithHistory: options?.propertiesWithHistory,
    associations: options?.associations,
    archived: options?.archived,
  };
}

export function createObjectsApi(transport: HttpTransport, objectType: ObjectType): ObjectsApi {
  const params = { objectType };
  const api: ObjectsApi = {
    objectType,
    async get(id, options) {
      const response = await transport.send<CrmObject>(
        {
          method: 'GET',
          route: `${BASE}/{objectId}`,
          params: { ...params, objectId: id },
          query: { ...readQuery(options), idProperty: options?.idProperty },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    async create(input, options) {
      const response = await transport.send<CrmObject>(
        { method: 'POST', route: BASE, params, json: input, idempotent: false },
        pickCallOptions(options),
      );
      return response.body;
    },
    async update(id, properties, options) {
      const response = await transport.send<CrmObject>(
        {
          method: 'PATCH',
          route: `${BASE}/{objectId}`,
          params: { ...params, objectId: id },
          query: { idProperty: options?.idProperty },
          json: { properties },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    async archive(id, options) {
      await transport.send(
        { method: 'DELETE', route: `${BASE}/{objectId}`, params: { ...params, objectId: id }, idempotent: true },
        pickCallOptions(options),
      );
    },
    async list(options) {
      const response = await transport.send<Page<CrmObject>>(
        {
          method: 'GET',
          route: BASE,
          params,
          query: { ...readQuery(options), after: options?.after, limit: options?.limit },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    async *listAll(options) {
      let after: string | undefined;
      do {
        const page = await api.list({ ...options, ...(after === undefined ? {} : { after }) });
        yield page;
        after = page.paging?.next?.after;
      } while (after !== undefined);
    },
    async batchRead(ids, options) {
      const response = await transport.send<RawBatch<CrmObject>>(
        {
          method: 'POST',
          route: `${BASE}/batch/read`,
          params,
          query: { archived: options?.archived },
          json: {
            inputs: ids.map((id) => ({ id })),
            properties: options?.properties ?? [],
            propertiesWithHistory: options?.propertiesWithHistory ?? [],
            ...(options?.idProperty === undefined ? {} : { idProperty: options.idProperty }),
          },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return toBatchResult(response.status, response.body);
    },
    async batchCreate(inputs, options) {
      const response = await transport.send<RawBatch<CrmObject>>(
        { method: 'POST', route: `${BASE}/batch/create`, params, json: { inputs }, idempotent: false },
        pickCallOptions(options),
      );
      return toBatchResult(response.status, response.body);
    },
    async batchUpdate(inputs, options) {
      const response = await transport.send<RawBatch<CrmObject>>(
        { method: 'POST', route: `${BASE}/batch/update`, params, json: { inputs }, idempotent: true },
        pickCallOptions(options),
      );
      return toBatchResult(response.status, response.body);
    },
    async batchUpsert(inputs, options) {
      const response = await transport.send<RawBatch<UpsertedObject>>(
        { method: 'POST', route: `${BASE}/batch/upsert`, params, json: { inputs }, idempotent: true },
        pickCallOptions(options),
      );
      return toBatchResult(response.status, response.body);
    },
    async batchArchive(ids, options) {
      await transport.send(
        {
          method: 'POST',
          route: `${BASE}/batch/archive`,
          params,
          json: { inputs: ids.map((id) => ({ id })) },
          idempotent: true,
        },
        pickCallOptions(options),
      );
    },
    async search(request, options) {
      const response = await transport.send<SearchResult>(
        { method: 'POST', route: `${BASE}/search`, params, json: request, idempotent: true, lane: 'search' },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
  return api;
}

export function createContactsApi(transport: HttpTransport): ContactsApi {
  return createMergeableApi(transport, 'contacts');
}

export function createCompaniesApi(transport: HttpTransport): CompaniesApi {
  return createMergeableApi(transport, 'companies');
}

function createMergeableApi(transport: HttpTransport, objectType: 'contacts' | 'companies'): ContactsApi {
  return {
    ...createObjectsApi(transport, objectType),
    async merge(primaryObjectId, objectIdToMerge, options) {
      const response = await transport.send<CrmObject>(
        {
          method: 'POST',
          route: `${BASE}/merge`,
          params: { objectType },
          json: { primaryObjectId, objectIdToMerge },
          idempotent: false,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
}
