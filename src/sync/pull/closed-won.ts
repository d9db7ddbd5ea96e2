// Closed Won (seed 003, issue 15 part 4): a deal that reaches a won stage in HubSpot brings its
// contacts in, and their companies, even when the contacts' lifecycle stage is outside the
// import filter. A stage is won when HubSpot's pipelines say it is closed with probability 1
// (`metadata.isClosed` "true", `metadata.probability` 1) — in any pipeline, not only the default
// pipeline's `closedwon`.
//
// The pull engine asks here for every page of deals it applies (a pull's page, or the deals a
// `deal.propertyChange` webhook named, read by id), before the page's transaction, after the
// page's associations were read (./links.pull.ts):
//   1. the deals of the page in a won stage (the portal's pipelines are read once per pull, and
//      only when a deal of the page has a contact that is not here);
//   2. their associated contacts not linked here yet, read by id (100 a call), with their
//      company associations (one call) and those companies not linked here yet (100 a call);
//   3. the engine applies those companies, then those contacts — imported whatever their stage
//      (`forced`, with the reason recorded in the sync log) — then the deals, in one transaction,
//      so each deal is linked to its contacts and organization as it comes in.
// Afterwards they are ordinary linked records. A contact deleted here stays deleted; a contact
// already here (linked, or found by email) is merged as any pulled contact. With deals not
// synced, a webhook's deals are read only for this (PullEngine `#closedWonByIds`).
import type { CallOptions, CrmObject, HubSpotClient, ObjectType, Pipeline } from '../../hubspot/index.js';
import type { Db } from '../../store/index.js';
import { hubspotIdsLinkedIn } from '../../store/index.js';
import { readAssociations, type HubSpotLinks, type PageAssociations } from './links.pull.js';
import type { PullAdapter } from './pull-adapter.js';

const PIPELINE_PROPERTY = 'pipeline';
const STAGE_PROPERTY = 'dealstage';
/** HubSpot's batch read takes at most 100 ids. */
const READ_SIZE = 100;

/** A won stage, as the sync log names it. */
export interface WonStage {
  pipelineLabel: string;
  stageLabel: string;
}

const stageKey = (pipeline: string, stage: string) => `${pipeline}\u0000${stage}`;

/** The won stages of the portal's deal pipelines (pure): closed, with probability 1. Keyed by pipeline and stage id. */
export function wonStages(pipelines: readonly Pipeline[]): Map<string, WonStage> {
  const won = new Map<string, WonStage>();
  for (const pipeline of pipelines) {
    for (const stage of pipeline.stages) {
      const closed = String(stage.metadata['isClosed'] ?? '').toLowerCase() === 'true';
      if (closed && Number(stage.metadata['probability']) === 1) won.set(stageKey(pipeline.id, stage.id), { pipelineLabel: pipeline.label, stageLabel: stage.label });
    }
  }
  return won;
}

/** The won stage a HubSpot deal is in, or undefined. */
export function wonStageOf(deal: CrmObject, won: ReadonlyMap<string, WonStage>): WonStage | undefined {
  return won.get(stageKey(deal.properties[PIPELINE_PROPERTY] ?? '', deal.properties[STAGE_PROPERTY] ?? ''));
}

/** Why a contact (or company) came in: the sync log's message. */
export function importReason(kind: 'contact' | 'company', deal: CrmObject, stage: WonStage): string {
  const name = deal.properties['dealname'];
  const what = `HubSpot deal ${deal.id}${name ? ` "${name}"` : ''} reached Closed Won (stage "${stage.stageLabel}" of pipeline "${stage.pipelineLabel}")`;
  return kind === 'contact'
    ? `Imported because ${what}; a Closed Won deal brings its contacts in whatever their lifecycle stage.`
    : `Imported with a contact of ${what}.`;
}

/** Records a Closed Won page brings in before its deals, each type's with its context and associations. */
export interface ClosedWonImport {
  adapter: PullAdapter;
  context: unknown;
  records: CrmObject[];
  forced: Map<string, string>;
  associations: PageAssociations;
}

