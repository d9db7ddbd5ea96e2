// The UI's pages as the router declares them, read from web/src/app.tsx's <Route> elements, so a
// test that visits "every page" also visits the pages added after it was written.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('../../src/app.tsx', import.meta.url));
const HUBSPOT_PAGE = fileURLToPath(new URL('../../src/pages/hubspot/hubspot-page.tsx', import.meta.url));

/**
 * Every route path that renders a page (not a redirect, not a layout around child routes, not the
 * catch-all), with its parents' paths joined in.
 *
 * @example pagePaths() // ['/invitations/accept', '/account', '/', '/w/:workspace/customers', …]
 */
export function pagePaths(source = readFileSync(APP, 'utf8')): string[] {
  const paths: string[] = [];
  const parents: string[] = [];
  const tags = /<Route\b|<\/Route>/g;
  for (let match = tags.exec(source); match; match = tags.exec(source)) {
    if (match[0] === '</Route>') {
      parents.pop();
      continue;
    }
    // The tag runs to the first '>' outside braces (its element={…} holds JSX of its own).
    let end = match.index + match[0].length;
    let top = '';
    for (let depth = 0; end < source.length; end++) {
      const ch = source[end]!;
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      else if (ch === '>' && depth === 0) break;
      else if (depth === 0) top += ch;
    }
    tags.lastIndex = end + 1;
    const attributes = source.slice(match.index, end);
    const selfClosing = source[end - 1] === '/';
    const own = /\bpath="([^"]*)"/.exec(top)?.[1];
    const parent = parents.at(-1) ?? '';
    const full = own === undefined ? parent : own.startsWith('/') ? own : `${parent}/${own}`;
    if (!selfClosing) {
      parents.push(full);
      continue;
    }
    const redirect = /element=\{\s*<Navigate\b/.test(attributes);
    if (own === undefined || own.endsWith('*') || redirect) continue;
    paths.push(full);
  }
  return paths;
}

/** The pages App shows to someone signed out (its `location.pathname === '…'` branches). */
export function signedOutPaths(source = readFileSync(APP, 'utf8')): string[] {
  return [...source.matchAll(/location\.pathname === '([^']+)'/g)].map((m) => m[1]!);
}

/** The HubSpot page's tabs (its TABS list), the values of `:tab`. */
export function hubspotTabs(source = readFileSync(HUBSPOT_PAGE, 'utf8')): string[] {
  return [...source.matchAll(/\{ id: '([\w-]+)', label:/g)].map((m) => m[1]!);
}

/**
 * A route path with its parameters filled from `samples`; a parameter without a sample throws,
 * naming it, so a new route with a new kind of id is noticed rather than skipped.
 */
export function fillPath(path: string, samples: Record<string, string>): string {
  return path.replace(/:(\w+)\??/g, (_, name: string) => {
    const value = samples[name];
    if (value === undefined) throw new Error(`No sample value for :${name} in ${path}: seed a record and add it to the samples of web/test/responsive.browser.test.ts`);
    return encodeURIComponent(value);
  });
}
