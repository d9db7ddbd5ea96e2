// The security headers every response carries. The admin UI gets a Content-Security-Policy that
// its Vite build satisfies (scripts, styles, images and API calls from this origin only; React
// sets inline styles through the DOM, which style-src does not govern); API answers are data
// and get a policy that allows nothing; the OpenAPI page (swagger-ui) keeps its own policy.
// No page may be framed (clickjacking), content types are never sniffed, no Referer leaves.
import type { FastifyInstance } from 'fastify';

export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** swagger-ui renders with inline style attributes; its scripts are files from this origin. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers that do not depend on what is answered. */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function contentSecurityPolicy(path: string): string {
  if (path === '/api/docs' || path.startsWith('/api/docs/')) return DOCS_CSP;
  if (path === '/api' || path.startsWith('/api/')) return API_CSP;
  return UI_CSP;
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(COMMON_SECURITY_HEADERS);
    reply.header('content-security-policy', contentSecurityPolicy(request.url.split('?')[0] ?? '/'));
    return payload;
  });
}
