// A plain HTTP proxy in front of the sandbox that notes every request as it arrives and how it
// ended: answered, or abandoned by the caller before the answer (an aborted call). Tests use
// it to prove which calls hubsync still waited on after some moment; the sandbox's own counts
// are taken when it answers, and a loaded machine can delay an arrival, so "arrived later"
// alone does not prove "sent later" — "answered later" does.
import { createServer, request as forward, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  outcome: 'pending' | 'answered' | 'abandoned';
}

export interface RecordingProxy {
  baseUrl: string;
  /** Every request received so far, in arrival order. */
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(targetBaseUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetBaseUrl);
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const seen: ProxiedRequest = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, outcome: 'pending' };
    requests.push(seen);
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
    const upstream = forward({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('finish', () => (seen.outcome = 'answered'));
    res.on('close', () => {
      if (seen.outcome === 'pending') seen.outcome = 'abandoned';
      upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
