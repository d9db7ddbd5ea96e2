// The Users and API keys pages (admins): inviting someone (the link shown once, accepted in
// another browser), changing their role and removing them, the last admin kept; an API key shown
// once that authenticates a plain HTTP call, its "last used", and revoking it; an admin's password
// reset link used by the member signed out, ending their old session; both pages by keyboard and
// at 390 px without horizontal scrolling, and their tables whole at 1,280 px.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteMember } from '../../test/support/service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, openBrowser, screenshot, signIn, startUiService, type Browser, type UiService } from './support/browser.js';

let ui: UiService;
let admin: Browser;
let page: Page;

beforeAll(async () => {
  ui = await startUiService();
  admin = await openBrowser();
  page = admin.page;
  await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.url });
  await signIn(page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
}, 120_000);
afterAll(async () => {
  await admin?.close();
  await ui?.close();
});

/** The link as this test server serves it (the service's public URL is a placeholder in tests). */
const local = (link: string) => {
  const url = new URL(link);
  return `${ui.url}${url.pathname}${url.hash}`;
};

const noHorizontalScroll = (p: Page) => p.evaluate<boolean>('document.scrollingElement.scrollWidth <= window.innerWidth');

/** True when every table on the page fits its scrolling wrapper (nothing hidden to the right). */
const tablesWhole = (p: Page) => p.evaluate<boolean>("[...document.querySelectorAll('.table-wrap')].every((wrap) => wrap.scrollWidth <= wrap.clientWidth)");

