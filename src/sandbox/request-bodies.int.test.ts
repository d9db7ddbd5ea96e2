// What the sandbox does with request bodies before any handler runs: nothing is read before the
// caller and the media type are known, bodies past the limit or arriving too slowly are refused
// with a HubSpot-shaped answer the client can read, and JSON that is not what a route takes is
// a 400. Raw sockets, because fetch cannot declare a body it does not send.

import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { sandboxCaller, useSandbox } from './testing.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (request line and headers, without the blank line), then each part of `parts`,
 * and reads until the server closes the connection. Fails when no answer comes within 5 s.
 */
function rawRequest(port: number, head: string[], parts: (string | Buffer)[] = []): Promise<RawAnswer> {
  return exchange(port, [`${head.join('\r\n')}\r\n\r\n`, ...parts]);
}

/** Writes `parts` as they are and reads the answer until the server closes the connection. */
function exchange(port: number, parts: (string | Buffer)[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error('the sandbox did not answer within 5 s'));
    }, 5_000);
    const done = (): void => {
      clearTimeout(giveUp);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP answer, got ${JSON.stringify(text)}`));
        return;
      }
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) });
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    // The server may close while we still write; what it answered before that is what counts.
    socket.on('error', () => undefined);
    for (const part of parts) socket.write(part);
  });
}

const clock = new ManualClock();

const sb = useSandbox({ clock, maxBodyBytes: 4096, requestTimeoutMs: 300 });
const { call } = sb;

const SIXTY_MB = String(60 * 1024 * 1024);

describe('refused before the body is read', () => {
  it('answers 401 to an unauthenticated 60 MB upload without waiting for its body', async () => {
    const res = await rawRequest(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${SIXTY_MB}`]);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', correlationId: res.headers['x-hubspot-correlation-id'] });
    expect(res.headers['connection']).toBe('close');
  });

  it('answers 413 to a declared body over the limit, authenticated or not, before it arrives', async () => {
    const res = await rawRequest(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1', 'Host: x', `Authorization: Bearer ${sb.token}`, 'Content-Type: application/json', `Content-Length: ${SIXTY_MB}`]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({
      status: 'error',
      message: 'The request body is larger than 4096 bytes, the most this API accepts.',
      correlationId: res.headers['x-hubspot-correlation-id'],
      category: 'VALIDATION_ERROR',
    });
    expect(sb.control.counts().byRoute['POST /crm/v3/objects/contacts']).toEqual({ '413': 1 });
  });

  it('answers 413 instead of "100 Continue" when the client asks before sending', async () => {
    const res = await rawRequest(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1', 'Host: x', `Authorization: Bearer ${sb.token}`, 'Content-Type: application/json', 'Expect: 100-continue', `Content-Length: ${SIXTY_MB}`]);
    expect(res.status).toBe(413);
  });

  it('answers 415 to a body that is not JSON by its Content-Type, whatever it holds', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const res = await call('POST', '/crm/v3/objects/contacts', JSON.stringify({ properties: { email: 'a@example.com' } }), { 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: `Content-Type ${type} is not supported here; send application/json.` });
    }
    const bare = await rawRequest(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1', 'Host: x', `Authorization: Bearer ${sb.token}`, 'Content-Length: 2'], ['{}']);
    expect(bare.status).toBe(415);
    expect(JSON.parse(bare.body)).toMatchObject({ message: 'Content-Type (none) is not supported here; send application/json.' });
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toEqual([]);
  });

  it('compares media types case-insensitively and ignores parameters', async () => {
    const res = await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'case@example.com' } }, { 'content-type': 'Application/JSON; charset=UTF-8' });
    expect(res.status).toBe(201);
  });

  it('still takes form bodies where HubSpot does (the OAuth token endpoint)', async () => {
    const res = await sandboxCaller(sb.baseUrl)('POST', '/oauth/v1/token', 'grant_type=refresh_token&client_id=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'BAD_CLIENT_ID' });
  });
});

