// The scrape endpoint of a process that serves no HTTP otherwise (`hubsync worker
// --metrics-port 9464`): GET /metrics and nothing else, behind the same optional bearer token as
// the service's GET /metrics.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceMetrics } from './service-metrics.js';

/**
 * Whether an Authorization header carries `Bearer <token>`; compared in constant time (both
 * sides hashed first, so neither where they differ nor their lengths show in the timing).
 */
export function metricsTokenMatches(authorization: string | undefined, token: string): boolean {
  const given = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: { metrics: ServiceMetrics; host: string; port: number; token: string | undefined }): Promise<MetricsServer> {
  const { metrics, token } = options;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${path}.` } }));
      return;
    }
    if (token !== undefined && !metricsTokenMatches(request.headers.authorization, token)) {
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' });
      response.end(JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'GET /metrics needs Authorization: Bearer <HUBSYNC_METRICS_TOKEN>.' } }));
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
