// Contact ↔ company associations, pushed by the contacts side: a run pushes companies before
// contacts, so by the time a contact's batch is accepted its organizations have HubSpot ids.
// A customer's primary organization is associated with HubSpot's Primary label (type 1, which
// brings the unlabelled type with it), the others unlabelled (279).
//
// Only what hubsync made is touched: `customers.synced_links` remembers the companies the
// contact was last associated with (`companies`) and which of them carries the Primary label
// (`primary`), so a run creates only new associations, moves the label when the primary
// changed, and archives exactly the associations of links removed locally. Associations made
// in HubSpot by people are never archived. A Duplicate organization (never pushed) stands for
// the company of the organization holding its domain.
import { isHubSpotApiError, type AssociationSpec, type BatchAssociationCreateInput } from '../hubspot/index.js';
import { isRunFatal } from './run-fatal.js';
import { missingScopesFor } from '../integration/index.js';
import type { Db, OrganizationMember } from '../store/index.js';
import { findConnection, organizationCompanies, STATUS_LABELS } from '../store/index.js';
import type { AcceptedRecord, AssociationContext } from './objects/object-adapter.js';
import { readSyncSettings } from './sync-settings.js';

const UNLABELLED: AssociationSpec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 };
const PRIMARY: AssociationSpec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 };
/** HubSpot takes up to 2,000 inputs per association batch create. */
const CREATE_CHUNK = 2_000;
const ARCHIVE_CHUNK = 100;
/** How the organization's status reads (seed 000's labels), in a contact's error. */
/** What `customers.synced_links` holds: HubSpot company ids by association kind. */
export interface SyncedCompanyLinks {
  companies: string[];
  primary: string[];
}

export function parseSyncedLinks(text: string | null): SyncedCompanyLinks {
  if (!text) return { companies: [], primary: [] };
  const parsed = JSON.parse(text) as Partial<SyncedCompanyLinks>;
  return { companies: parsed.companies ?? [], primary: parsed.primary ?? [] };
}

/** The association calls that take `synced` to `desired` (pure). */
export interface CompanyLinkPlan {
  /** Associations to create: with the Primary label, or unlabelled. */
  create: { companyId: string; primary: boolean }[];
  /** Companies that keep the association but lose the Primary label hubsync gave them. */
  unlabel: string[];
  /** Companies whose association hubsync made and the customer no longer has. */
  archive: string[];
}

export function planCompanyLinks(synced: SyncedCompanyLinks, desired: SyncedCompanyLinks): CompanyLinkPlan {
  const had = new Set(synced.companies);
  const hadPrimary = new Set(synced.primary);
  const wanted = new Set(desired.companies);
  const wantedPrimary = new Set(desired.primary);
  return {
    create: desired.companies.filter((id) => !had.has(id) || (wantedPrimary.has(id) && !hadPrimary.has(id))).map((companyId) => ({ companyId, primary: wantedPrimary.has(companyId) })),
    unlabel: synced.primary.filter((id) => wanted.has(id) && !wantedPrimary.has(id)),
    archive: synced.companies.filter((id) => !wanted.has(id)),
  };
}

export function sameLinks(a: SyncedCompanyLinks, b: SyncedCompanyLinks): boolean {
  const key = (l: SyncedCompanyLinks) => JSON.stringify([[...l.companies].sort(), [...l.primary].sort()]);
  return key(a) === key(b);
}


function messageOf(error: unknown): string {
  if (!isHubSpotApiError(error)) throw error;
  return error.hubspotMessage ?? error.message;
}

/** Whether the workspace's organizations are pushed as companies now (turned on, and the connection has the scopes). */
async function companiesArePushed(db: Db, workspaceId: string): Promise<boolean> {
  if (!(await readSyncSettings(db, workspaceId)).syncCompanies) return false;
  const connection = await findConnection(db, workspaceId);
  return connection === undefined || missingScopesFor('companies', JSON.parse(connection.scopes) as string[]).length === 0;
}

/** What the contacts adapter needs of a customer to associate it. */
export interface CompanyLinkSource {
  organizations: readonly OrganizationMember[];
  syncedLinks: string | null;
}

/**
 * Associates a batch's accepted contacts with their organizations' companies and records what
 * was associated; returns a message per contact whose associations did not all go through (it
 * is recorded as failed and tried again next run). With companies not pushed, organizations
 * are left alone and nothing fails.
 */
