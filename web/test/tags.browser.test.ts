// The Tags page end to end, against the sandbox over real HTTP: an admin creates the
// hubsync_tags property, renames a built-in tag's label (HubSpot's option follows, its value
// stays), turns on a tag's HubSpot list, and sees a tagged customer counted and listed; the
// customer page shows the tag by its label and takes it off; the customers list filters by tag;
// custom behavioral events on a portal without them read "Unavailable: <HubSpot's message>",
// and "Try again" turns them on once the portal has them. Photographed into docs/screenshots/tags.png.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let sandbox: SandboxedUi['sandbox'];
let portalId: number;
let token: string;
let anaId: string;

beforeAll(async () => {
  ({ ui, page, close, sandbox, portalId, token } = await startSandboxedUi());
  const created = await ui.admin.post<{ results: { id: string }[] }>(`${W}/customers/bulk-upsert`, {
    customers: [
      { externalId: 'ana', email: 'ana@example.com', firstName: 'Ana', tags: ['event_registered'] },
      { externalId: 'ben', email: 'ben@example.com', firstName: 'Ben' },
    ],
  });
  anaId = created.body.results[0]!.id;
});
afterAll(async () => {
  await close?.();
});

const hubspotProperty = async () =>
  (await (await fetch(`${sandbox.baseUrl}/crm/v3/properties/contacts/hubsync_tags`, { headers: { authorization: `Bearer ${token}` } })).json()) as { options?: { value: string; label: string }[] };

it('creates the property, renames a label, turns on a list and counts the tagged customer', async () => {
  await page.goto(`${ui.url}/w/default/tags`);
  await page.getByRole('heading', { name: 'Tags', level: 1 }).waitFor();
  await page.getByTestId('tag-property-state').getByText('Not created yet').waitFor();
  await page.getByRole('button', { name: 'Create in HubSpot' }).click();
  await page.getByTestId('tag-property-state').getByText('In HubSpot').waitFor();
  expect((await hubspotProperty()).options?.find((o) => o.value === 'event_registered')?.label).toBe('Event registered');

  const label = page.getByLabel('Label of event_registered');
  await label.fill('Registered for an event');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect.poll(async () => (await hubspotProperty()).options?.find((o) => o.value === 'event_registered')?.label).toBe('Registered for an event');

  const row = page.getByRole('row').filter({ has: page.getByText('event_registered', { exact: true }) });
  expect(await row.getByRole('link').textContent()).toBe('1');
  // The box shows the saved setting, so it turns once the PATCH is answered: click and wait (check() wants it at once).
  const listBox = page.getByLabel('HubSpot list for event_registered');
  await listBox.click();
  await expect.poll(() => listBox.isChecked()).toBe(true);
  await page.getByTestId('list-state-event_registered').getByText(/waiting/).waitFor();
  await page.getByLabel('Adds on Event attended').waitFor();
  const tags = (await ui.admin.get<{ tags: { key: string; list: { enabled: boolean } }[] }>(`${W}/tags`)).body.tags;
  expect(tags.find((t) => t.key === 'event_registered')?.list.enabled).toBe(true);
  await screenshot(page, 'tags.png');
});

it('shows the tag by its label on the customer page, takes it off and adds another', async () => {
  await page.goto(`${ui.url}/w/default/customers/${anaId}`);
  const tags = page.getByRole('list', { name: 'Tags of this customer' });
  await tags.getByText('Registered for an event').waitFor();
  await page.getByRole('button', { name: 'Remove tag Registered for an event' }).click();
  await page.getByText('No tags.').waitFor();
  await page.getByLabel('Add tag').selectOption('event_attended');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await tags.getByText('Event attended').waitFor();
  const customer = await ui.admin.get<{ tags: string[] }>(`${W}/customers/${anaId}`);
  expect(customer.body.tags).toEqual(['event_attended']);
});

it('filters the customers list by tag', async () => {
  await page.goto(`${ui.url}/w/default/customers`);
  await page.getByRole('link', { name: 'Ben' }).waitFor();
  await page.getByLabel('Tag').selectOption('event_attended');
  await page.getByRole('link', { name: 'Ben' }).waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Ana' }).waitFor();
  expect(page.url()).toContain('tag=event_attended');
  void portalId;
});

it('says when the portal cannot take custom behavioral events, and turns them on once it can', async () => {
  sandbox.control.setCustomEvents(portalId, false);
  await page.goto(`${ui.url}/w/default/tags`);
  const state = page.getByTestId('tag-events-state');
  await state.getByText('Off').waitFor();
  // The box shows the saved setting: click and wait for the answer.
  const box = page.getByLabel('Also send activities as HubSpot custom events');
  await box.click();
  await expect.poll(() => box.isChecked()).toBe(true);
  await state.getByText(/^Unavailable: This app hasn't been granted all required scopes/).waitFor();
  expect(await state.textContent()).toContain('behavioral_events.event_definitions.read_write');
  await page.getByRole('alert').filter({ hasText: 'cannot take custom events' }).waitFor();
  // The portal becomes an Enterprise hub; the admin tries again.
  sandbox.control.setCustomEvents(portalId, true);
  await page.getByRole('button', { name: 'Try again' }).click();
  await state.getByText('On · 0 sent').waitFor();
  const events = (await ui.admin.get<{ events: { state: string } }>(`${W}/tags`)).body.events;
  expect(events.state).toBe('ready');
});
