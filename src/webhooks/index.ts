// Webhooks out: events of a workspace sent to the host app's endpoints, signed, from a durable
// outbox, with retries for about a day. See docs/webhooks-out.md.
export { ENDPOINTS_KEPT_MS, recordWebhookEvents, replayWebhookDelivery, WEBHOOK_EVENT_TYPES, WebhookEmitter, WebhookEndpointCache, type EndpointSource, type WebhookEvent, type WebhookEventType, type WebhookWake } from './events.js';
export { ATTEMPT_TIMEOUT_MS, deliverDueWebhooks, MAX_ATTEMPTS, nextAttemptDelayMs, sendDelivery, WebhookWaker, WEBHOOKS_OUT_JOBS, webhooksDeliverJob, workWebhooksOut, type DeliveryDeps } from './delivery.js';
export { SIGNATURE_HEADER, signatureHeader, signWebhookBody, verifyWebhookSignature } from './signature.js';
export { checkWebhookUrl, isPrivateAddress } from './url-guard.js';
