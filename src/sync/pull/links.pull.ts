// HubSpot's associations in, as local links (issue 15, part 5): contact ↔ company as the
// customer's organizations (customer_organizations, the Primary label as `is_primary`), deal ↔
// contact as the deal's customers (deal_customers), deal ↔ company as the deal's organization.
//
// Reading: the pull engine reads the associations of the records a page brought (they are the
// records that may have changed; an association change HubSpot makes without touching either
// record arrives as an `associationChange` webhook, which reads the record by id), with the v4
// batch read: one call per kind for up to 1,000 records, so a page costs one call per kind,
// and an empty page (an idle workspace) none. Only kinds whose target type the workspace pulls
// are read (contact → company and deal → company need companies synced).
//
// Merging, per record and kind, three ways as the fields are (./merge.ts), on sets of HubSpot
// ids: the base is `synced_links` (what hubsync and HubSpot last agreed the record was associated
// with; the push keeps it too), the local side the record's links, HubSpot's side what it read.
//   - associated in HubSpot since the base, not linked here: linked here (when the target is a
//     live local record linked to HubSpot; others are left out, and out of the base);
//   - in the base, gone from HubSpot, still linked here: unlinked here;
//   - linked or unlinked here since the base: left for the push (kept out of, or in, the base).
// The new base is what both sides hold, plus the associations a local unlink still has to
// archive, so the push neither sends back what came from HubSpot (no echo) nor archives what
// people made in HubSpot and hubsync cannot show. A deal has one organization: HubSpot's is its
// Primary company (or its only one); a customer's primary organization follows HubSpot's
// Primary label when only HubSpot moved it.
import type { CallOptions, HubSpotClient, ObjectType } from '../../hubspot/index.js';
import type { Db } from '../../store/index.js';
import {
  changeDealCustomers,
  dealCustomerLinks,
  dealOrganizations,
  hubspotIdsOfRecords,
  linkOrganizationMember,
  listMembershipsOfCustomers,
  liveIdsByHubSpotId,
  readSyncedLinks,
  setDealOrganization,
  touchDeals,
  touchRecords,
  unlinkOrganizationMembers,
  writeSyncedLinks,
} from '../../store/index.js';
import { parseSyncedLinks, type SyncedCompanyLinks } from '../contact-companies.js';
import { parseSyncedLinks as parseDealLinks, type SyncedLinks as DealSyncedLinks } from '../objects/deal.adapter.js';

/** HubSpot's v4 batch association read takes up to 1,000 ids. */
export const ASSOCIATION_READ_SIZE = 1_000;
/** The Primary labels: contact → company (1), deal → company (5). */
const PRIMARY_TYPE_IDS: ReadonlySet<number> = new Set([1, 5]);

/** What HubSpot associates one record with, in one kind: the target ids, and those with the Primary label. */
export interface HubSpotLinks {
  ids: string[];
  primary: string[];
}

/** Per target type read: each record's HubSpot links (a record with none has empty ones). A kind not read is absent. */
export type PageAssociations = ReadonlyMap<ObjectType, ReadonlyMap<string, HubSpotLinks>>;

/**
 * Reads the associations of `ids` (records of `from`) to each of `kinds`: one batch call per
 * kind and 1,000 ids. A record HubSpot has no association for comes back among the errors, and
 * reads as none; a record read under another id (merged away) is left to the merge handling.
 */
export async function readAssociations(client: HubSpotClient, from: ObjectType, kinds: readonly ObjectType[], ids: readonly string[], call: CallOptions): Promise<Map<ObjectType, Map<string, HubSpotLinks>>> {
  const out = new Map<ObjectType, Map<string, HubSpotLinks>>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  for (const to of kinds) {
    const links = new Map<string, HubSpotLinks>(unique.map((id) => [id, { ids: [], primary: [] }]));
    for (let i = 0; i < unique.length; i += ASSOCIATION_READ_SIZE) {
      const read = await client.associations.batchRead(from, to, unique.slice(i, i + ASSOCIATION_READ_SIZE), call);
      for (const result of read.results) {
        const entry = links.get(String(result.from.id));
        if (!entry) continue;
        for (const target of result.to) {
          const id = String(target.toObjectId);
          if (!entry.ids.includes(id)) entry.ids.push(id);
          if (target.associationTypes.some((t) => PRIMARY_TYPE_IDS.has(t.typeId)) && !entry.primary.includes(id)) entry.primary.push(id);
        }
      }
    }
    out.set(to, links);
  }
  return out;
}

