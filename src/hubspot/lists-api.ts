// Lists v3: manual (static) lists and their memberships. Membership changes are idempotent;
// creating a list is not (names are unique, a replay answers 409).

import { pickCallOptions } from './call-options.js';
import { isHubSpotApiError } from './errors.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type { HubSpotList, ListCreate, ListMembershipAdded, ListMembershipRemoved } from './hubspot-types.js';

export interface ListsApi {
  create(list: ListCreate, options?: CallOptions): Promise<HubSpotList>;
  get(listId: string, options?: CallOptions): Promise<HubSpotList>;
  /** The list with this name, or null when there is none. */
  getByName(name: string, objectTypeId?: string, options?: CallOptions): Promise<HubSpotList | null>;
  addMembers(listId: string, recordIds: readonly string[], options?: CallOptions): Promise<ListMembershipAdded>;
  removeMembers(listId: string, recordIds: readonly string[], options?: CallOptions): Promise<ListMembershipRemoved>;
}

export function createListsApi(transport: HttpTransport): ListsApi {
  return {
    async create(list, options) {
      const response = await transport.send<{ list: HubSpotList }>(
        { method: 'POST', route: '/crm/v3/lists', json: list, idempotent: false },
        pickCallOptions(options),
      );
      return response.body.list;
    },
    async get(listId, options) {
      const response = await transport.send<{ list: HubSpotList }>(
        { method: 'GET', route: '/crm/v3/lists/{listId}', params: { listId }, idempotent: true },
        pickCallOptions(options),
      );
      return response.body.list;
    },
    async getByName(name, objectTypeId = '0-1', options) {
      try {
        const response = await transport.send<{ list: HubSpotList }>(
          {
            method: 'GET',
            route: '/crm/v3/lists/object-type-id/{objectTypeId}/name/{listName}',
            params: { objectTypeId, listName: name },
            idempotent: true,
          },
          pickCallOptions(options),
        );
        return response.body.list;
      } catch (error) {
        if (isHubSpotApiError(error, 'HUBSPOT_NOT_FOUND')) return null;
        throw error;
      }
    },
    async addMembers(listId, recordIds, options) {
      const response = await transport.send<ListMembershipAdded>(
        { method: 'PUT', route: '/crm/v3/lists/{listId}/memberships/add', params: { listId }, json: recordIds, idempotent: true },
        pickCallOptions(options),
      );
      return response.body;
    },
    async removeMembers(listId, recordIds, options) {
      const response = await transport.send<ListMembershipRemoved>(
        { method: 'PUT', route: '/crm/v3/lists/{listId}/memberships/remove', params: { listId }, json: recordIds, idempotent: true },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
}
