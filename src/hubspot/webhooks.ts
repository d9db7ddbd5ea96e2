// HubSpot's webhooks (v3) as an app receives them: the request signature, checked before the
// body is believed, and the events of a delivery (the spec's HUBSPOT-API.md, "Webhooks"):
// HubSpot signs `method + uri + body + timestamp` with the app's client secret (HMAC-SHA256,
// base64) after decoding a fixed set of URL-encoded characters in the URI, and a receiver
// refuses timestamps more than 5 minutes away. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ObjectType } from './hubspot-types.js';

/** How far `X-HubSpot-Request-Timestamp` may be from now (either way) before a delivery is refused. */
export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;
/** HubSpot sends at most this many events per delivery. */
export const WEBHOOK_MAX_EVENTS = 100;

/** The URL-encoded characters HubSpot decodes in the URI before it signs. */
const DECODED: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI as HubSpot signs it: `%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B` decoded (either case), nothing else. */
export function signedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (encoded) => DECODED[encoded.toUpperCase()]!);
}

/** base64(HMAC-SHA256(secret, method + signedUri(uri) + body + timestamp)), the body as its raw bytes. */
export function webhookSignatureV3(secret: string, method: string, uri: string, body: Buffer | string, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(`${method}${signedUri(uri)}`, 'utf8')
    .update(body)
    .update(timestamp, 'utf8')
    .digest('base64');
}

export type WebhookSignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

export interface WebhookSignatureInput {
  secret: string;
  method: string;
  /**
   * The URLs HubSpot may have signed for this request (the full URL it was told to call): the
   * request passes when the signature matches any of them.
   */
  uris: readonly string[];
  body: Buffer;
  /** `X-HubSpot-Signature-v3`. */
  signature: string | undefined;
  /** `X-HubSpot-Request-Timestamp` (epoch ms). */
  timestamp: string | undefined;
  now: number;
  maxAgeMs?: number;
}

/**
 * Checks a delivery's v3 signature: both headers present, the timestamp within `maxAgeMs` of
 * `now` (a replayed or delayed request is refused), and the HMAC equal to the one computed here,
 * compared in constant time.
 *
 * @example
 *   const check = checkWebhookSignature({ secret, method: 'POST', uris: [url], body, signature, timestamp, now: Date.now() });
 *   if (!check.ok) throw unauthorized(check.reason);
 */
export function checkWebhookSignature(input: WebhookSignatureInput): WebhookSignatureCheck {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(input.now - Number(timestamp)) > (input.maxAgeMs ?? WEBHOOK_MAX_AGE_MS)) return { ok: false, reason: 'stale' };
  const given = Buffer.from(signature, 'utf8');
  for (const uri of input.uris) {
    const expected = Buffer.from(webhookSignatureV3(input.secret, input.method, uri, input.body, timestamp), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** One event of a delivery: the fields hubsync reads (HubSpot sends more). */
export interface WebhookEvent {
  eventId?: number | string | undefined;
  portalId: number;
  /** The record's id (a number in HubSpot's JSON). */
  objectId: number | string;
  /** `contact.propertyChange`, `company.deletion`, … */
  subscriptionType: string;
  occurredAt: number;
  /** A merge's record: the id the merged record has now (`contact.merge`, `company.merge`). */
  newObjectId?: number | string | undefined;
  /** `associationChange` events: `CONTACT_TO_COMPANY`, `DEAL_TO_CONTACT`, … and the two records. */
  associationType?: string | undefined;
  fromObjectId?: number | string | undefined;
  toObjectId?: number | string | undefined;
}

/**
 * The record whose links an association change concerns: the side the pull keeps the link on
 * (a contact's companies, a deal's contacts and company), whichever side the event came from.
 */
const LINK_HOLDERS: Readonly<Record<string, { objectType: ObjectType; side: 'from' | 'to' }>> = {
  CONTACT_TO_COMPANY: { objectType: 'contacts', side: 'from' },
  COMPANY_TO_CONTACT: { objectType: 'contacts', side: 'to' },
  DEAL_TO_CONTACT: { objectType: 'deals', side: 'from' },
  CONTACT_TO_DEAL: { objectType: 'deals', side: 'to' },
  DEAL_TO_COMPANY: { objectType: 'deals', side: 'from' },
  COMPANY_TO_DEAL: { objectType: 'deals', side: 'to' },
};

const OBJECT_TYPES: Readonly<Record<string, ObjectType>> = { contact: 'contacts', company: 'companies', deal: 'deals' };
const CHANGES = new Set(['creation', 'propertyChange', 'restore']);
const DELETIONS = new Set(['deletion', 'privacyDeletion']);
/** The types whose merges are read: the merged record (by its new id) carries the ids it replaced. */
const MERGED = new Set(['contacts', 'companies']);

/** What an event says about a record, or null for events that do not concern its values (associations). */
export interface WebhookRecordChange {
  objectType: ObjectType;
  hubspotId: string;
  kind: 'change' | 'deletion';
  occurredAt: number;
}

/**
 * The record an event concerns and whether HubSpot says it changed (`creation`,
 * `propertyChange`, `restore`, and an `associationChange` of the record holding the link:
 * LINK_HOLDERS) or is gone (`deletion`, `contact.privacyDeletion`). A contact or company merge
 * is a change of the merged record, under its new id (read, it lists the ids it replaced:
 * sync/pull/hubspot-merges.ts). Null for the other types (deal merges, links hubsync keeps none of).
 */
export function recordChangeOf(event: WebhookEvent): WebhookRecordChange | null {
  const [object = '', action = ''] = event.subscriptionType.split('.');
  if (action === 'associationChange') {
    const holder = LINK_HOLDERS[(event.associationType ?? '').toUpperCase()];
    const id = holder ? (holder.side === 'from' ? (event.fromObjectId ?? event.objectId) : event.toObjectId) : undefined;
    if (!holder || id === undefined || id === null || String(id) === '') return null;
    return { objectType: holder.objectType, hubspotId: String(id), kind: 'change', occurredAt: event.occurredAt };
  }
  const objectType = OBJECT_TYPES[object];
  if (!objectType) return null;
  if (action === 'merge') {
    if (!MERGED.has(objectType)) return null;
    return { objectType, hubspotId: String(event.newObjectId ?? event.objectId), kind: 'change', occurredAt: event.occurredAt };
  }
  const kind = CHANGES.has(action) ? 'change' : DELETIONS.has(action) ? 'deletion' : null;
  if (kind === null) return null;
  return { objectType, hubspotId: String(event.objectId), kind, occurredAt: event.occurredAt };
}
