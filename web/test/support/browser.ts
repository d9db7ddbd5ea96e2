// Browser-test support: the real hubsync service serving the built UI on a random port, and
// Debian's Chromium driven by playwright-core with a fresh profile per browser.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { DEFAULT_WEB_DIST_DIR, webUiRoutes } from '../../../src/http/web-ui.js';
import { startService, type CreateServiceOptions, type StartedService } from '../../../src/main.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../../src/sandbox/index.js';
import { createTestDatabase } from '../../../test/support/database.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient, switchOffOnChangePush } from '../../../test/support/service.js';

export { ADMIN_EMAIL, ADMIN_PASSWORD, ApiClient };

export const DIST_DIR = DEFAULT_WEB_DIST_DIR;
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../docs/screenshots', import.meta.url));

/** A port that was free a moment ago: for a service whose own URL (OAuth redirect, public URL) must be known before it starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface UiService {
  url: string;
  service: StartedService;
  admin: ApiClient;
  close(): Promise<void>;
}

/** Starts hubsync against a fresh database with the web UI mounted (`jobs` as in createService). */
export async function startUiService(env: Record<string, string> = {}, options: { jobs?: CreateServiceOptions['jobs'] } = {}): Promise<UiService> {
  const db = await createTestDatabase();
  const base = loadConfig({
    HUBSYNC_PORT: '0',
    HUBSYNC_ADMIN_EMAIL: ADMIN_EMAIL,
    HUBSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HUBSYNC_LOG_LEVEL: 'silent',
    HUBSYNC_SANDBOX: 'off',
    ...env,
  });
  const dataDir = db.config.kind === 'sqlite' ? dirname(db.config.file) : mkdtempSync(join(tmpdir(), 'hubsync-data-'));
  const config = Object.freeze({ ...base, dataDir, database: db.config });
  let service: StartedService;
  try {
    service = await startService(config, { logger: false, extraRoutes: [webUiRoutes({ distDir: DIST_DIR })], ...(options.jobs ? { jobs: options.jobs } : {}) });
  } catch (error) {
    // Once src/main.ts mounts the UI itself, a second catch-all route is refused: use its own.
    if (!(error instanceof Error) || !/already declared|GET.*\/\*/i.test(error.message)) throw error;
    service = await startService(config, { logger: false, ...(options.jobs ? { jobs: options.jobs } : {}) });
  }
  // The UI tests start their runs by hand and watch them, as the API tests do.
  await switchOffOnChangePush(service);
  const address = service.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const admin = await ApiClient.signIn(url, ADMIN_EMAIL, ADMIN_PASSWORD);
  return {
    url,
    service,
    admin,
    async close() {
      await service.close();
      await db.drop();
    },
  };
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A Chromium with its own fresh profile (so its own cookies): one per signed-in person. */
export async function openBrowser(viewport = { width: 1280, height: 860 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'hubsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    page,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      // An uncaught exception in the UI fails the test even when the screen looked right.
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
  };
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface SandboxedUi {
  sandbox: RunningSandbox;
  ui: UiService;
  browser: Browser;
  page: Page;
  portalId: number;
  /** A full-scope private-app token of the portal (the one the service is connected with, unless `connect: false`). */
  token: string;
  /** Closes the browser (failing on uncaught page errors), then the service, then the sandbox. */
  close(): Promise<void>;
}

/**
 * The opening of a HubSpot browser test: a sandbox with a Pro portal, the UI service pointed at
 * it and (unless `connect: false`) connected with a private-app token, and a Chromium signed in
 * as the admin. What was started is closed again if a later step fails.
 *
 * @example ({ sandbox, ui, page, close } = await startSandboxedUi({ jobs: { work: false } }));
 */
export async function startSandboxedUi(options: { sandbox?: SandboxOptions; connect?: boolean; jobs?: CreateServiceOptions['jobs'] } = {}): Promise<SandboxedUi> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    // Newest first; every one is closed even when an earlier one throws, and the first error is kept.
    let failure: unknown;
    for (const closeOne of closers.splice(0).reverse()) await closeOne().catch((error: unknown) => (failure ??= error));
    if (failure !== undefined) throw failure;
  };
  try {
    const sandbox = await startSandbox({ ...options.sandbox });
    closers.push(() => sandbox.close());
    const { portalId } = sandbox.control.createPortal({ tier: 'pro' });
    const { token } = sandbox.control.createPrivateAppToken({ portalId });
    const ui = await startUiService({ HUBSPOT_BASE_URL: sandbox.baseUrl }, options.jobs ? { jobs: options.jobs } : {});
    closers.push(() => ui.close());
    if (options.connect !== false) {
      expect((await ui.admin.request('PUT', '/api/workspaces/default/hubspot/connection', { accessToken: token })).status).toBe(200);
    }
    const browser = await openBrowser();
    closers.push(() => browser.close());
    await signIn(browser.page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    return { sandbox, ui, browser, page: browser.page, portalId, token, close };
  } catch (error) {
    await close().catch(() => undefined); // the set-up failure is the one worth reporting
    throw error;
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let transitions (progress bar width, spinners) settle so pictures are stable.
  await page.waitForTimeout(350);
  // From the top: a page scrolled down (by a click near its end) draws the sticky top bar mid-picture.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true });
}
