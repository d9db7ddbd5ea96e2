// Serves the admin web UI (the Vite build in web/dist) next to the API. Every GET that is not
// an /api path and names no built file answers with index.html, so the browser's router owns
// deep links such as /w/default/integrations/hubspot/sync — except under /assets/, where a
// missing file is a 404 (a stale page asking for an old chunk must not get HTML as script).
// Source maps and dot-files are never served, even if a build left them behind. Without a
// build, a short page says how to make one instead of a bare 404.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RouteGroup } from './app.js';

/**
 * `<repo>/web/dist`, found from this file: src/http/web-ui.ts and its build dist/http/web-ui.js
 * sit at the same depth, so the same relative path works under tsx and compiled.
 */
export const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface WebUiOptions {
  /** The Vite output directory, normally `<repo>/web/dist`. */
  distDir: string;
}

const MISSING_BUILD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hubsync</title></head>
<body>
<h1>The web UI has not been built yet</h1>
<p>Run <code>npm run build</code> (or <code>npm run build:web</code>) and reload this page.
The REST API is available under <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`;

function decodedPath(urlPath: string): string {
  try {
    return normalize(decodeURIComponent(urlPath)).replace(/\\/g, '/');
  } catch {
    return urlPath;
  }
}

/** Whether `path` is a file inside `root` (never outside it, whatever the URL says). */
function builtFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  if (relative === '' || relative.split(sep).some((part) => part.startsWith('.'))) return undefined;
  if (relative.endsWith('.map')) return undefined;
  const full = join(root, relative);
  try {
    return statSync(full).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

export function webUiRoutes(options: WebUiOptions): RouteGroup {
  const root = options.distDir;
  return async (app: FastifyInstance) => {
    const built = existsSync(join(root, 'index.html'));
    if (built) {
      // serve: false — files are sent from the single catch-all below, which also does the
      // SPA fallback; fastify-static only provides reply.sendFile.
      await app.register(fastifyStatic, { root, serve: false });
    }

    const sendIndex = (reply: FastifyReply) => {
      if (!built) return reply.type('text/html; charset=utf-8').send(MISSING_BUILD_PAGE);
      // The HTML names hashed assets, so it must never be cached stale.
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    };

    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (path === '/api' || path.startsWith('/api/')) {
        return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route GET ${path}.` } });
      }
      const file = built ? builtFile(root, path) : undefined;
      if (file) {
        // Vite fingerprints everything under assets/, so those may be cached for good.
        if (file.startsWith(`assets${sep}`)) reply.header('cache-control', 'public, max-age=31536000, immutable');
        return reply.sendFile(file);
      }
      const asked = decodedPath(path);
      if (asked.startsWith('/assets/') || asked.endsWith('.map')) {
        return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No file ${path.slice(0, 200)}.` } });
      }
      return sendIndex(reply);
    });
  };
}