/** What the reads need of the engine: the adapters the workspace pulls, their contexts, and the portal's won stages (read once). */
export interface ClosedWonDeps {
  db: Db;
  client: HubSpotClient;
  workspaceId: string;
  call: CallOptions;
  adapterFor(objectType: ObjectType): PullAdapter | undefined;
  contextOf(adapter: PullAdapter): Promise<unknown>;
  wonStages(): Promise<ReadonlyMap<string, WonStage>>;
}

async function readByIds(deps: ClosedWonDeps, adapter: PullAdapter, context: unknown, ids: readonly string[]): Promise<CrmObject[]> {
  const wanted = new Set(ids);
  const out: CrmObject[] = [];
  for (let i = 0; i < ids.length; i += READ_SIZE) {
    const read = await deps.client.objects(adapter.objectType).batchRead(ids.slice(i, i + READ_SIZE), { properties: adapter.properties(context), ...deps.call });
    // A merged-away id reads as another record: left to the merge handling.
    out.push(...read.results.filter((r) => wanted.has(r.id)));
  }
  return out;
}

/**
 * The companies and contacts the page's won deals bring in (in the order to apply them), read
 * from HubSpot; empty when no deal of the page is won or every contact is here already.
 */
export async function closedWonImports(deps: ClosedWonDeps, deals: readonly CrmObject[], dealContacts: ReadonlyMap<string, HubSpotLinks> | undefined): Promise<ClosedWonImport[]> {
  if (deals.length === 0 || !dealContacts) return [];
  const contacts = deps.adapterFor('contacts');
  if (!contacts) return [];
  // Deals whose contacts are all here already bring nobody: the pipelines are read only when one has a contact that is not.
  const associated = [...new Set(deals.flatMap((d) => dealContacts.get(d.id)?.ids ?? []))];
  const here = await hubspotIdsLinkedIn(deps.db, 'customers', deps.workspaceId, associated);
  if (associated.every((id) => here.has(id))) return [];
  const won = await deps.wonStages();
  const reasons = new Map<string, { deal: CrmObject; stage: WonStage }>();
  for (const deal of deals) {
    const stage = wonStageOf(deal, won);
    if (!stage) continue;
    for (const contactId of dealContacts.get(deal.id)?.ids ?? []) if (!here.has(contactId) && !reasons.has(contactId)) reasons.set(contactId, { deal, stage });
  }
  const missing = [...reasons.keys()];
  if (missing.length === 0) return [];

  const contactContext = await deps.contextOf(contacts);
  const contactRecords = await readByIds(deps, contacts, contactContext, missing);
  const forcedContacts = new Map(contactRecords.map((c) => [c.id, importReason('contact', reasons.get(c.id)!.deal, reasons.get(c.id)!.stage)]));
  const companies = deps.adapterFor('companies');
  const imports: ClosedWonImport[] = [];
  let contactAssociations: PageAssociations = new Map();
  if (companies && contactRecords.length > 0) {
    contactAssociations = await readAssociations(deps.client, 'contacts', ['companies'], contactRecords.map((c) => c.id), deps.call);
    const byCompany = new Map<string, string>();
    for (const contact of contactRecords) for (const companyId of contactAssociations.get('companies')?.get(contact.id)?.ids ?? []) if (!byCompany.has(companyId)) byCompany.set(companyId, contact.id);
    const known = await hubspotIdsLinkedIn(deps.db, 'organizations', deps.workspaceId, [...byCompany.keys()]);
    const wanted = [...byCompany.keys()].filter((id) => !known.has(id));
    if (wanted.length > 0) {
      const companyContext = await deps.contextOf(companies);
      const companyRecords = await readByIds(deps, companies, companyContext, wanted);
      const forced = new Map(companyRecords.map((c) => {
        const { deal, stage } = reasons.get(byCompany.get(c.id)!)!;
        return [c.id, importReason('company', deal, stage)];
      }));
      imports.push({ adapter: companies, context: companyContext, records: companyRecords, forced, associations: new Map() });
    }
  }
  imports.push({ adapter: contacts, context: contactContext, records: contactRecords, forced: forcedContacts, associations: contactAssociations });
  return imports;
}
