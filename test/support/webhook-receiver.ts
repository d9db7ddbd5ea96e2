// A host app's webhook endpoint for tests: a real HTTP server on 127.0.0.1 that answers each POST
// with the next status of `answers` (then `status`) and keeps what it was sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** What it was answered. */
  status: number;
}

export interface ReceivedEvent extends ReceivedRequest {
  event: { id: string; type: string; data: Record<string, unknown> };
}

export class WebhookReceiver {
  /** The answer once `answers` is used up. */
  status = 200;
  /** The next answers, one per request. */
  answers: number[] = [];
  /** Every request, in order. */
  requests: ReceivedRequest[] = [];
  /** The requests it answered with a 2xx, their events parsed. */
  received: ReceivedEvent[] = [];
  /** How many it answered with anything else. */
  refused = 0;
  readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const status = this.answers.shift() ?? this.status;
      const request = { headers: req.headers, body, status };
      this.requests.push(request);
      if (status >= 200 && status < 300) this.received.push({ ...request, event: JSON.parse(body) as ReceivedEvent['event'] });
      else this.refused++;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'down for maintenance');
    });
  });

  /** Listens on a free port; the endpoint's URL. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