/** What merging one kind of a record's links comes to (pure). */
export interface LinkSetMerge {
  /** HubSpot ids to link here. */
  add: string[];
  /** HubSpot ids to unlink here. */
  remove: string[];
  /** The local side afterwards (HubSpot ids). */
  next: string[];
  /** The new base: what both sides hold, plus local unlinks the push still has to archive. */
  base: string[];
}

/**
 * The three-way merge of a set of links (pure): `base`, `local` and `hubspot` are HubSpot ids;
 * `known` says whether a HubSpot id is a local record that can be linked.
 *
 * @example mergeLinkSet(['1'], ['1'], ['1', '2'], () => true) // add ['2'], base ['1', '2']
 */
export function mergeLinkSet(base: readonly string[], local: readonly string[], hubspot: readonly string[], known: (id: string) => boolean): LinkSetMerge {
  const inBase = new Set(base);
  const inLocal = new Set(local);
  const inHubSpot = new Set(hubspot);
  const add = hubspot.filter((id) => !inBase.has(id) && !inLocal.has(id) && known(id));
  const remove = local.filter((id) => inBase.has(id) && !inHubSpot.has(id));
  const next = [...local.filter((id) => !remove.includes(id)), ...add];
  const inNext = new Set(next);
  const agreed = next.filter((id) => inHubSpot.has(id));
  // Unlinked here since the base and still in HubSpot: the push archives it.
  const unlinked = base.filter((id) => inHubSpot.has(id) && !inNext.has(id));
  return { add, remove, next, base: [...new Set([...agreed, ...unlinked])].sort() };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set([...a, ...b]).size === new Set(a).size;

/** What bringing a record's links in did: `changed` its local links; `agreed` both sides hold the same (nothing to push for them). */
export interface LinkOutcome {
  changed: boolean;
  agreed: boolean;
}

/** A pulled record: its local id and its HubSpot id. */
export interface LinkedPair {
  id: string;
  hubspotId: string;
}

/**
 * Contact → company associations into customers' organizations, for the customers of `pairs`
 * whose associations were read (`companies`: HubSpot contact id → links).
 */
export async function applyContactLinks(db: Db, workspaceId: string, pairs: readonly LinkedPair[], companies: ReadonlyMap<string, HubSpotLinks>, now: number): Promise<Map<string, LinkOutcome>> {
  const out = new Map<string, LinkOutcome>();
  const read = pairs.filter((p) => companies.has(p.hubspotId));
  if (read.length === 0) return out;
  const ids = read.map((p) => p.id);
  const [memberships, synced] = await Promise.all([listMembershipsOfCustomers(db, workspaceId, ids), readSyncedLinks(db, 'customers', workspaceId, ids)]);
  const memberOrgs = [...new Set([...memberships.values()].flat().map((m) => m.organizationId))];
  const [orgHubSpotIds, orgByHubSpotId] = await Promise.all([
    hubspotIdsOfRecords(db, 'organizations', workspaceId, memberOrgs),
    liveIdsByHubSpotId(db, 'organizations', workspaceId, read.flatMap((p) => companies.get(p.hubspotId)!.ids)),
  ]);
  const savedLinks: { id: string; syncedLinks: string }[] = [];
  const touched: string[] = [];
  for (const { id, hubspotId } of read) {
    const hubspot = companies.get(hubspotId)!;
    const members = memberships.get(id) ?? [];
    const base = parseSyncedLinks(synced.get(id) ?? null);
    const pending = members.some((m) => !orgHubSpotIds.get(m.organizationId));
    const local = members.flatMap((m) => orgHubSpotIds.get(m.organizationId) ?? []);
    const orgOf = (companyId: string) => members.find((m) => orgHubSpotIds.get(m.organizationId) === companyId)?.organizationId ?? orgByHubSpotId.get(companyId);
    const merged = mergeLinkSet(base.companies, local, hubspot.ids, (c) => orgByHubSpotId.has(c));

    // The Primary label: HubSpot's is taken when only HubSpot moved it.
    const primaryMember = members.find((m) => m.primary);
    const localPrimary = primaryMember ? (orgHubSpotIds.get(primaryMember.organizationId) ?? null) : null;
    const hubspotPrimary = hubspot.primary.find((c) => hubspot.ids.includes(c)) ?? null;
    const basePrimary = base.primary[0] ?? null;
    let primary = localPrimary;
    const primaryPending = primaryMember !== undefined && localPrimary === null;
    if (!primaryPending && hubspotPrimary !== basePrimary && localPrimary === basePrimary && (hubspotPrimary === null || merged.next.includes(hubspotPrimary))) primary = hubspotPrimary;
    if (primary !== null && !merged.next.includes(primary)) primary = null;

    for (const companyId of merged.remove) await unlinkOrganizationMembers(db, workspaceId, id, orgOf(companyId));
    for (const companyId of merged.add) await linkOrganizationMember(db, workspaceId, { customerId: id, organizationId: orgByHubSpotId.get(companyId)!, primary: companyId === primary }, now);
    const primaryMoved = !primaryPending && primary !== (merged.remove.includes(localPrimary ?? '') ? null : localPrimary);
    if (primaryMoved) {
      if (primary !== null && !merged.add.includes(primary)) await linkOrganizationMember(db, workspaceId, { customerId: id, organizationId: orgOf(primary)!, primary: true }, now);
      if (primary === null && localPrimary !== null && !merged.remove.includes(localPrimary)) {
        await linkOrganizationMember(db, workspaceId, { customerId: id, organizationId: orgOf(localPrimary)!, primary: false }, now);
      }
    }
    const next: SyncedCompanyLinks = { companies: merged.base, primary: hubspotPrimary !== null && merged.base.includes(hubspotPrimary) ? [hubspotPrimary] : [] };
    const changed = merged.add.length > 0 || merged.remove.length > 0 || primaryMoved;
    if (changed) touched.push(id);
    if (JSON.stringify(next) !== JSON.stringify(base)) savedLinks.push({ id, syncedLinks: JSON.stringify(next) });
    const agreed = !pending && !primaryPending && sameSet(merged.next, merged.base) && (primary ?? null) === (next.primary[0] ?? null);
    out.set(id, { changed, agreed });
  }
  await writeSyncedLinks(db, 'customers', workspaceId, savedLinks);
  await touchRecords(db, 'customers', workspaceId, touched, now);
  return out;
}

/**
 * Deal → contact and deal → company associations into the deal's customers and organization,
 * for the deals of `pairs` whose associations were read (a kind not read is left alone).
 */
export async function applyDealLinks(db: Db, workspaceId: string, pairs: readonly LinkedPair[], associations: PageAssociations, now: number): Promise<Map<string, LinkOutcome>> {
  const out = new Map<string, LinkOutcome>();
  const contacts = associations.get('contacts');
  const companies = associations.get('companies');
  const read = pairs.filter((p) => contacts?.has(p.hubspotId) || companies?.has(p.hubspotId));
  if (read.length === 0) return out;
  const ids = read.map((p) => p.id);
  const hubspotOf = (kind: ReadonlyMap<string, HubSpotLinks> | undefined) => read.flatMap((p) => kind?.get(p.hubspotId)?.ids ?? []);
  const [customerLinks, organizations, synced, customerByHubSpotId, orgByHubSpotId] = await Promise.all([
    dealCustomerLinks(db, workspaceId, ids),
    dealOrganizations(db, workspaceId, ids),
    readSyncedLinks(db, 'deals', workspaceId, ids),
    liveIdsByHubSpotId(db, 'customers', workspaceId, hubspotOf(contacts)),
    liveIdsByHubSpotId(db, 'organizations', workspaceId, hubspotOf(companies)),
  ]);
  const orgHubSpotIds = await hubspotIdsOfRecords(db, 'organizations', workspaceId, [...organizations.values()].flatMap((o) => (o === null ? [] : [o])));
  const customerChanges: { dealId: string; add: string[]; remove: string[] }[] = [];
  const savedLinks: { id: string; syncedLinks: string }[] = [];
  const touched: string[] = [];
  for (const { id, hubspotId } of read) {
    const base = parseDealLinks(synced.get(id), hubspotId);
    const next: DealSyncedLinks = { ...base };
    let changed = false;
    let agreed = true;

    const linked = customerLinks.get(id) ?? [];
    const hubspotContacts = contacts?.get(hubspotId);
    if (hubspotContacts) {
      const local = linked.flatMap((l) => l.hubspotId ?? []);
      const merged = mergeLinkSet(base.contacts, local, hubspotContacts.ids, (c) => customerByHubSpotId.has(c));
      const add = merged.add.map((c) => customerByHubSpotId.get(c)!);
      const remove = merged.remove.flatMap((c) => linked.filter((l) => l.hubspotId === c).map((l) => l.customerId));
      if (add.length > 0 || remove.length > 0) {
        customerChanges.push({ dealId: id, add, remove });
        changed = true;
      }
      next.contacts = merged.base;
      agreed &&= !linked.some((l) => l.hubspotId === null) && sameSet(merged.next, merged.base);
    } else {
      agreed &&= sameSet(linked.flatMap((l) => l.hubspotId ?? []), base.contacts) && !linked.some((l) => l.hubspotId === null);
    }

    const hubspotCompanies = companies?.get(hubspotId);
    const organization = organizations.get(id) ?? null;
    const local = organization === null ? null : (orgHubSpotIds.get(organization) ?? null);
    if (hubspotCompanies) {
      // HubSpot's company for the deal: its Primary one, else its only one; several unlabelled say nothing.
      const theirs = hubspotCompanies.primary.find((c) => hubspotCompanies.ids.includes(c)) ?? (hubspotCompanies.ids.length <= 1 ? (hubspotCompanies.ids[0] ?? null) : undefined);
      const pending = organization !== null && local === null;
      const localUnchanged = !pending && (local === null ? base.companies.length === 0 : base.companies.includes(local));
      let after = local;
      if (localUnchanged && theirs !== undefined && theirs !== local && (theirs === null || orgByHubSpotId.has(theirs))) {
        after = theirs;
        await setDealOrganization(db, workspaceId, id, theirs === null ? null : orgByHubSpotId.get(theirs)!);
        changed = true;
      }
      const held = after !== null && hubspotCompanies.ids.includes(after) ? [after] : [];
      // Changed here since the base: what hubsync associated before is archived by the push.
      const unlinked = after === local && !localUnchanged ? base.companies.filter((c) => c !== after && hubspotCompanies.ids.includes(c)) : [];
      next.companies = [...new Set([...held, ...unlinked])].sort();
      agreed &&= !pending && sameSet(after === null ? [] : [after], next.companies);
    }
    if (changed) touched.push(id);
    if (JSON.stringify(next) !== JSON.stringify(base) || synced.get(id) === null) savedLinks.push({ id, syncedLinks: JSON.stringify(next) });
    out.set(id, { changed, agreed });
  }
  await changeDealCustomers(db, workspaceId, customerChanges, now);
  await writeSyncedLinks(db, 'deals', workspaceId, savedLinks);
  await touchDeals(db, workspaceId, touched, now);
  return out;
}