describe('bodies that arrive', () => {
  it('stops reading a chunked body at the limit and answers 413', async () => {
    const chunk = Buffer.alloc(3000, 'a');
    const frame = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    // Two chunks pass the 4096-byte limit; the body never ends, so only a refusal can answer.
    const res = await rawRequest(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1', 'Host: x', `Authorization: Bearer ${sb.token}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked'], [frame(chunk), frame(chunk)]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(res.headers['connection']).toBe('close');
  });

  it('answers 408 to a body that trickles in slower than the request timeout', async () => {
    const res = await rawRequest(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1', 'Host: x', `Authorization: Bearer ${sb.token}`, 'Content-Type: application/json', 'Content-Length: 100'], ['{']);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toEqual({
      status: 'error',
      message: 'The request body did not arrive within 300 ms.',
      correlationId: res.headers['x-hubspot-correlation-id'],
      category: 'TIMEOUT',
    });
  });

  it('takes a body just under the limit', async () => {
    const res = await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'big@example.com', firstname: 'x'.repeat(3900) } });
    expect(res.status).toBe(201);
  });
});

describe('requests the HTTP parser refuses', () => {
  it('answers 408 in HubSpot shape when the headers trickle in slower than the request timeout', async () => {
    const res = await exchange(sb.port, ['POST /crm/v3/objects/contacts HTTP/1.1\r\nHost: x\r\n']);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toEqual({
      status: 'error',
      message: 'The request headers did not arrive within 300 ms.',
      correlationId: res.headers['x-hubspot-correlation-id'],
      category: 'TIMEOUT',
    });
  });

  it('answers 431 and 400 in HubSpot shape for oversized headers and malformed requests', async () => {
    const big = await rawRequest(sb.port, ['GET /crm/v3/objects/contacts HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20_000)}`]);
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body)).toMatchObject({ status: 'error', message: 'The request headers are too large.', category: 'VALIDATION_ERROR' });
    const garbage = await exchange(sb.port, ['HELLO THERE\r\n\r\n']);
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ status: 'error', message: 'The request could not be parsed as HTTP.', category: 'VALIDATION_ERROR' });
  });

  it('answers 400 in HubSpot shape for a request target that is not a URL', async () => {
    const res = await rawRequest(sb.port, ['GET http://[oops/crm/v3/objects/contacts HTTP/1.1', 'Host: x']);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: res.headers['x-hubspot-correlation-id'] });
  });
});

describe('JSON that is not what the route takes', () => {
  it('answers 400 VALIDATION_ERROR to arrays, strings, numbers and null where an object is needed', async () => {
    for (const [body, what] of [['[]', 'an array'], ['"x"', 'a string'], ['5', 'a number'], ['null', 'null']] as const) {
      const res = await call('POST', '/crm/v3/objects/contacts', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        status: 'error',
        message: `Invalid input JSON: the request body must be an object, not ${what}.`,
        correlationId: res.headers.get('x-hubspot-correlation-id'),
        category: 'VALIDATION_ERROR',
      });
    }
    expect((await call('POST', '/crm/v3/objects/contacts/batch/upsert', [])).status).toBe(400);
    expect((await call('POST', '/crm/v3/objects/contacts/search', 'null')).status).toBe(400);
    expect(sb.control.listObjects(sb.portalId, 'contacts')).toEqual([]);
  });

  it('answers 400 to an object where HubSpot takes an array of ids', async () => {
    const list = await call<{ list: { listId: string } }>('POST', '/crm/v3/lists', { name: 'L', objectTypeId: '0-1', processingType: 'MANUAL' });
    const res = await call('PUT', `/crm/v3/lists/${list.body.list.listId}/memberships/add`, { ids: ['1'] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ category: 'VALIDATION_ERROR', message: 'Invalid input JSON: the request body must be an array, not an object.' });
  });

  it('answers 400 to JSON that does not parse', async () => {
    const res = await call('POST', '/crm/v3/objects/contacts', '{"properties":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: expect.stringMatching(/^Invalid input JSON: /) as string });
  });
});
