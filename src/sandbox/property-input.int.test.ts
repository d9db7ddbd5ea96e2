// Property values as HubSpot reads them from a request: strings, and numbers or booleans as
// their text (HubSpot accepted `amount: 10000` in a recorded deal create); an object or an
// array is refused as invalid JSON, for the whole request, batch or not.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { useSandbox } from './testing.js';

const sb = useSandbox({ clock: new ManualClock() });
const { call } = sb;

describe('property values', () => {
  it('refuses an object or an array as a value with HubSpot-shaped 400s, creating nothing', async () => {
    for (const [value, kind] of [[{ first: 'Ann' }, 'an object'], [['Ann'], 'an array']] as const) {
      const res = await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ann@example.com', firstname: value } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status: 'error',
        message: `Invalid input JSON: properties.firstname must be a string, a number or a boolean, not ${kind}.`,
        correlationId: res.headers.get('x-hubspot-correlation-id'),
        category: 'VALIDATION_ERROR',
      });
    }
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toEqual([]);
  });

  it('refuses them on update, and fails a whole batch for one such value', async () => {
    const [id] = sb.control.seedContacts(sb.portalId, [{ email: 'b@example.com', firstname: 'B' }]);
    const patch = await call('PATCH', `/crm/v3/objects/contacts/${id!}`, { properties: { firstname: ['x'] } });
    expect(patch.status).toBe(400);
    const batch = await call('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id, properties: { firstname: 'Changed' } },
        { id: '999', properties: { lastname: { nested: true } } },
      ],
    });
    expect(batch.status).toBe(400);
    expect(batch.body).toMatchObject({ category: 'VALIDATION_ERROR', message: 'Invalid input JSON: inputs[1].properties.lastname must be a string, a number or a boolean, not an object.' });
    const upsert = await call('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ idProperty: 'email', id: 'c@example.com', properties: { firstname: [] } }] });
    expect(upsert.status).toBe(400);
    expect(sb.control.listObjects(sb.portalId, 'contacts').map((c) => c.properties['firstname'])).toEqual(['B']);
  });

  it('takes numbers and booleans as their text, and null as a clear', async () => {
    const company = await call<{ id: string; properties: Record<string, string> }>('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme', annualrevenue: 10000 } });
    expect(company.status).toBe(201);
    expect(company.body.properties['annualrevenue']).toBe('10000');
    const contact = await call<{ id: string; properties: Record<string, string> }>('POST', '/crm/v3/objects/contacts', { properties: { email: 'd@example.com', firstname: 'D', annualrevenue: 2.5, hs_lead_status: null } });
    expect(contact.status).toBe(201);
    const patched = await call<{ properties: Record<string, string> }>('PATCH', `/crm/v3/objects/contacts/${contact.body.id}`, { properties: { firstname: null, annualrevenue: true } });
    expect(patched.status).toBe(200);
    const stored = sb.control.listObjects(sb.portalId, 'contacts')[0]!.properties;
    expect(stored['annualrevenue']).toBe('true');
    expect(stored['firstname']).toBeUndefined();
  });
});
