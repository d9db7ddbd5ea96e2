// The pure parts of webhooks out: the signature a receiver verifies, the backoff schedule, and
// which addresses count as private.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, MAX_ATTEMPTS, nextAttemptDelayMs } from './delivery.js';
import { signatureHeader, verifyWebhookSignature } from './signature.js';
import { isPrivateAddress } from './url-guard.js';

describe('signature', () => {
  const body = '{"id":"evt_1","type":"run.finished"}';
  it('is HMAC-SHA256 in hex over "<t>.<body>", with t in the header', () => {
    const expected = createHmac('sha256', 'whsec_k').update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader('whsec_k', 1_700_000_000, body)).toBe(`t=1700000000,v1=${expected}`);
  });
  it('verifies the right secret and body within the tolerance only', () => {
    const header = signatureHeader('whsec_k', 1_700_000_000, body);
    expect(verifyWebhookSignature(header, 'whsec_k', body, 1_700_000_100)).toBe(true);
    expect(verifyWebhookSignature(header, 'whsec_other', body, 1_700_000_100)).toBe(false);
    expect(verifyWebhookSignature(header, 'whsec_k', `${body} `, 1_700_000_100)).toBe(false);
    expect(verifyWebhookSignature(header, 'whsec_k', body, 1_700_000_000 + 301)).toBe(false);
    expect(verifyWebhookSignature('t=abc,v1=zz', 'whsec_k', body, 1_700_000_000)).toBe(false);
  });
});

describe('backoff', () => {
  it('doubles from a minute, is capped, and spans about a day over every attempt', () => {
    const mid = () => 0.5;
    expect(nextAttemptDelayMs(1, mid)).toBe(60_000);
    expect(nextAttemptDelayMs(2, mid)).toBe(120_000);
    expect(nextAttemptDelayMs(12, mid)).toBe(BACKOFF_CAP_MS);
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => nextAttemptDelayMs(i + 1, mid)).reduce((a, b) => a + b, 0);
    expect(total / 3600_000).toBeGreaterThan(22);
    expect(total / 3600_000).toBeLessThan(26);
  });
  it('jitters within ±20 %', () => {
    expect(nextAttemptDelayMs(3, () => 0)).toBe(192_000);
    expect(nextAttemptDelayMs(3, () => 0.999999)).toBeLessThanOrEqual(288_000);
  });
});

describe('private addresses', () => {
  it.each(['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', 'not-an-ip'])('%s is refused', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});
