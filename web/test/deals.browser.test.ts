// Deals and activity timelines in the UI, end to end, on records made through the API: the deals
// list (columns, search, status filter), a deal's page (fields, the link into HubSpot, an edit
// refused next to its field and then saved, read back from the API), linking and unlinking its
// customers and its organization, and the timelines of a deal, a customer (with its deals) and
// an organization, with older activity loaded on demand. Photographed into docs/screenshots/.
import type { Page } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { screenshot, startSandboxedUi, type SandboxedUi, type UiService } from './support/browser.js';

const W = '/api/workspaces/default';
interface Rec {
  id: string;
}
interface Deal extends Rec {
  stage: string | null;
  amount: string | null;
  organizationId: string | null;
  customerIds: string[];
  custom: Record<string, unknown>;
  sync: { status: string; statusLabel: string; hubspotId: string | null };
}

let ui: UiService;
let page: Page;
let close: SandboxedUi['close'];
let sandbox: SandboxedUi['sandbox'];
let portalId: number;
let org: Rec;
let otherOrg: Rec;
const people: Record<string, Rec> = {};
const deals: Record<string, Deal> = {};

async function created<T>(path: string, body: unknown): Promise<T> {
  const response = await ui.admin.post<T>(`${W}${path}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}
const readDeal = async (name: string) => (await ui.admin.get<Deal>(`${W}/deals/${deals[name]!.id}`)).body;

beforeAll(async () => {
  ({ ui, page, close, sandbox, portalId } = await startSandboxedUi());
  await created('/custom-fields', { objectType: 'deals', key: 'source', label: 'Lead source', type: 'single_choice', options: [{ value: 'fair', label: 'Trade fair' }, { value: 'web', label: 'Website' }] });
  org = await created<Rec>('/organizations', { name: 'Helvetia Events AG', domain: 'helvetia-events.example' });
  otherOrg = await created<Rec>('/organizations', { name: 'Nordlicht GmbH', domain: 'nordlicht.example' });
  people['ada'] = await created<Rec>('/customers', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
  people['ben'] = await created<Rec>('/customers', { firstName: 'Ben', lastName: 'Okafor', email: 'ben@example.com' });
  people['cleo'] = await created<Rec>('/customers', { firstName: 'Cleo', lastName: 'Martins', email: 'cleo@example.com' });
  deals['membership'] = await created<Deal>('/deals', {
    name: 'Annual membership 2027',
    amount: '125000.50',
    currency: 'chf',
    closeDate: '2027-03-31',
    stage: 'proposal',
    organizationId: org.id,
    customerIds: [people['ada']!.id],
    custom: { source: 'fair' },
  });
  const { users } = (await ui.admin.get<{ users: { id: string; name: string }[] }>(`${W}/users`)).body;
  deals['sponsorship'] = await created<Deal>('/deals', { name: 'Conference sponsorship', amount: '8000', currency: 'EUR', stage: 'won', ownerUserId: users[0]!.id, customerIds: [people['ben']!.id, people['ada']!.id] });

  await created('/activities', { type: 'membership_activated', occurredAt: '2026-01-05T09:00:00Z', title: 'Basic membership started', customerId: people['ada']!.id });
  await created('/activities', {
    type: 'event_attended',
    occurredAt: '2026-03-10T18:30:00Z',
    title: 'Zurich Summit 2026',
    details: 'Stayed for the members-only dinner.',
    customerId: people['ada']!.id,
    organizationId: org.id,
    dealId: deals['membership'].id,
  });
  await created('/activities', {
    type: 'support_ticket_updated',
    occurredAt: '2026-04-02T08:15:00Z',
    title: 'Invoice address change',
    customerId: people['ada']!.id,
    ticket: { number: 'T-1042', status: 'Waiting on customer', url: 'https://support.example/tickets/1042' },
  });
  // Cleo has a long history: 23 course activities, more than one timeline page (20).
  const history = Array.from({ length: 23 }, (_, i) => ({
    type: 'course_completed',
    occurredAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
    title: `Course ${String(i + 1).padStart(2, '0')}`,
    customerId: people['cleo']!.id,
  }));
  expect((await ui.admin.post<{ created: number }>(`${W}/activities/bulk`, { activities: history })).body.created).toBe(23);

  // The membership deal as a past push would have left it: a deal in the portal, up to date.
  const [hubspotDealId] = sandbox.control.seedObjects(portalId, 'deals', [{ dealname: 'Annual membership 2027' }]);
  await ui.service.context.db
    .updateTable('deals')
    .set({ hubspot_id: hubspotDealId!, sync_status: 'synced', synced_hash: sql<string>`current_hash`, synced_at: Date.now() })
    .where('id', '=', deals['membership'].id)
    .execute();
  deals['membership'] = await readDeal('membership');
  expect(deals['membership'].sync).toMatchObject({ status: 'synced', hubspotId: hubspotDealId });
});

afterAll(async () => {
  await close?.();
});

it('lists deals with amount, stage, close date and status, and searches and filters them', async () => {
  await page.goto(`${ui.url}/w/default/customers`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deals' }).click();
  await page.getByRole('heading', { name: 'Deals' }).waitFor();
  const rows = page.getByRole('table', { name: 'Deals' }).locator('tbody tr');
  await expect.poll(() => rows.count()).toBe(2);
  const membership = rows.filter({ hasText: 'Annual membership 2027' });
  const cells = await membership.locator('td').allTextContents();
  expect(cells.slice(1, 4)).toEqual(['125,000.50 CHF', 'proposal', 'Mar 31, 2027']);
  expect(cells[5]).toBe('Synced');
  // The owner is named once the member list has been read.
  await expect.poll(() => rows.filter({ hasText: 'Conference sponsorship' }).locator('td').allTextContents()).toEqual(['Conference sponsorship', '8,000 EUR', 'won', '—', 'Administrator', 'Not synced']);
  await screenshot(page, 'deals.png');

  await page.getByLabel('Search deals').fill('sponsor');
  await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('Conference sponsorship')]);
  await page.getByLabel('Search deals').fill('');
  await page.getByLabel('Status').selectOption('synced');
  await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('Annual membership 2027')]);
  await page.getByLabel('Status').selectOption('error');
  await page.getByText('No deals match this search.').waitFor();
});

it('shows a deal with its HubSpot link, refuses a bad amount next to its field, and saves a new stage', async () => {
  await page.getByLabel('Status').selectOption('');
  await page.getByRole('link', { name: 'Annual membership 2027' }).click();
  await page.getByRole('heading', { name: 'Annual membership 2027' }).waitFor();
  const fields = page.locator('.field-list');
  await fields.getByText('125,000.50 CHF').waitFor();
  await fields.getByText('Trade fair', { exact: true }).waitFor();
  expect(await fields.first().textContent()).toContain('proposal');
  const hubspotLink = page.locator('.sync-card a', { hasText: deals['membership']!.sync.hubspotId! });
  expect(await hubspotLink.getAttribute('href')).toBe(`https://app.hubspot.com/contacts/${portalId}/record/0-3/${deals['membership']!.sync.hubspotId}`);

  await page.getByRole('button', { name: 'Edit' }).click();
  expect(await page.getByLabel('Stage').inputValue()).toBe('proposal');
  expect(await page.getByLabel('Close date').inputValue()).toBe('2027-03-31');
  await page.getByLabel('Stage').fill('negotiation');
  await page.getByLabel('Amount').fill('lots');
  await page.getByLabel('Lead source').selectOption('web');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#f-amount-error').waitFor();
  expect(await readDeal('membership')).toMatchObject({ stage: 'proposal', amount: '125000.50' });

  await page.getByLabel('Amount').fill('130000');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Edit' }).waitFor();
  await fields.getByText('negotiation').waitFor();
  await fields.getByText('130,000 CHF').waitFor();
  const after = await readDeal('membership');
  expect(after).toMatchObject({ stage: 'negotiation', amount: '130000', custom: { source: 'web' }, organizationId: org.id, customerIds: [people['ada']!.id] });
  // Pushed before, changed since: the next run updates the deal in HubSpot.
  expect(after.sync.status).toBe('needs_update');
  expect(await page.locator('.sync-card .badge').textContent()).toBe(after.sync.statusLabel);
});

