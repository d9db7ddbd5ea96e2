// Owners v3 (scope crm.objects.owners.read): the people records are assigned to. A record's
// `hubspot_owner_id` takes an owner's `id`, never its `userId`.

import { pickCallOptions } from './call-options.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type { Owner, Page } from './hubspot-types.js';

export interface ListOwnersOptions extends CallOptions {
  /** Cursor from the previous page's `paging.next.after`. */
  after?: string;
  /** ≤ 500; default 100. */
  limit?: number;
  /** Archived (deactivated) owners instead of active ones. */
  archived?: boolean;
  /** Only the owner with this email address. */
  email?: string;
}

export interface OwnersApi {
  list(options?: ListOwnersOptions): Promise<Page<Owner>>;
  /** Every owner (active, or archived with `archived: true`), following the pages; one call per page. */
  listAll(options?: Omit<ListOwnersOptions, 'after'>): Promise<Owner[]>;
  get(ownerId: string, options?: CallOptions & { archived?: boolean }): Promise<Owner>;
}

export function createOwnersApi(transport: HttpTransport): OwnersApi {
  const api: OwnersApi = {
    async list(options) {
      const response = await transport.send<Page<Owner>>(
        {
          method: 'GET',
          route: '/crm/v3/owners',
          query: { after: options?.after, limit: options?.limit, archived: options?.archived, email: options?.email },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
    async listAll(options) {
      const owners: Owner[] = [];
      let after: string | undefined;
      do {
        const page = await api.list({ limit: 500, ...options, ...(after === undefined ? {} : { after }) });
        owners.push(...page.results);
        after = page.paging?.next?.after;
      } while (after !== undefined);
      return owners;
    },
    async get(ownerId, options) {
      const response = await transport.send<Owner>(
        {
          method: 'GET',
          route: '/crm/v3/owners/{ownerId}',
          params: { ownerId },
          query: { archived: options?.archived },
          idempotent: true,
        },
        pickCallOptions(options),
      );
      return response.body;
    },
  };
  return api;
}
