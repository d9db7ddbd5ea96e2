// What the service reads of a request before it knows it wants it, over real HTTP (node:http
// and raw TCP, never inject): refusals (401, 415, 413, 404) come before the body is read, bodies
// that are too big or too slow are cut off with an answer the client can read, and errors the
// HTTP layer raises before any route runs (bad URL, huge headers, slow headers) use the envelope.
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, startTestService, type TestService } from '../../test/support/service.js';
import { DRAIN_MAX_BYTES } from './request-guard.js';

const W = '/api/workspaces/default';
const MiB = 1024 * 1024;

interface Exchange {
  status: number | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Bytes the client had written when the answer's head arrived. */
  sentWhenAnswered: number | undefined;
  sent: number;
  /** Bytes the server's socket took off the wire for this connection. */
  serverBytesRead: number;
}

/** The server-side socket of the next connection the service accepts. */
function nextServerSocket(ts: TestService): Promise<Socket> {
  return new Promise((resolve) => ts.service.app.server.once('connection', resolve));
}

/**
 * Sends `total` bytes of `fill` as fast as the connection takes them, reading the answer
 * whenever it comes (like curl or a browser), on a fresh connection. Resolves when the
 * connection is over.
 */
async function sendLarge(ts: TestService, options: { path: string; headers: Record<string, string>; total: number; chunked?: boolean; fill?: string }): Promise<Exchange> {
  const url = new URL(ts.url);
  const serverSocket = nextServerSocket(ts);
  const exchange: Exchange = { status: undefined, headers: {}, body: '', sentWhenAnswered: undefined, sent: 0, serverBytesRead: 0 };
  const headers = { ...options.headers, ...(options.chunked ? {} : { 'content-length': String(options.total) }) };
  await new Promise<void>((resolve) => {
    const request = http.request({ host: url.hostname, port: url.port, method: 'POST', path: options.path, headers, agent: false }, (response) => {
      exchange.status = response.statusCode;
      exchange.headers = response.headers;
      exchange.sentWhenAnswered = exchange.sent;
      response.setEncoding('utf8');
      response.on('data', (text: string) => (exchange.body += text));
      response.on('error', () => undefined);
    });
    request.on('error', () => undefined);
    request.on('close', () => resolve());
    const chunk = Buffer.alloc(64 * 1024, options.fill ?? 'a');
    const pump = () => {
      while (exchange.sent < options.total && !request.destroyed) {
        exchange.sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!request.destroyed) request.end();
    };
    pump();
  });
  const socket = await serverSocket;
  if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
  exchange.serverBytesRead = socket.bytesRead;
  return exchange;
}

/**
 * A client that writes the whole request before it reads anything (as many scripts do), then
 * reads until the server closes or goes quiet. Returns everything it read.
 */
async function sendAllThenRead(ts: TestService, head: string, body: Buffer): Promise<{ text: string; writeError: string | undefined }> {
  const url = new URL(ts.url);
  const socket = net.connect(Number(url.port), url.hostname);
  socket.pause();
  await new Promise((resolve) => socket.once('connect', resolve));
  let writeError: string | undefined;
  socket.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error.code ?? error.message));
  await new Promise<void>((resolve) => socket.write(Buffer.concat([Buffer.from(head), body]), () => resolve()));
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (data: string) => {
    text += data;
    // One answer is all we wait for.
    if (/\r\n\r\n/.test(text) && text.includes('"error"')) socket.end();
  });
  socket.resume();
  await new Promise((resolve) => socket.once('close', resolve));
  return { text, writeError };
}

/** Raw request text sent in pieces with pauses; returns what the server answered. */
async function rawExchange(ts: TestService, pieces: { data: string | Buffer; pauseMs?: number }[]): Promise<string> {
  const url = new URL(ts.url);
  const socket = net.connect(Number(url.port), url.hostname);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (data: string) => (text += data));
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => socket.once('connect', resolve));
  for (const piece of pieces) {
    if (socket.destroyed) break;
    socket.write(piece.data);
    if (piece.pauseMs) await new Promise((resolve) => setTimeout(resolve, piece.pauseMs));
  }
  await closed;
  return text;
}