it("shows the deal's timeline, and links and unlinks its customers and organization", async () => {
  const timeline = page.getByRole('list', { name: 'Activity timeline' }).locator('li');
  await expect.poll(() => timeline.count()).toBe(1);
  expect(await timeline.locator('.activity-type').textContent()).toBe('Event attended');
  expect(await timeline.textContent()).toContain('Zurich Summit 2026');
  expect(await timeline.textContent()).toContain('Stayed for the members-only dinner.');
  expect(await timeline.locator('time').getAttribute('datetime')).toBe('2026-03-10T18:30:00.000Z');
  await timeline.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await screenshot(page, 'deal.png');

  const customers = page.getByRole('table', { name: 'Deal customers' });
  await page.getByLabel('Find a customer').fill('ben');
  await page.getByRole('button', { name: 'Add Ben Okafor' }).click();
  await customers.locator(`tr[data-customer-id="${people['ben']!.id}"]`).getByRole('link', { name: 'Ben Okafor' }).waitFor();
  expect((await readDeal('membership')).customerIds.sort()).toEqual([people['ada']!.id, people['ben']!.id].sort());
  await customers.getByRole('button', { name: 'Remove Ada Lovelace' }).click();
  await expect.poll(() => customers.locator('tbody tr').count()).toBe(1);
  expect((await readDeal('membership')).customerIds).toEqual([people['ben']!.id]);

  const organization = page.locator('section[aria-labelledby="deal-organization-heading"]');
  await organization.getByRole('link', { name: 'Helvetia Events AG' }).waitFor();
  await organization.getByRole('button', { name: 'Clear the organization' }).click();
  await organization.getByText('Not linked to an organization.').waitFor();
  expect((await readDeal('membership')).organizationId).toBeNull();
  await page.getByLabel('Find an organization').fill('nordlicht');
  await page.getByRole('button', { name: 'Set Nordlicht GmbH' }).click();
  await organization.getByRole('link', { name: 'Nordlicht GmbH' }).waitFor();
  expect((await readDeal('membership')).organizationId).toBe(otherOrg.id);
});

