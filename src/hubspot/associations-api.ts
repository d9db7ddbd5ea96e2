// Associations v4: default single create, read, and the batch endpoints. Creating an
// association that already exists changes nothing, so every call here is idempotent.

import { toBatchResult, type RawBatch } from './batch-result.js';
import { pickCallOptions } from './call-options.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type {
  AssociatedObject,
  AssociationCreated,
  AssociationSpec,
  AssociationType,
  BatchAssociationLabelArchiveInput,
  BatchAssociationArchiveInput,
  BatchAssociationCreateInput,
  BatchAssociationRead,
  BatchResult,
  ObjectType,
  Page,
} from './hubspot-types.js';

/** HubSpot-defined default association type ids (HUBSPOT_DEFINED category). */
export const ASSOCIATION_TYPE_IDS = Object.freeze({
  contactToCompany: 279,
  contactToCompanyPrimary: 1,
  companyToContact: 280,
  contactToDeal: 4,
  dealToContact: 3,
  dealToCompany: 341,
  dealToCompanyPrimary: 5,
  companyToDeal: 342,
  companyToContactPrimary: 2,
  companyToDealPrimary: 6,
  contactToNote: 201,
  noteToContact: 202,
  companyToNote: 189,
  noteToCompany: 190,
  dealToNote: 213,
  noteToDeal: 214,
});

export interface AssociationsApi {
  /** Creates the default (unlabelled) association between two records. */
  createDefault(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    options?: CallOptions,
  ): Promise<BatchResult<AssociationCreated>>;
  /** Associates two records with the given (labelled) types; HubSpot adds the unlabelled type too. */
  create(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    types: readonly AssociationSpec[],
    options?: CallOptions,
  ): Promise<AssociationCreated>;
  /** Removes every association between two records (both directions). */
  remove(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string, options?: CallOptions): Promise<void>;
  /** The association types (labels) defined from one object type to another. */
  labels(fromType: ObjectType, toType: ObjectType, options?: CallOptions): Promise<AssociationType[]>;
  list(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    options?: CallOptions & { after?: string; limit?: number },
  ): Promise<Page<AssociatedObject>>;
  /** ≤ 1,000 ids. */
  batchRead(fromType: ObjectType, toType: ObjectType, fromIds: readonly string[], options?: CallOptions): Promise<BatchResult<BatchAssociationRead>>;
  /** ≤ 2,000 inputs. */
  batchCreate(
    fromType: ObjectType,
    toType: ObjectType,
    inputs: readonly BatchAssociationCreateInput[],
    options?: CallOptions,
  ): Promise<BatchResult<AssociationCreated>>;
  batchArchive(fromType: ObjectType, toType: ObjectType, inputs: readonly BatchAssociationArchiveInput[], options?: CallOptions): Promise<void>;
  /** Takes only the given types (e.g. the Primary label) off each pair; the pairs stay associated. */
  batchArchiveLabels(
    fromType: ObjectType,
    toType: ObjectType,
    inputs: readonly BatchAssociationLabelArchiveInput[],
    options?: CallOptions,
  ): Promise<void>;
  batchAssociateDefault(
    fromType: ObjectType,
    toType: ObjectType,
    pairs: readonly { from: { id: string }; to: { id: string } }[],
    options?: CallOptions,
  ): Promise<BatchResult<AssociationCreated>>;
}

const BATCH = '/crm/v4/associations/{fromObjectType}/{toObjectType}/batch';

export function createAssociationsApi(transport: HttpTransport): AssociationsApi {
  const batch = async <T>(
    action: string,
    fromObjectType: ObjectType,
    toObjectType: ObjectType,
    inputs: readonly unknown[],
    options: CallOptions | undefined,
  ): Promise<BatchResult<T>> => {
    const response = await transport.send<RawBatch<T>>(
      {
        method: 'POST',
        route: `${BATCH}/${action}`,
        params: { fromObjectType, toObjectType },
        json: { inputs },
        idempotent: true,
      },
      pickCallOptions(options),
    );
    return toBatchResult(response.status, response.body);
  };
  return {
    async createDefault(fromType, fromId, toType, toId, options) {
      const response = await transport.send<RawBatch<AssociationCreated>>(
        {
          method: 'PUT',
          route: '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}',
          params: { fromObjectType: fromType, fromObjectId: fromId, toObjectType: toType, toObjectId: toId },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return toBatchResult(response.status, response.body);
    },
    async create(fromType, fromId, toType, toId, types, options) {
      const response = await transport.send<AssociationCreated>(
        {
          method: 'PUT',
          route: '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/{toObjectType}/{toObjectId}',
          params: { fromObjectType: fromType, fromObjectId: fromId, toObjectType: toType, toObjectId: toId },
          json: types,
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    async remove(fromType, fromId, toType, toId, options) {
      await transport.send(
        {
          method: 'DELETE',
          route: '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/{toObjectType}/{toObjectId}',
          params: { fromObjectType: fromType, fromObjectId: fromId, toObjectType: toType, toObjectId: toId },
          idempotent: true,
        },
        pickCallOptions(options),
      );
    },
    async labels(fromType, toType, options) {
      const response = await transport.send<{ results: AssociationType[] }>(
        {
          method: 'GET',
          route: '/crm/v4/associations/{fromObjectType}/{toObjectType}/labels',
          params: { fromObjectType: fromType, toObjectType: toType },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body.results;
    },
    async list(fromType, fromId, toType, options) {
      const response = await transport.send<Page<AssociatedObject>>(
        {
          method: 'GET',
          route: '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/{toObjectType}',
          params: { fromObjectType: fromType, fromObjectId: fromId, toObjectType: toType },
          query: { after: options?.after, limit: options?.limit },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    batchRead: (fromType, toType, fromIds, options) =>
      batch<BatchAssociationRead>('read', fromType, toType, fromIds.map((id) => ({ id })), options),
    batchCreate: (fromType, toType, inputs, options) => batch<AssociationCreated>('create', fromType, toType, inputs, options),
    async batchArchive(fromType, toType, inputs, options) {
      await batch<never>('archive', fromType, toType, inputs, options);
    },
    async batchArchiveLabels(fromType, toType, inputs, options) {
      await batch<never>('labels/archive', fromType, toType, inputs, options);
    },
    batchAssociateDefault: (fromType, toType, pairs, options) =>
      batch<AssociationCreated>('associate/default', fromType, toType, pairs, options),
  };
}
