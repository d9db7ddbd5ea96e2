// The v3 signature check and the events' meaning, against signatures computed here from
// HubSpot's description (HMAC-SHA256 of method + decoded URI + body + timestamp, base64).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkWebhookSignature, recordChangeOf, signedUri, WEBHOOK_MAX_AGE_MS } from './webhooks.js';

const secret = 'client-secret-1234';
const now = 1_760_000_000_000;
const url = 'https://sync.example.com/api/hubspot/webhooks';
const body = Buffer.from('[{"portalId":1,"objectId":5,"subscriptionType":"contact.creation","occurredAt":1}]');
const sign = (uri: string, bytes: Buffer | string, timestamp: string, key = secret) => createHmac('sha256', key).update(`POST${uri}${String(bytes)}${timestamp}`).digest('base64');
const check = (overrides: Partial<Parameters<typeof checkWebhookSignature>[0]>) =>
  checkWebhookSignature({ secret, method: 'POST', uris: [url], body, signature: sign(url, body, String(now)), timestamp: String(now), now, ...overrides });

describe('webhook signature v3', () => {
  it('accepts the signature over method, URI, raw body and timestamp', () => {
    expect(check({})).toEqual({ ok: true });
  });

  it('accepts a match with any of the candidate URIs', () => {
    expect(check({ uris: ['http://127.0.0.1:3000/api/hubspot/webhooks', url] })).toEqual({ ok: true });
  });

  it('refuses a missing signature or timestamp, or a timestamp that is not epoch milliseconds', () => {
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ signature: '' })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: '2025-10-09T00:00:00Z' })).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a timestamp more than 5 minutes old or ahead, even with a valid signature', () => {
    for (const ts of [now - WEBHOOK_MAX_AGE_MS - 1, now + WEBHOOK_MAX_AGE_MS + 1]) {
      expect(check({ timestamp: String(ts), signature: sign(url, body, String(ts)) })).toEqual({ ok: false, reason: 'stale' });
    }
    const edge = String(now - WEBHOOK_MAX_AGE_MS);
    expect(check({ timestamp: edge, signature: sign(url, body, edge) })).toEqual({ ok: true });
  });

  it('refuses another secret, another body, another URI, another timestamp, or a truncated signature', () => {
    expect(check({ signature: sign(url, body, String(now), 'other-secret') })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ body: Buffer.from(`${String(body)} `) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ uris: ['https://sync.example.com/api/hubspot/webhooks?x=1'] })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ timestamp: String(now - 1) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ signature: sign(url, body, String(now)).slice(0, -2) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('signs the body as its bytes: a non-ASCII body verifies', () => {
    const text = Buffer.from('[{"propertyValue":"Zürich ✓"}]', 'utf8');
    expect(check({ body: text, signature: createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`POST${url}`), text, Buffer.from(String(now))])).digest('base64') })).toEqual({ ok: true });
  });

  it("decodes exactly HubSpot's twelve URL-encoded characters, in either case, before signing", () => {
    expect(signedUri('https://h/p?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B')).toBe("https://h/p?a=:/?@!$'()*,;");
    expect(signedUri('https://h/p?a=%3a%2f%2c%3b')).toBe('https://h/p?a=:/,;');
    expect(signedUri('https://h/p?a=%20%25%26%3D%2B')).toBe('https://h/p?a=%20%25%26%3D%2B');
    const encoded = 'https://sync.example.com/api/hubspot/webhooks?at=user%40example.com&q=%20';
    const decoded = 'https://sync.example.com/api/hubspot/webhooks?at=user@example.com&q=%20';
    expect(check({ uris: [encoded], signature: sign(decoded, body, String(now)) })).toEqual({ ok: true });
    expect(check({ uris: [encoded], signature: sign(encoded, body, String(now)) })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('what an event says', () => {
  const event = (subscriptionType: string, objectId: number | string = 42) => ({ portalId: 7, objectId, subscriptionType, occurredAt: 1000 });

  it('reads creations, property changes and restores as changes of contacts, companies and deals', () => {
    expect(recordChangeOf(event('contact.propertyChange'))).toEqual({ objectType: 'contacts', hubspotId: '42', kind: 'change', occurredAt: 1000 });
    expect(recordChangeOf(event('company.creation', '99'))).toEqual({ objectType: 'companies', hubspotId: '99', kind: 'change', occurredAt: 1000 });
    expect(recordChangeOf(event('deal.restore'))).toMatchObject({ objectType: 'deals', kind: 'change' });
  });

  it('reads deletions and GDPR deletions as deletions', () => {
    expect(recordChangeOf(event('deal.deletion'))).toMatchObject({ objectType: 'deals', kind: 'deletion' });
    expect(recordChangeOf(event('contact.privacyDeletion'))).toMatchObject({ objectType: 'contacts', kind: 'deletion' });
  });

  it('reads a contact or company merge as a change of the merged record, by its new id', () => {
    expect(recordChangeOf({ ...event('contact.merge', 5), newObjectId: 77 })).toEqual({ objectType: 'contacts', hubspotId: '77', kind: 'change', occurredAt: 1000 });
    expect(recordChangeOf({ ...event('company.merge', 6), newObjectId: '88' })).toMatchObject({ objectType: 'companies', hubspotId: '88' });
    // Without a new id, the primary's id (which resolves to the merged record) is read.
    expect(recordChangeOf(event('contact.merge', 5))).toMatchObject({ hubspotId: '5' });
  });

  it('reads an association change as a change of the record holding the link: the contact for its companies, the deal for its contacts and company', () => {
    const change = (subscriptionType: string, associationType: string) => recordChangeOf({ ...event(subscriptionType, 5), associationType, fromObjectId: 5, toObjectId: 6 });
    expect(change('contact.associationChange', 'CONTACT_TO_COMPANY')).toEqual({ objectType: 'contacts', hubspotId: '5', kind: 'change', occurredAt: 1000 });
    expect(change('company.associationChange', 'COMPANY_TO_CONTACT')).toMatchObject({ objectType: 'contacts', hubspotId: '6' });
    expect(change('deal.associationChange', 'DEAL_TO_CONTACT')).toMatchObject({ objectType: 'deals', hubspotId: '5' });
    expect(change('contact.associationChange', 'CONTACT_TO_DEAL')).toMatchObject({ objectType: 'deals', hubspotId: '6' });
    expect(change('company.associationChange', 'COMPANY_TO_DEAL')).toMatchObject({ objectType: 'deals', hubspotId: '6' });
    // Links hubsync does not keep (notes, tickets) and events without their ids say nothing.
    expect(change('contact.associationChange', 'CONTACT_TO_NOTE')).toBeNull();
    expect(recordChangeOf({ ...event('company.associationChange'), associationType: 'COMPANY_TO_CONTACT' })).toBeNull();
  });

  it('ignores deal merges, association changes without their type, other objects and unknown types', () => {
    for (const type of ['deal.merge', 'company.associationChange', 'ticket.creation', 'contact', 'contact.somethingNew']) expect(recordChangeOf(event(type))).toBeNull();
  });
});