it("shows a customer's timeline newest first, with the ticket, and the customer's deals", async () => {
  await page.goto(`${ui.url}/w/default/customers/${people['ada']!.id}`);
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  const timeline = page.getByRole('list', { name: 'Activity timeline' }).locator('li');
  await expect.poll(() => timeline.locator('.activity-type').allTextContents()).toEqual(['Support ticket updated', 'Event attended', 'Membership activated']);
  expect(await timeline.locator('.timeline-title').allTextContents()).toEqual(['Invoice address change', 'Zurich Summit 2026', 'Basic membership started']);
  const ticket = timeline.first().locator('.ticket');
  expect(await ticket.textContent()).toContain('Waiting on customer');
  expect(await ticket.getByRole('link', { name: 'T-1042' }).getAttribute('href')).toBe('https://support.example/tickets/1042');
  // The event names its deal and organization; the customer's own timeline does not name her.
  await timeline.nth(1).getByRole('link', { name: 'Annual membership 2027' }).waitFor();
  await timeline.nth(1).getByRole('link', { name: 'Helvetia Events AG' }).waitFor();
  expect(await timeline.nth(1).getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(0);

  // Ada was unlinked from the membership deal above: only the sponsorship is hers; Ben has both.
  const adaDeals = page.getByRole('table', { name: 'Customer deals' }).locator('tbody tr');
  await expect.poll(() => adaDeals.locator('td:first-child').allTextContents()).toEqual(['Conference sponsorship']);
  await screenshot(page, 'customer-timeline.png');
  await page.goto(`${ui.url}/w/default/customers/${people['ben']!.id}`);
  await page.getByRole('heading', { name: 'Ben Okafor' }).waitFor();
  const benDeals = page.getByRole('table', { name: 'Customer deals' }).locator('tbody tr');
  await expect.poll(() => benDeals.locator('td:first-child').allTextContents()).toEqual(['Annual membership 2027', 'Conference sponsorship']);
  expect(await benDeals.first().locator('td').allTextContents()).toContain('negotiation');
  await page.getByText('No activity yet.', { exact: false }).waitFor();
});

it('loads older activity on demand, and shows an organization its timeline', async () => {
  await page.goto(`${ui.url}/w/default/customers/${people['cleo']!.id}`);
  const titles = page.getByRole('list', { name: 'Activity timeline' }).locator('.timeline-title');
  await expect.poll(() => titles.count()).toBe(20);
  expect(await titles.first().textContent()).toBe('Course 23');
  await page.getByRole('button', { name: 'Show older activity' }).click();
  await expect.poll(() => titles.count()).toBe(23);
  expect(await titles.last().textContent()).toBe('Course 01');
  expect(await page.getByRole('button', { name: 'Show older activity' }).count()).toBe(0);

  await page.goto(`${ui.url}/w/default/organizations/${org.id}`);
  await page.getByRole('heading', { name: 'Helvetia Events AG' }).waitFor();
  const timeline = page.getByRole('list', { name: 'Activity timeline' }).locator('li');
  await expect.poll(() => timeline.locator('.timeline-title').allTextContents()).toEqual(['Zurich Summit 2026']);
  await timeline.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  // The membership deal moved to Nordlicht above: listed there, no longer here.
  await page.getByText('No deals are linked to this organization.').waitFor();
  await page.goto(`${ui.url}/w/default/organizations/${otherOrg.id}`);
  const orgDeals = page.getByRole('table', { name: 'Organization deals' }).locator('tbody tr');
  await expect.poll(() => orgDeals.locator('td:first-child').allTextContents()).toEqual(['Annual membership 2027']);
  await page.getByText('No activity yet.', { exact: false }).waitFor();
});
