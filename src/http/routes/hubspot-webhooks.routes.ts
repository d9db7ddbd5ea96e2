// HubSpot → hubsync: `POST /api/hubspot/webhooks`, the target URL of the HubSpot app's webhook
// subscriptions. Anyone can reach it, so nothing in a delivery is believed before its v3
// signature (HMAC-SHA256 with the app's client secret, HUBSPOT_CLIENT_SECRET) is checked over the
// raw bytes of the body: this route's JSON is handed over unparsed, read within its own size
// limit, and parsed only once the signature matched and the timestamp is fresh. A delivery
// refused here changes nothing (401 `WEBHOOK_SIGNATURE_INVALID`). An accepted one is only
// recorded (src/sync/pull/webhook-pull.ts): HubSpot waits 5 s for the answer, so the HubSpot
// reads happen later in a job.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkWebhookSignature, WEBHOOK_MAX_EVENTS, type WebhookSignatureCheck } from '../../hubspot/index.js';
import { AppError } from '../../lib/index.js';
import type { AppContext } from '../context.js';
import { parseJsonBody } from '../json-body.js';

/**
 * A delivery is at most 100 events of a few hundred bytes, but a property change carries the
 * new value, which may be a long text: this leaves room for 100 values of 40 KB.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const eventSchema = z.object({
  eventId: z.union([z.number(), z.string().max(100)]).optional(),
  portalId: z.number().int().positive(),
  objectId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/, 'must be a HubSpot record id (digits)')]),
  subscriptionType: z.string().min(1).max(100),
  occurredAt: z.number().int().nonnegative(),
  /** A merge's new record id (`contact.merge`, `company.merge`). */
  newObjectId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/, 'must be a HubSpot record id (digits)')]).optional(),
  // associationChange events: which link changed (the pull reads the record holding it).
  associationType: z.string().max(100).optional(),
  fromObjectId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).optional(),
  toObjectId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).optional(),
});
const deliverySchema = z.array(eventSchema).max(WEBHOOK_MAX_EVENTS, `a delivery holds at most ${WEBHOOK_MAX_EVENTS} events`);

const REFUSALS: Record<Exclude<WebhookSignatureCheck, { ok: true }>['reason'], string> = {
  missing: 'The request carries no X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp (epoch milliseconds) headers.',
  stale: 'X-HubSpot-Request-Timestamp is more than 5 minutes away from now: the delivery is refused as a possible replay.',
  mismatch: 'X-HubSpot-Signature-v3 does not match this request. Check HUBSPOT_CLIENT_SECRET, and that HubSpot calls HUBSYNC_PUBLIC_URL followed by /api/hubspot/webhooks.',
};

/** The URL HubSpot was told to call, as this request reached us directly and as the configured public URL names it. */
function candidateUris(publicUrl: string, protocol: string, host: string, path: string): string[] {
  const base = new URL(publicUrl);
  return [...new Set([`${protocol}://${host}${path}`, `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`])];
}

export function hubspotWebhookRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Only inside this plugin: the signature covers the bytes as sent, so they stay unparsed.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post(
      '/api/hubspot/webhooks',
      {
        bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
        config: { caller: 'optional' },
        schema: {
          tags: ['hubspot'],
          summary: "HubSpot's webhook deliveries (the app's target URL): signature v3 checked, events recorded for the two-way workspaces on each portal",
          description:
            'Body: the JSON array HubSpot sends (at most 100 events with portalId, objectId, subscriptionType, occurredAt). ' +
            'Headers X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required; the signature is checked with HUBSPOT_CLIENT_SECRET before the body is parsed.',
          security: [],
          response: { 200: z.object({ events: z.number().int(), recorded: z.number().int() }) },
        },
      },
      async (request) => {
        const secret = ctx.config.hubspot.oauth?.clientSecret;
        if (!secret) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'Webhooks cannot be verified: no HubSpot app is configured (HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET).');
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = (name: string): string | undefined => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        const check = checkWebhookSignature({
          secret,
          method: request.method,
          uris: candidateUris(ctx.config.publicUrl, request.protocol, request.host, request.raw.url ?? request.url),
          body,
          signature: header('x-hubspot-signature-v3'),
          timestamp: header('x-hubspot-request-timestamp'),
          now: ctx.clock.now(),
        });
        if (!check.ok) throw new AppError('WEBHOOK_SIGNATURE_INVALID', REFUSALS[check.reason], { reason: check.reason });
        const parsed = deliverySchema.safeParse(parseJsonBody(body));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = issue.path.join('.') || 'body';
          throw new AppError('VALIDATION_FAILED', `${field}: ${issue.message}`, { field });
        }
        return ctx.webhooks.receive(parsed.data);
      },
    );
  };
}
