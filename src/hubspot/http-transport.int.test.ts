// A token that cannot go into an HTTP header (line break, control or non-ASCII character)
// reaches the client from HUBSPOT_API_KEY or a stored connection as well as from the route.
// The client refuses it before sending, as a permanent auth failure: never a network error,
// never retried, never a 5xx further up.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../lib/clock.js';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { createHubSpotClient, HubSpotApiError, staticToken } from './index.js';

const manual = new ManualClock();
const clock: Clock = {
  now: () => manual.now(),
  sleep: (ms) => {
    manual.advance(ms);
    return Promise.resolve();
  },
};
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startSandbox({ clock });
});
afterAll(() => sb.close());

it('refuses an unsendable token before any request, as HUBSPOT_UNAUTHORIZED', async () => {
  const { token } = sb.control.createPrivateAppToken({});
  for (const bad of [`${token}\n`, `${token}\r\nX-Injected: 1`, `${token}\u0000`, `${token}ü`, `\u2028${token}`]) {
    const client = createHubSpotClient({ baseUrl: sb.baseUrl, auth: staticToken(bad), clock, random: () => 0.5 });
    try {
      sb.control.resetCounts();
      const error: unknown = await client.account.privateAppTokenInfo(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HubSpotApiError);
      expect(error).toMatchObject({ code: 'HUBSPOT_UNAUTHORIZED', retryable: false, attempts: 0 });
      expect((error as Error).message).not.toContain(token);
      expect(sb.control.counts().total).toBe(0);
    } finally {
      await client.close();
    }
  }
});
