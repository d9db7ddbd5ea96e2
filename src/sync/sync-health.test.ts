import { describe, expect, it } from 'vitest';
import { healthState } from './sync-health.js';

const connected = { status: 'connected', lastError: null };

describe('healthState', () => {
  it('is connected when the connection works and the last finished run did not fail', () => {
    expect(healthState(connected, undefined)).toEqual({ state: 'connected', lastError: null });
    expect(healthState(connected, { status: 'succeeded', error: null })).toEqual({ state: 'connected', lastError: null });
    expect(healthState(connected, { status: 'cancelled', error: null })).toEqual({ state: 'connected', lastError: null });
  });

  it('is failing, with the run error, when the last finished run failed', () => {
    expect(healthState(connected, { status: 'failed', error: 'HubSpot could not be reached.' })).toEqual({ state: 'failing', lastError: 'HubSpot could not be reached.' });
  });

  it('puts a refused token or an exhausted daily limit before the last run', () => {
    const failed = { status: 'failed', error: 'run error' };
    expect(healthState({ status: 'token_invalid', lastError: 'Authentication credentials not found.' }, failed)).toEqual({ state: 'token_invalid', lastError: 'Authentication credentials not found.' });
    expect(healthState({ status: 'reconnect_needed', lastError: 'revoked' }, undefined)).toEqual({ state: 'token_invalid', lastError: 'revoked' });
    expect(healthState({ status: 'missing_scopes', lastError: 'scope missing' }, undefined)).toEqual({ state: 'token_invalid', lastError: 'scope missing' });
    expect(healthState({ status: 'rate_limited', lastError: null }, failed)).toEqual({ state: 'rate_limited', lastError: 'run error' });
    expect(healthState({ status: 'not_connected', lastError: null }, failed)).toEqual({ state: 'not_connected', lastError: null });
  });
});
