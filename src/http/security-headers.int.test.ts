// Security headers and what the UI server hands out, over real HTTP: the real app (buildApp)
// serving a small stand-in for the Vite build, next to the real API.
import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../test/support/service.js';
import { buildApp } from './app.js';
import { webUiRoutes } from './web-ui.js';

let ts: TestService;
let app: FastifyInstance;
let base: string;
let dist: string;

beforeAll(async () => {
  ts = await startTestService();
  dist = mkdtempSync(join(tmpdir(), 'hubsync-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("ui")\n//# sourceMappingURL=index-abc123.js.map\n');
  writeFileSync(join(dist, 'assets', 'index-abc123.js.map'), '{"version":3,"sources":["../src/secret-source.tsx"]}');
  writeFileSync(join(dist, '.env'), 'SECRET=1');
  app = await buildApp(ts.service.context, { routes: [webUiRoutes({ distDir: dist })], logger: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await ts?.close();
  rmSync(dist, { recursive: true, force: true });
});

function expectCommonHeaders(headers: Headers): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
}

describe('security headers', () => {
  it('the UI page forbids framing and loads scripts and styles from its own origin only', async () => {
    const response = await fetch(`${base}/w/default/customers`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="root">');
    expectCommonHeaders(response.headers);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('built assets carry the same headers', async () => {
    const response = await fetch(`${base}/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expectCommonHeaders(response.headers);
  });

  it('API answers, errors included, allow nothing to load or frame them', async () => {
    for (const path of ['/api/health', '/api/workspaces/default/customers', '/api/nope']) {
      const response = await fetch(`${base}${path}`);
      expectCommonHeaders(response.headers);
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it('the OpenAPI page gets a policy its own scripts work with', async () => {
    const response = await fetch(`${base}/api/docs/static/index.html`);
    expect(response.status).toBe(200);
    expectCommonHeaders(response.headers);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('what the UI server hands out', () => {
  it('a missing file under /assets/ is a 404, not the UI page', async () => {
    const response = await fetch(`${base}/assets/index-old999.js`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('never serves a source map, even one the build left behind', async () => {
    const response = await fetch(`${base}/assets/index-abc123.js.map`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('secret-source');
  });

  it('never serves dot-files from the build directory', async () => {
    const response = await fetch(`${base}/.env`);
    expect(await response.text()).not.toContain('SECRET');
  });
});
