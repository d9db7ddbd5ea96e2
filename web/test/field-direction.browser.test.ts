// The direction of each mapped field on the Field mapping tab, against the HubSpot sandbox over
// real HTTP: hidden while two-way sync is off, a Both / Push only / Pull only selector per row
// once it is on (Email fixed to Both, a field not synced has none to pick), saved with the
// mapping and shown again after a reload, and a Pull only field then left out of the push.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
let sandbox: RunningSandbox;
let ui: UiService;
let page: Page;
let portalId: number;
let close: SandboxedUi['close'];

beforeAll(async () => {
  ({ sandbox, ui, page, portalId, close } = await startSandboxedUi());
  expect((await ui.admin.patch(`${W}/hubspot/settings`, { pushContactsOnChange: false })).status).toBe(200);
});

afterAll(async () => {
  await close?.();
});

const direction = (label: string) => page.getByLabel(`${label} direction`, { exact: true });
const openMapping = async () => {
  await page.getByRole('link', { name: 'HubSpot' }).click();
  await page.getByRole('tab', { name: 'Field mapping' }).click();
  await page.getByRole('heading', { name: 'Customer fields → HubSpot contact properties' }).waitFor();
};

describe('field directions on the Field mapping tab', () => {
  it('shows no direction while two-way sync is off', async () => {
    await openMapping();
    await page.getByLabel('First name', { exact: true }).waitFor();
    expect(await page.getByRole('columnheader', { name: 'Direction' }).count()).toBe(0);
    expect(await direction('Phone').count()).toBe(0);
  });

  it('picks a direction per field with two-way sync on, saves it with the mapping and shows it after a reload', async () => {
    expect((await ui.admin.patch(`${W}/hubspot/settings`, { twoWay: true })).status).toBe(200);
    await page.reload();
    await page.getByRole('heading', { name: 'Customer fields → HubSpot contact properties' }).waitFor();
    await page.getByRole('columnheader', { name: 'Direction' }).waitFor();
    expect(await direction('Email').inputValue()).toBe('both');
    expect(await direction('Email').isDisabled()).toBe(true);
    expect(await direction('Phone').inputValue()).toBe('both');

    await direction('Phone').selectOption({ label: 'Pull only' });
    await direction('City').selectOption({ label: 'Push only' });
    // A field not synced has no direction to pick.
    await page.getByLabel('Street address', { exact: true }).selectOption('');
    expect(await direction('Street address').isDisabled()).toBe(true);
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Mapping saved.').waitFor();

    const saved = await ui.admin.get<{ fields: { field: string; property: string | null; direction: string }[] }>(`${W}/hubspot/mapping`);
    const byField = Object.fromEntries(saved.body.fields.map((f) => [f.field, [f.property, f.direction]]));
    expect(byField).toMatchObject({ email: ['email', 'both'], phone: ['phone', 'pull'], city: ['city', 'push'], firstName: ['firstname', 'both'], street: [null, 'both'] });

    await page.reload();
    await page.getByRole('columnheader', { name: 'Direction' }).waitFor();
    expect(await direction('Phone').inputValue()).toBe('pull');
    expect(await direction('City').inputValue()).toBe('push');
    expect(await direction('First name').inputValue()).toBe('both');
  });

  it('keeps showing a one-way field after two-way sync is turned off, and the push leaves a Pull only field out', async () => {
    expect((await ui.admin.patch(`${W}/hubspot/settings`, { twoWay: false })).status).toBe(200);
    await page.reload();
    await page.getByRole('columnheader', { name: 'Direction' }).waitFor();
    expect(await direction('Phone').inputValue()).toBe('pull');

    const made = await ui.admin.post<{ id: string }>(`${W}/customers`, { email: 'dora@example.com', firstName: 'Dora', phone: '+41 44 123 45 67', city: 'Bern' });
    expect(made.status).toBe(201);
    await page.getByRole('tab', { name: 'Synchronization' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('Sync finished').waitFor({ timeout: 60_000 });
    const [contact] = sandbox.control.listObjects(portalId, 'contacts');
    expect(contact!.properties).toMatchObject({ email: 'dora@example.com', firstname: 'Dora', city: 'Bern' });
    expect(contact!.properties['phone'] ?? null).toBeNull();
  });
});
