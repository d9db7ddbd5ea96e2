// Custom behavioral events (Enterprise hubs only): event definitions (the schema of one kind of
// event, created once per portal) and occurrences sent in batches. A portal without custom
// events answers 403 (HUBSPOT_MISSING_SCOPES: its private app cannot hold the events scopes);
// callers treat that as "unavailable", never as a failed run. See HUBSPOT-API.md.

import { pickCallOptions } from './call-options.js';
import type { CallOptions, HttpTransport } from './http-transport.js';
import type { Page } from './hubspot-types.js';

/** Scope of the event definitions API. */
export const EVENT_DEFINITIONS_SCOPE = 'behavioral_events.event_definitions.read_write';
/** Scope of sending event occurrences. */
export const EVENT_SEND_SCOPE = 'analytics.behavioral_events.send';
/** Most occurrences one `send/batch` takes (HubSpot's documented batch size). */
export const EVENT_BATCH_LIMIT = 500;

export interface EventPropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'enumeration' | 'datetime';
  description?: string;
}

export interface EventDefinitionCreate {
  /** Internal name: lower-case letters, digits and underscores. */
  name: string;
  label: string;
  description?: string;
  /** The CRM object occurrences attach to: `CONTACT`. */
  primaryObject: string;
  propertyDefinitions: EventPropertyDefinition[];
}

export interface EventDefinition {
  name: string;
  label: string;
  /** What occurrences are sent under: `pe<portalId>_<name>`. */
  fullyQualifiedName: string;
  primaryObject?: string;
  archived?: boolean;
}

export interface EventOccurrence {
  eventName: string;
  /** The contact's record id. */
  objectId: string;
  /** ISO 8601. */
  occurredAt: string;
  /** Identifies the occurrence (a resend of the same uuid is the same occurrence). */
  uuid: string;
  properties: Record<string, string>;
}

export interface EventsApi {
  /** Every event definition of the portal, following the pages. */
  listDefinitions(options?: CallOptions): Promise<EventDefinition[]>;
  createDefinition(definition: EventDefinitionCreate, options?: CallOptions): Promise<EventDefinition>;
  /** Sends up to EVENT_BATCH_LIMIT occurrences in one call (HubSpot answers 204). */
  sendBatch(occurrences: readonly EventOccurrence[], options?: CallOptions): Promise<void>;
}

export function createEventsApi(transport: HttpTransport): EventsApi {
  return {
    async listDefinitions(options) {
      const out: EventDefinition[] = [];
      let after: string | undefined;
      do {
        const response = await transport.send<Page<EventDefinition>>(
          { method: 'GET', route: '/events/v3/event-definitions', query: { limit: 100, after }, idempotent: true },
          pickCallOptions(options),
        );
        out.push(...response.body.results);
        after = response.body.paging?.next?.after;
      } while (after !== undefined);
      return out;
    },
    async createDefinition(definition, options) {
      const response = await transport.send<EventDefinition>(
        { method: 'POST', route: '/events/v3/event-definitions', json: definition, idempotent: false },
        pickCallOptions(options),
      );
      return response.body;
    },
    async sendBatch(occurrences, options) {
      if (occurrences.length > EVENT_BATCH_LIMIT) throw new RangeError(`At most ${EVENT_BATCH_LIMIT} occurrences per batch; got ${occurrences.length}.`);
      // Each occurrence carries its uuid, so sending the batch again records nothing twice.
      await transport.send<unknown>({ method: 'POST', route: '/events/v3/send/batch', json: { inputs: occurrences }, idempotent: true }, pickCallOptions(options));
    },
  };
}