function envelopeOf(httpText: string): { status: number; headers: string; body: { error: { code: string; message: string } } } {
  const [head = '', body = ''] = httpText.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) as { error: { code: string; message: string } } };
}

describe('a request is judged before its body is read', () => {
  let ts: TestService;
  let apiKey: string;

  beforeAll(async () => {
    ts = await startTestService();
    const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    apiKey = (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'limits test' })).body.key;
  });
  afterAll(async () => ts?.close());

  it('refuses an unauthenticated 200 MB JSON import with 401 before reading it', async () => {
    const exchange = await sendLarge(ts, { path: `${W}/customers/import`, headers: { 'content-type': 'application/json' }, total: 200 * MiB, fill: ' ' });
    expect(exchange.status).toBe(401);
    expect(JSON.parse(exchange.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    // The answer came while the client was still sending, and the server took only what was
    // already in flight off the wire, never the 200 MB.
    expect(exchange.sentWhenAnswered).toBeLessThan(200 * MiB);
    expect(exchange.serverBytesRead).toBeLessThan(32 * MiB);
    expect(exchange.headers['connection']).toBe('close');
  });

  it('refuses an unauthenticated 200 MB chunked text/plain body with 401, reading at most the drain allowance', async () => {
    const exchange = await sendLarge(ts, { path: `${W}/customers/import`, headers: { 'content-type': 'text/plain' }, total: 200 * MiB, chunked: true });
    expect(exchange.status).toBe(401);
    expect(exchange.sentWhenAnswered).toBeLessThan(200 * MiB);
    expect(exchange.serverBytesRead).toBeLessThan(DRAIN_MAX_BYTES + 16 * MiB);
  });

  it('refuses a wrong media type with 415 before reading, even from a known caller', async () => {
    const exchange = await sendLarge(ts, { path: `${W}/customers`, headers: { 'content-type': 'text/plain', authorization: `Bearer ${apiKey}` }, total: 200 * MiB });
    expect(exchange.status).toBe(415);
    expect(JSON.parse(exchange.body)).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(exchange.serverBytesRead).toBeLessThan(32 * MiB);
  });

  it('refuses JSON on the CSV import with 415 before reading it', async () => {
    const exchange = await sendLarge(ts, { path: `${W}/customers/import`, headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, total: 200 * MiB });
    expect(exchange.status).toBe(415);
    expect(exchange.serverBytesRead).toBeLessThan(32 * MiB);
  });

  it('answers Expect: 100-continue with the refusal, not an invitation to send the body', async () => {
    const head = (auth: string) => `POST ${W}/customers HTTP/1.1\r\nHost: test\r\n${auth}Content-Type: application/json\r\nContent-Length: 31\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
    const refused = await rawExchange(ts, [{ data: head(''), pauseMs: 300 }]);
    expect(refused.startsWith('HTTP/1.1 401 ')).toBe(true);
    const invited = await rawExchange(ts, [{ data: head(`Authorization: Bearer ${apiKey}\r\n`), pauseMs: 300 }, { data: '{"email":"expect@example.com"} ' }]);
    expect(invited.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 ')).toBe(true);
  });

  it('answers an oversize JSON body with a 413 that a send-everything-first client can read', async () => {
    const body = Buffer.from(JSON.stringify({ firstName: 'x'.repeat(2 * MiB) }));
    const head = `POST ${W}/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { text, writeError } = await sendAllThenRead(ts, head, body);
    expect(writeError).toBeUndefined();
    const answer = envelopeOf(text);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an oversize chunked JSON body with a readable 413 once the limit is passed', async () => {
    const json = Buffer.from(JSON.stringify({ firstName: 'x'.repeat(2 * MiB) }));
    const chunks: Buffer[] = [];
    for (let i = 0; i < json.length; i += 64 * 1024) {
      const part = json.subarray(i, i + 64 * 1024);
      chunks.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from('0\r\n\r\n'));
    const head = `POST ${W}/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const { text, writeError } = await sendAllThenRead(ts, head, Buffer.concat(chunks));
    expect(writeError).toBeUndefined();
    const answer = envelopeOf(text);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 without reading the body', async () => {
    const exchange = await sendLarge(ts, { path: '/api/nope', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, total: 200 * MiB });
    expect(exchange.status).toBe(404);
    expect(JSON.parse(exchange.body)).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    expect(exchange.serverBytesRead).toBeLessThan(32 * MiB);
  });

  it('refuses a body on a route that takes none', async () => {
    const text = await rawExchange(ts, [{ data: `GET ${W}/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}` }]);
    expect(envelopeOf(text)).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('compares media types without regard to case and accepts a UTF-8 charset', async () => {
    const host = new ApiClient(ts.url, apiKey);
    const created = await host.request('POST', `${W}/customers`, undefined, { rawBody: '{"email":"case@example.com"}', contentType: 'Application/JSON; Charset="UTF-8"' });
    expect(created.status).toBe(201);
    const csv = await host.request('POST', `${W}/customers/import`, undefined, { rawBody: 'email,firstName\ncsv-case@example.com,Cass\n', contentType: 'Text/CSV; charset=utf-8' });
    expect(csv.status).toBe(200);
    expect(csv.body).toMatchObject({ created: 1 });
  });

  it('refuses JSON sent as text/plain, other charsets and compressed bodies with 415', async () => {
    const host = new ApiClient(ts.url, apiKey);
    const plain = await host.request('POST', `${W}/customers`, undefined, { rawBody: '{"email":"plain@example.com"}', contentType: 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.body).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', details: { accepts: ['application/json'] } } });
    const latin1 = await host.request('POST', `${W}/customers`, undefined, { rawBody: '{"email":"latin@example.com"}', contentType: 'application/json; charset=iso-8859-1' });
    expect(latin1.status).toBe(415);
    const gzip = await host.request('POST', `${W}/customers`, undefined, { rawBody: '{"email":"gzip@example.com"}', headers: { 'content-encoding': 'gzip' } });
    expect(gzip.status).toBe(415);
    expect(gzip.body.error.message).toContain('Content-Encoding gzip');
    expect((await host.get<{ customers: unknown[] }>(`${W}/customers?email=plain@example.com`)).body.customers).toEqual([]);
  });

  it('names a __proto__ or constructor.prototype key instead of calling the JSON invalid', async () => {
    const host = new ApiClient(ts.url, apiKey);
    const proto = await host.request('POST', `${W}/customers`, undefined, { rawBody: '{"email":"p@example.com","custom":{"__proto__":{"admin":true}}}' });
    expect(proto.status).toBe(400);
    expect(proto.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { field: 'custom.__proto__', key: '__proto__' } } });
    expect(proto.body.error.message).toContain('"__proto__"');
    const ctor = await host.request('POST', `${W}/customers/bulk-upsert`, undefined, { rawBody: '{"customers":[{"externalId":"x","constructor":{"prototype":{}}}]}' });
    expect(ctor.status).toBe(400);
    expect(ctor.body).toMatchObject({ error: { details: { field: 'customers.0.constructor.prototype', key: 'constructor.prototype' } } });
  });

  it('refuses a JSON body that is not UTF-8', async () => {
    const text = await rawExchange(ts, [
      { data: `POST ${W}/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n` },
      // {"email":"…"} where … is bytes no UTF-8 text contains.
      { data: Buffer.from([0x7b, 0x22, 0x65, 0x6d, 0x61, 0x69, 0x6c, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]) },
    ]);
    expect(envelopeOf(text)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON', message: 'The request body is not valid UTF-8.' } } });
  });
});

describe('errors raised before any route runs use the envelope', () => {
  let ts: TestService;
  beforeAll(async () => {
    ts = await startTestService({ env: { HUBSYNC_REQUEST_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => ts?.close());

  it('a URL that is not valid percent-encoding is a 400', async () => {
    const response = await fetch(`${ts.url}${W}/customers/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'The URL is not validly percent-encoded.' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('headers larger than the server takes are a 431', async () => {
    const text = await rawExchange(ts, [{ data: `GET /api/health HTTP/1.1\r\nHost: test\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n` }]);
    expect(envelopeOf(text)).toMatchObject({ status: 431, body: { error: { code: 'HEADERS_TOO_LARGE' } } });
  });

  it('an HTTP/1.1 request without a Host header is a 400', async () => {
    const text = await rawExchange(ts, [{ data: 'GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n' }]);
    expect(envelopeOf(text)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'An HTTP/1.1 request must have a Host header.' } } });
  });

  it('a request that is not HTTP is a 400', async () => {
    const text = await rawExchange(ts, [{ data: 'HELLO THERE\r\n\r\n' }]);
    expect(envelopeOf(text)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it('headers that never finish arriving are cut off with a 408', async () => {
    const text = await rawExchange(ts, [{ data: 'GET /api/health HTTP/1.1\r\nHost: test\r\n' }]);
    const answer = envelopeOf(text);
    expect(answer).toMatchObject({ status: 408, body: { error: { code: 'REQUEST_TIMEOUT' } } });
    expect(answer.headers).toContain('connection: close');
  });
});

describe('slow bodies meet the request timeout', () => {
  let ts: TestService;
  let apiKey: string;
  beforeAll(async () => {
    ts = await startTestService({ env: { HUBSYNC_REQUEST_TIMEOUT_MS: '1000' } });
    const admin = await ApiClient.signIn(ts.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    apiKey = (await admin.post<{ key: string }>(`${W}/api-keys`, { name: 'timeout test' })).body.key;
  });
  afterAll(async () => ts?.close());

  it('cuts off a JSON body that trickles in, however steadily, with an enveloped 408', async () => {
    const body = JSON.stringify({ email: 'slow@example.com', firstName: 'Trickle' });
    const head = `POST ${W}/customers HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // One byte every 200 ms: never idle for long, but the whole body would take 10 s.
    const text = await rawExchange(ts, [{ data: head }, ...[...body].map((data) => ({ data, pauseMs: 200 }))]);
    const answer = envelopeOf(text);
    expect(answer).toMatchObject({ status: 408, body: { error: { code: 'REQUEST_TIMEOUT' } } });
    expect(answer.headers).toContain('connection: close');
    const host = new ApiClient(ts.url, apiKey);
    expect((await host.get<{ customers: unknown[] }>(`${W}/customers?email=slow@example.com`)).body.customers).toEqual([]);
  });

  it('lets a CSV upload run longer than the timeout while its bytes keep coming', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `long${i}@example.com,Long ${i}\n`);
    const payload = ['email,firstName\n', ...rows];
    const head = `POST ${W}/customers/import HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const chunk = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;
    // 13 pieces 120 ms apart: over 1.5 s in all, longer than the timeout, never idle for long.
    const text = await rawExchange(ts, [{ data: head }, ...payload.map((data) => ({ data: chunk(data), pauseMs: 120 })), { data: '0\r\n\r\n' }]);
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(JSON.parse(text.split('\r\n\r\n')[1] ?? '')).toMatchObject({ rowsRead: 12, created: 12, failed: 0 });
  });

  it('lets go of an upload the handler refused before reading it, once the client stops sending', async () => {
    // A workspace the key cannot see: the import answers 404 without reading the file. The
    // client then holds the connection open without sending; the server must not keep it.
    const head = `POST /api/workspaces/elsewhere/customers/import HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const data = 'email,firstName\nheld@example.com,Hal\n';
    const text = await rawExchange(ts, [{ data: head }, { data: `${data.length.toString(16)}\r\n${data}\r\n` }]);
    expect(envelopeOf(text)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('cuts off a CSV upload that stops sending with an enveloped 408', async () => {
    const head = `POST ${W}/customers/import HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const data = 'email,firstName\nstalled@example.com,Stan\n';
    const text = await rawExchange(ts, [{ data: head }, { data: `${data.length.toString(16)}\r\n${data}\r\n` }]);
    const answer = envelopeOf(text);
    expect(answer).toMatchObject({ status: 408, body: { error: { code: 'REQUEST_TIMEOUT' } } });
    expect(answer.body.error.message).toContain('No part of the upload arrived');
  });
});
