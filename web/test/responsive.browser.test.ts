// Every page of the router, at a phone's 390 × 844 and a laptop's 1,280 × 800, with rows in its
// tables: the page never scrolls sideways; at 1,280 every table shows its last column without
// scrolling; on the phone a wide table scrolls in its own box with its first column in view, and
// the navigation is a menu button. From the keyboard, Tab from the top reaches the main
// content's first control (directly, and through "Skip to content"), every stop showing a focus
// ring. The page list is read from web/src/app.tsx, so pages added later are visited too.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, openBrowser, signIn, startUiService, type Browser, type UiService } from './support/browser.js';
import { fillPath, hubspotTabs, pagePaths, signedOutPaths } from './support/routes.js';

const W = '/api/workspaces/default';
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;

// Routes with a `:tab` are visited once per HubSpot tab; other parameters come from the seeded rows.
const ROUTES = pagePaths().flatMap((path) => (path.includes(':tab') ? hubspotTabs().map((tab) => path.replace(':tab', tab)) : [path]));
const SIGNED_OUT = signedOutPaths();

let sandbox: RunningSandbox;
let ui: UiService;
let browser: Browser;
let guest: Browser;
let page: Page;
const samples: Record<string, string> = { workspace: 'default' };

async function seed(): Promise<void> {
  const post = async <T,>(path: string, body?: unknown): Promise<T> => {
    const response = await ui.admin.post<T>(`${W}${path}`, body);
    expect(response.status, `POST ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    return response.body;
  };
  expect((await ui.admin.post(`${W}/custom-fields`, { key: 'shoe_size', label: 'Shoe size', type: 'number' })).status).toBe(201);
  const customers = await post<{ results: { id: string }[] }>('/customers/bulk-upsert', {
    customers: [
      { externalId: 'c1', email: 'margarethe.oberholzer-lindqvist@example-enterprises.com', firstName: 'Margarethe', lastName: 'Oberholzer-Lindqvist', phone: '+41 44 123 45 67', companyName: 'Oberholzer Industrial Holdings AG', tags: ['event_registered'] },
      { externalId: 'c2', email: 'ben@example.com', firstName: 'Ben', lastName: 'Okafor', companyName: 'Okafor & Daughters' },
      { externalId: 'c3', email: 'ben.okafor@example.com', firstName: 'Ben', lastName: 'Okafor' },
    ],
  });
  samples['customerId'] = customers.results[0]!.id;
  samples['organizationId'] = (await post<{ id: string }>('/organizations', { name: 'Oberholzer Industrial Holdings AG', domain: 'oberholzer-industrial.example.com' })).id;
  samples['dealId'] = (await post<{ id: string }>('/deals', { name: 'Framework agreement 2027 — all sites', amount: '1250000.50', currency: 'CHF' })).id;
  const run = await post<{ id: string }>('/sync/runs');
  for (;;) {
    const status = (await ui.admin.get(`${W}/sync/runs/${run.id}`)).body['status'];
    if (status !== 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  samples['runId'] = run.id;
  await post('/webhook-endpoints', { url: 'http://127.0.0.1:9/hubsync-events', events: ['run.finished'] });
}

beforeAll(async () => {
  sandbox = await startSandbox();
  const { portalId } = sandbox.control.createPortal({ tier: 'pro' });
  const { token } = sandbox.control.createPrivateAppToken({ portalId });
  sandbox.control.seedContacts(portalId, [{ email: 'remote@example.com', firstname: 'Remote', lifecyclestage: 'customer' }]);
  ui = await startUiService({ HUBSPOT_BASE_URL: sandbox.baseUrl, HUBSYNC_WEBHOOKS_ALLOW_PRIVATE: 'on' });
  expect((await ui.admin.request('PUT', `${W}/hubspot/connection`, { accessToken: token })).status).toBe(200);
  await seed();
  browser = await openBrowser();
  page = browser.page;
  await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  guest = await openBrowser();
});

afterAll(async () => {
  await guest?.close();
  await browser?.close();
  await ui?.close();
  await sandbox?.close();
});

/** Opens `path` and waits until its heading is drawn and nothing in it is loading. */
async function open(on: Page, path: string): Promise<void> {
  await on.goto(`${ui.url}${path}`);
  // Polled from here: the app's CSP (script-src 'self') refuses waitForFunction's page-side eval.
  await expect
    .poll(() => on.evaluate<boolean>("document.querySelector('main h1') !== null && document.querySelector('main .loading, main .spinner') === null"), { timeout: 15_000 })
    .toBe(true);
  await on.evaluate('document.fonts.ready');
}

/** How far the page is wider than the window (more than 0: it scrolls sideways). */
const pageOverflow = (on: Page) => on.evaluate<number>('document.scrollingElement.scrollWidth - window.innerWidth');

interface TableBox {
  name: string;
  /** Right edge of the last shown header cell, of its scroll box (or the window) and the window. */
  lastRight: number;
  boxRight: number;
  firstLeft: number;
  firstRight: number;
  innerWidth: number;
}

const tableBoxes = (on: Page) =>
  on.evaluate<TableBox[]>(`[...document.querySelectorAll('main table')].filter((t) => t.getClientRects().length > 0).map((table) => {
    const cells = [...(table.tHead ?? table).querySelectorAll('tr:first-child > th, tr:first-child > td')].filter((c) => c.getClientRects().length > 0);
    const first = cells[0].getBoundingClientRect();
    const last = cells.at(-1).getBoundingClientRect();
    const wrap = table.closest('.table-wrap');
    return {
      name: table.getAttribute('aria-label') ?? table.querySelector('th')?.textContent ?? '?',
      lastRight: Math.floor(last.right),
      boxRight: Math.ceil(wrap ? Math.min(wrap.getBoundingClientRect().right, window.innerWidth) : window.innerWidth),
      firstLeft: Math.floor(first.left),
      firstRight: Math.floor(first.right),
      innerWidth: window.innerWidth,
    };
  })`);

interface Stop {
  what: string;
  inMain: boolean;
  isFirst: boolean;
  ring: boolean;
}

/** Marks the first control in <main> that Tab can reach (data-first-stop) and names it. */
const markFirstStop = (on: Page) =>
  on.evaluate<string | null>(`(() => {
    const main = document.querySelector('main');
    const candidates = main.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]');
    const first = [...candidates].find((el) => el.tabIndex >= 0 && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden');
    document.querySelectorAll('[data-first-stop]').forEach((el) => el.removeAttribute('data-first-stop'));
    if (!first) return null;
    first.setAttribute('data-first-stop', '');
    return first.outerHTML.slice(0, 120);
  })()`);

/** Where focus is after a key: in <main>?, the marked first control?, with a focus ring? */
const focusStop = (on: Page) =>
  on.evaluate<Stop>(`(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {
      what: el.outerHTML.slice(0, 120),
      inMain: Boolean(el.closest('main')),
      isFirst: el.hasAttribute('data-first-stop'),
      ring: outline || style.boxShadow !== 'none',
    };
  })()`);

/** Presses Tab from the top of the page until focus enters <main>; every stop must show a ring. */
async function tabIntoMain(on: Page): Promise<Stop[]> {
  await on.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
  const stops: Stop[] = [];
  for (let i = 0; i < 60; i++) {
    await on.keyboard.press('Tab');
    const stop = await focusStop(on);
    stops.push(stop);
    if (stop.inMain) break;
  }
  return stops;
}

async function checkPage(on: Page, path: string, viewport: (typeof VIEWPORTS)[number]): Promise<void> {
  await on.setViewportSize({ width: viewport.width, height: viewport.height });
  await open(on, path);
  expect(await pageOverflow(on), `${path} scrolls sideways at ${viewport.width} px`).toBeLessThanOrEqual(0);

  for (const table of await tableBoxes(on)) {
    if (viewport.width >= 1280) {
      expect(table.lastRight, `${path}: the last column of table "${table.name}" is cut off at ${viewport.width} px`).toBeLessThanOrEqual(table.boxRight);
    } else {
      expect([table.firstLeft >= 0, table.firstRight <= table.innerWidth], `${path}: the first column of table "${table.name}" is out of view`).toEqual([true, true]);
    }
  }

  const first = await markFirstStop(on);
  if (first === null) return; // a page with nothing to operate (none today) has no walk to check
  const stops = await tabIntoMain(on);
  expect(stops.filter((s) => !s.ring).map((s) => s.what), `${path}: focused without a visible focus ring`).toEqual([]);
  expect(stops.at(-1)?.isFirst, `${path}: Tab from the top reached ${stops.at(-1)?.what}, not the first control of the page, ${first}`).toBe(true);
}

it('reads every page from the router (the parser finds the known ones)', () => {
  expect(ROUTES).toEqual(expect.arrayContaining(['/account', '/w/:workspace/customers', '/w/:workspace/customers/:customerId', '/w/:workspace/sync-log', '/w/:workspace/sync-log/:runId', '/w/:workspace/integrations/hubspot/sync', '/w/:workspace/webhooks']));
  expect(ROUTES.length).toBeGreaterThanOrEqual(20);
  expect(ROUTES.some((p) => p.endsWith('*') || p === '/sign-in')).toBe(false);
  expect(SIGNED_OUT).toEqual(expect.arrayContaining(['/sign-in']));
});

for (const viewport of VIEWPORTS) {
  describe(`at ${viewport.width} × ${viewport.height}`, () => {
    for (const route of ROUTES) {
      it(`${route}: fits, tables whole, Tab reaches the content with a focus ring`, async () => {
        await checkPage(page, fillPath(route, samples), viewport);
      });
    }
    for (const route of SIGNED_OUT) {
      it(`${route} (signed out): fits, Tab reaches the form with a focus ring`, async () => {
        await checkPage(guest.page, route, viewport);
      });
    }

    it('Skip to content is the first Tab stop, visible, and leads into the page', async () => {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await open(page, '/w/default/sync-log');
      await markFirstStop(page);
      await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: 'Skip to content' });
      expect((await focusStop(page)).what).toMatch(/^<a class="skip-link"/);
      const box = await skip.boundingBox();
      expect(box && box.y >= 0 && box.x >= 0).toBe(true);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      expect(await focusStop(page)).toMatchObject({ inMain: true, isFirst: true, ring: true });
    });
  });
}

describe('the navigation on a phone', () => {
  it('is a menu button: Enter opens it (aria-expanded) with focus on its first link, Escape closes it and focus returns', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open(page, '/w/default/customers');
    const button = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect([await button.getAttribute('aria-expanded'), await nav.isVisible()]).toEqual(['false', false]);
    await button.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => button.getAttribute('aria-expanded')).toBe('true');
    expect(await nav.isVisible()).toBe(true);
    expect(await focusStop(page)).toMatchObject({ what: expect.stringContaining('Customers'), ring: true });
    await page.keyboard.press('Tab');
    expect((await focusStop(page)).what).toContain('Organizations');
    await page.keyboard.press('Escape');
    await expect.poll(() => button.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.isVisible()).toBe(false);
    expect((await focusStop(page)).what).toMatch(/^<button [^>]*class="menu-button"/);

    // Space opens it too, and a link chosen with Enter goes there and closes the menu.
    await page.keyboard.press('Space');
    await expect.poll(() => nav.isVisible()).toBe(true);
    await nav.getByRole('link', { name: 'Sync log' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sync log', level: 1 }).waitFor();
    expect(await nav.isVisible()).toBe(false);
  });
});

describe('a dialog', () => {
  it('keeps focus inside while open, closes with Escape and gives focus back to its opener', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, '/w/default/integrations/hubspot/connection');
    const opener = page.getByRole('button', { name: 'Disconnect' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Disconnect HubSpot?' });
    await dialog.waitFor();
    const focused = async () => {
      expect(await page.evaluate<boolean>("document.activeElement.closest('[role=dialog]') !== null")).toBe(true);
      return (await page.evaluate<string>('document.activeElement.textContent')).trim();
    };
    const names = [await focused()];
    // Shift-Tab from the first button goes round to the last, Tab from the last round to the first.
    for (const key of ['Shift+Tab', 'Tab', 'Tab', 'Tab']) {
      await page.keyboard.press(key);
      names.push(await focused());
    }
    expect(names).toEqual(['Cancel', 'Disconnect', 'Cancel', 'Disconnect', 'Cancel']);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate<string>("document.activeElement.textContent.trim() + (document.activeElement.closest('[role=dialog]') ? ' (in the dialog)' : '')")).toBe('Disconnect');
  });
});