export async function pushCompanyLinks<R extends CompanyLinkSource>(context: AssociationContext, accepted: readonly AcceptedRecord<R>[]): Promise<Map<string, string>> {
  const { db, client, workspaceId, tag } = context;
  const failed = new Map<string, string>();
  if (accepted.every((a) => a.record.record.organizations.length === 0 && a.record.record.syncedLinks === null)) return failed;
  if (!(await companiesArePushed(db, workspaceId))) return failed;
  const organizations = await organizationCompanies(db, workspaceId, [...new Set(accepted.flatMap((a) => a.record.record.organizations.map((m) => m.organizationId)))]);

  const plans: { contactId: string; hubspotId: string; plan: CompanyLinkPlan; desired: SyncedCompanyLinks; synced: SyncedCompanyLinks }[] = [];
  for (const { record, hubspotId } of accepted) {
    const members = record.record.organizations;
    const missing = members.filter((m) => !organizations.get(m.organizationId)?.hubspotId);
    if (missing.length > 0) {
      const org = organizations.get(missing[0]!.organizationId);
      const why = org ? ` (it reads ${STATUS_LABELS[org.status]})` : '';
      failed.set(record.id, `Its company "${org?.name ?? missing[0]!.organizationId}" is not in HubSpot yet${why}; the contact's companies are associated again on the next run.`);
      continue;
    }
    // Two organizations may be one company (a Duplicate and the organization holding its domain).
    const primary = [...new Set(members.filter((m) => m.primary).map((m) => organizations.get(m.organizationId)!.hubspotId!))];
    const desired: SyncedCompanyLinks = { companies: [...new Set(members.map((m) => organizations.get(m.organizationId)!.hubspotId!))], primary };
    // A contact linked to another HubSpot contact than last time (newly created, or re-created
    // after it was deleted in HubSpot) has none of the associations recorded.
    const synced = record.hubspotId === hubspotId ? parseSyncedLinks(record.record.syncedLinks) : { companies: [], primary: [] };
    plans.push({ contactId: record.id, hubspotId, plan: planCompanyLinks(synced, desired), desired, synced });
  }

  const fail = (contactIds: Iterable<string>, message: string) => {
    for (const id of contactIds) if (!failed.has(id)) failed.set(id, `HubSpot did not associate this contact with its companies: ${message}`);
  };
  const unlabel = plans.flatMap((p) => p.plan.unlabel.map((companyId) => ({ contactId: p.contactId, input: { from: { id: p.hubspotId }, to: { id: companyId }, types: [PRIMARY] } })));
  for (let i = 0; i < unlabel.length; i += CREATE_CHUNK) {
    const chunk = unlabel.slice(i, i + CREATE_CHUNK);
    await guarded(() => client.associations.batchArchiveLabels('contacts', 'companies', chunk.map((u) => u.input), { tag }), (message) => fail(chunk.map((u) => u.contactId), message));
  }
  const archive = plans.filter((p) => p.plan.archive.length > 0);
  for (let i = 0; i < archive.length; i += ARCHIVE_CHUNK) {
    const chunk = archive.slice(i, i + ARCHIVE_CHUNK);
    const inputs = chunk.map((p) => ({ from: { id: p.hubspotId }, to: p.plan.archive.map((id) => ({ id })) }));
    await guarded(() => client.associations.batchArchive('contacts', 'companies', inputs, { tag }), (message) => fail(chunk.map((p) => p.contactId), message));
  }
  const creates = plans.flatMap((p) =>
    p.plan.create.map((c): { contactId: string; input: BatchAssociationCreateInput } => ({
      contactId: p.contactId,
      input: { from: { id: p.hubspotId }, to: { id: c.companyId }, types: c.primary ? [UNLABELLED, PRIMARY] : [UNLABELLED] },
    })),
  );
  for (let i = 0; i < creates.length; i += CREATE_CHUNK) {
    const chunk = creates.slice(i, i + CREATE_CHUNK);
    await guarded(
      async () => {
        const result = await client.associations.batchCreate('contacts', 'companies', chunk.map((c) => c.input), { tag });
        if (result.errors.length === 0) return;
        // Each input that has no result failed (a company deleted in HubSpot meanwhile, say).
        const made = new Set(result.results.map((r) => `${String(r.fromObjectId)}:${String(r.toObjectId)}`));
        const message = result.errors.map((e) => e.message).join('; ');
        fail(chunk.filter((c) => !made.has(`${c.input.from.id}:${c.input.to.id}`)).map((c) => c.contactId), message);
      },
      (message) => fail(chunk.map((c) => c.contactId), message),
    );
  }

  // What went through is recorded now, in its own write: a crash before the batch is recorded
  // only repeats idempotent calls next time.
  for (const p of plans) {
    if (failed.has(p.contactId) || sameLinks(p.synced, p.desired)) continue;
    await db.updateTable('customers').set({ synced_links: JSON.stringify(p.desired) }).where('workspace_id', '=', workspaceId).where('id', '=', p.contactId).execute();
  }
  return failed;
}

async function guarded(call: () => Promise<unknown>, onFailure: (message: string) => void): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (isRunFatal(error)) throw error;
    onFailure(messageOf(error));
  }
}

