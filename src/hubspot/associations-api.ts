// Associations v4: default single create, read, and the batch endpoints. Creating an
// association that already exists changes nothing, so every call here is idempotent.

import { toBatchResult, type RawBatch } from './batch-result.js';
import { pickCallOptions } from './call-options.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type {
  AssociatedObject,
  AssociationCreated,
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
  contactToNote: 201,
  noteToContact: 202,
  noteToCompany: 190,
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
    batchAssociateDefault: (fromType, toType, pairs, options) =>
      batch<AssociationCreated>('associate/default', fromType, toType, pairs, options),
  };
}