describe('Users page', () => {
  it('invites by a link shown once, which a fresh browser accepts; the member is re-roled and removed; the last admin stays', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await page.getByLabel('Email').fill('nora@example.com');
    await page.getByLabel('Role').selectOption('member');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const shown = page.getByRole('status', { name: 'Invitation link for nora@example.com' });
    await shown.waitFor();
    const link = await shown.getByLabel('Invitation link').inputValue();
    expect(link).toMatch(/\/invitations\/accept#token=/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => shown.textContent()).toContain('Copied.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(link);
    const invitations = page.getByRole('table', { name: 'Pending invitations' });
    await expect.poll(() => invitations.textContent()).toContain('nora@example.com');
    await screenshot(page, 'users.png');
    // Shown once: the server never answers the token again.
    await page.reload();
    await invitations.waitFor();
    expect(await page.content()).not.toContain(new URL(link).hash.slice('#token='.length));

    const nora = await openBrowser();
    try {
      await nora.page.goto(local(link));
      await nora.page.getByLabel('Your name').fill('Nora Newcomer');
      await nora.page.getByLabel('Choose a password').fill('nora-chooses-this-1');
      await nora.page.getByRole('button', { name: 'Accept invitation' }).click();
      await nora.page.getByRole('heading', { name: 'Customers' }).waitFor();
      // A member sees no Users or API keys entries, the pages refuse her, and so does the API.
      expect(await nora.page.getByRole('link', { name: 'Users' }).count()).toBe(0);
      expect(await nora.page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
      await nora.page.goto(`${ui.url}/w/default/users`);
      await nora.page.getByRole('heading', { name: 'You don\'t have access' }).waitFor();
      const refused = await nora.page.evaluate<{ status: number; body: unknown }>("fetch('/api/workspaces/default/users').then(async (r) => ({ status: r.status, body: await r.json() }))");
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    } finally {
      await nora.close();
    }

    await page.reload();
    const members = page.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.textContent()).toContain('Nora Newcomer');
    await page.getByText('No invitation is waiting to be accepted.').waitFor();
    const noraRow = members.getByRole('row', { name: /Nora Newcomer/ });
    await page.getByRole('button', { name: 'Make Nora Newcomer an admin' }).click();
    await expect.poll(() => noraRow.locator('.pill').first().textContent()).toBe('Admin');
    await page.getByRole('button', { name: 'Make Nora Newcomer a member' }).click();
    await expect.poll(() => noraRow.locator('.pill').first().textContent()).toBe('Member');

    // Remove: Escape closes the confirmation and gives focus back to the button; then confirmed.
    const remove = page.getByRole('button', { name: 'Remove Nora Newcomer' });
    await remove.click();
    const dialog = page.getByRole('dialog', { name: 'Remove Nora Newcomer?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate<string | null>("document.activeElement.getAttribute('aria-label')")).toBe('Remove Nora Newcomer');
    await remove.click();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => members.textContent()).not.toContain('Nora Newcomer');
    const listed = await ui.admin.get<{ users: { email: string }[] }>('/api/workspaces/default/users');
    expect(listed.body.users.map((u) => u.email)).toEqual([ADMIN_EMAIL]);

    // The only admin: demoting is refused with the API's explanation, and nothing changes.
    await page.getByRole('button', { name: 'Make Administrator a member' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('at least one admin');
    expect(await members.getByRole('row', { name: /Administrator/ }).locator('.pill').first().textContent()).toBe('Admin');
    expect((await ui.admin.get<{ users: { role: string }[] }>('/api/workspaces/default/users')).body.users.map((u) => u.role)).toEqual(['admin']);
  }, 240_000);

  it('resets a member’s password: the link shown once is used signed out, the new password works and the old session ends', async () => {
    await inviteMember(ui.admin, ui.url, 'default', { email: 'rosa@example.com', name: 'Rosa Reset', role: 'member', password: 'rosa-forgot-this-1' });
    const rosa = await openBrowser();
    const stranger = await openBrowser();
    try {
      await signIn(rosa.page, ui.url, 'rosa@example.com', 'rosa-forgot-this-1');
      await page.goto(`${ui.url}/w/default/users`);
      await page.getByRole('button', { name: 'Reset the password of Rosa Reset' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Make reset link' }).click();
      const shown = page.getByRole('status', { name: 'Password reset link for rosa@example.com' });
      const link = await shown.getByLabel('Reset link').inputValue();
      expect(link).toMatch(/\/password-reset#token=/);

      await stranger.page.goto(local(link));
      await stranger.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await stranger.page.getByLabel('New password', { exact: true }).fill('password1234');
      await stranger.page.getByLabel('Repeat the new password').fill('password1234');
      await stranger.page.getByRole('button', { name: 'Set new password' }).click();
      await expect.poll(() => stranger.page.locator('#reset-password-error').textContent()).toContain('too common');
      await stranger.page.getByLabel('New password', { exact: true }).fill('rosa-remembers-now-2');
      await stranger.page.getByLabel('Repeat the new password').fill('rosa-remembers-now-2');
      await stranger.page.getByRole('button', { name: 'Set new password' }).click();
      await expect.poll(() => stranger.page.getByRole('status').textContent()).toContain('Your password is set');
      // Used once: opening it again and trying is refused with the API's message.
      await stranger.page.reload();
      await stranger.page.getByLabel('New password', { exact: true }).fill('rosa-third-try-333');
      await stranger.page.getByLabel('Repeat the new password').fill('rosa-third-try-333');
      await stranger.page.getByRole('button', { name: 'Set new password' }).click();
      await expect.poll(() => stranger.page.getByRole('alert').textContent()).toContain('not valid');

      // Rosa's old session has ended; the new password signs her in.
      await rosa.page.reload();
      await rosa.page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signIn(rosa.page, ui.url, 'rosa@example.com', 'rosa-remembers-now-2');
    } finally {
      await rosa.close();
      await stranger.close();
    }
  }, 240_000);
});

describe('API keys page', () => {
  it('shows a new key once; it authenticates a plain HTTP call, its last use shows, and once revoked it is refused', async () => {
    await page.goto(`${ui.url}/w/default/customers`);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Shop backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('status', { name: 'API key Shop backend created' });
    const key = await shown.getByLabel('API key').inputValue();
    expect(key).toMatch(/^hsk_/);
    const table = page.getByRole('table', { name: 'API keys' });
    const row = table.getByRole('row', { name: /Shop backend/ });
    await expect.poll(() => row.textContent()).toContain('Never');
    expect(await row.textContent()).toContain('Administrator');

    const call = () => fetch(`${ui.url}/api/workspaces/default/customers`, { headers: { authorization: `Bearer ${key}` } });
    expect((await call()).status).toBe(200);
    await expect
      .poll(async () => {
        await page.reload();
        await row.waitFor();
        return row.textContent();
      })
      .not.toContain('Never');
    expect(await page.content()).not.toContain(key);
    await screenshot(page, 'api-keys.png');

    await page.getByRole('button', { name: 'Revoke Shop backend' }).click();
    await page.getByRole('dialog', { name: 'Revoke Shop backend?' }).getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row.textContent()).toContain('Revoked');
    const refused = await call();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });
});

describe('narrow screens, keyboard and wide tables', () => {
  it('has no horizontal scroll at 390 px, works by keyboard alone, and shows whole tables at 1,280 px', async () => {
    // Its own key, so the keys table is there whichever tests ran before.
    expect((await ui.admin.post('/api/workspaces/default/api-keys', { name: 'A rather long key name for the narrow check' })).status).toBe(201);
    const narrow = await openBrowser({ width: 390, height: 844 });
    try {
      await signIn(narrow.page, ui.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      for (const path of ['users', 'api-keys']) {
        await narrow.page.goto(`${ui.url}/w/default/${path}`);
        await narrow.page.locator('table').first().waitFor();
        expect(await noHorizontalScroll(narrow.page), `${path} at 390 px`).toBe(true);
        expect(await tablesWhole(narrow.page), `${path} tables at 390 px`).toBe(true);
      }
      // Keyboard only: from the Name field, Tab reaches Create key (with a visible focus ring), Enter creates.
      await narrow.page.getByLabel('Name', { exact: true }).focus();
      await narrow.page.keyboard.type('Keyboard key');
      await narrow.page.keyboard.press('Tab');
      const focused = () => narrow.page.evaluate<{ text: string; ring: string }>('({ text: document.activeElement.textContent, ring: getComputedStyle(document.activeElement).boxShadow })');
      expect((await focused()).text).toBe('Create key');
      expect((await focused()).ring).not.toBe('none');
      await narrow.page.keyboard.press('Enter');
      const shown = narrow.page.getByRole('status', { name: 'API key Keyboard key created' });
      await shown.waitFor();
      expect(await noHorizontalScroll(narrow.page), 'a new key shown at 390 px').toBe(true);
      // Revoke by keyboard: Enter opens the dialog with focus on Cancel, Escape closes it.
      await narrow.page.getByRole('button', { name: 'Revoke Keyboard key' }).focus();
      await narrow.page.keyboard.press('Enter');
      await narrow.page.getByRole('dialog').waitFor();
      expect((await focused()).text).toBe('Cancel');
      await narrow.page.keyboard.press('Escape');
      await narrow.page.getByRole('dialog').waitFor({ state: 'detached' });
      await narrow.page.goto(`${ui.url}/password-reset#token=x`);
      await narrow.page.getByLabel('New password', { exact: true }).waitFor();
      expect(await noHorizontalScroll(narrow.page), 'reset page at 390 px').toBe(true);
    } finally {
      await narrow.close();
    }
    for (const path of ['users', 'api-keys']) {
      await page.goto(`${ui.url}/w/default/${path}`);
      await page.locator('table').first().waitFor();
      expect(await tablesWhole(page), `${path} tables at 1,280 px`).toBe(true);
    }
  });
});
