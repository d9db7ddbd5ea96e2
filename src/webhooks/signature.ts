// The signature of a webhook delivery: HMAC-SHA256 under the endpoint's secret over
// `<unix seconds>.<body>`, sent as `Hubsync-Signature: t=<unix seconds>,v1=<hex>`. The timestamp
// is signed so a receiver can refuse an old delivery replayed by someone who captured it.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Hubsync-Signature';

/** The hex HMAC-SHA256 of `${timestamp}.${body}` under `secret`. */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The `Hubsync-Signature` value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signWebhookBody(secret, timestamp, body)}`;
}

/**
 * What a receiver does (docs/webhooks-out.md): true when one `v1` of the header matches and its
 * `t` is within `toleranceSeconds` of `nowSeconds`.
 */
export function verifyWebhookSignature(header: string, secret: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookBody(secret, t, body), 'hex');
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v) && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
