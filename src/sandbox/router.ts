// A small path router: routes are `METHOD /path/{param}` templates matched segment by
// segment. The sandbox has a few dozen routes, so a linear scan is cheaper than any trie and
// keeps the route table readable in one place per concern.

import type { Caller } from './auth.js';
import type { Portal } from './portal.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is, with `contentType`, instead of JSON. */
  raw?: string;
  contentType?: string;
}

export interface RequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  params: Record<string, string>;
  correlationId: string;
}

export interface AuthedRequest extends RequestInfo {
  caller: Caller;
  portal: Portal;
}

/** Media types a request body may come in; the server refuses others with 415 before reading. */
export type BodyMediaType = 'json' | 'form';

interface BaseRoute {
  method: string;
  path: string;
  /** Media types a body may have. Default: JSON only. */
  accepts?: readonly BodyMediaType[];
  /** The JSON value a body must be; anything else is a 400 before the handler runs. Default: an object. */
  bodyShape?: 'object' | 'array';
}

/** A HubSpot route that needs a bearer token. `scope` names the scope it requires, if any. */
export interface ApiRoute extends BaseRoute {
  auth: 'bearer';
  scope?: (params: Record<string, string>) => string | undefined;
  /** CRM search: its own per-second limit and headers. */
  search?: boolean;
  handler: (req: AuthedRequest) => Reply | Promise<Reply>;
}

/** A route without bearer auth (OAuth endpoints, the control API). */
export interface OpenRoute extends BaseRoute {
  auth: 'none' | 'control';
  handler: (req: RequestInfo) => Reply | Promise<Reply>;
}

export type Route = ApiRoute | OpenRoute;

interface Compiled {
  route: Route;
  segments: string[];
}

export class Router {
  readonly #routes: Compiled[] = [];

  add(routes: Route[]): void {
    for (const route of routes) this.#routes.push({ route, segments: route.path.split('/').slice(1) });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = path.split('/').slice(1);
    for (const { route, segments } of this.#routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith('{')) {
          if (part === '') {
            ok = false;
            break;
          }
          params[seg.slice(1, -1)] = safeDecode(part);
        } else if (seg !== part) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (route.method !== method) continue;
      return { route, params };
    }
    return undefined;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The counts key for a matched route: the template with object types filled in. */
export function routeKey(route: Route, params: Record<string, string>, normalizeType: (raw: string) => string): string {
  const path = route.path.replace(/\{(type|fromType|toType)\}/g, (_, name: string) => normalizeType(params[name] ?? name));
  return `${route.method} ${path}`;
}
