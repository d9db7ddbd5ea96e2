// Tags into a contact property (issue 16): hubsync keeps a multiple-checkbox contact property,
// `hubsync_tags`, whose options follow the tag catalog (value = the tag's key, label = its
// label; renaming a label renames the option, never the stored value). Once the property is
// ready, the contacts mapping the push sends carries `tags → hubsync_tags` (status-refresh.ts
// effectiveMapping), so each contact's tags go out with the normal push: batched, coalesced, on
// change. Creating or changing the property needs `crm.schemas.contacts.write`; without it the
// state says which scope is missing and contacts push as before, without tags.
import { isHubSpotApiError, type HubSpotClient, type Property } from '../hubspot/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import { AppError, systemClock, type Clock } from '../lib/index.js';
import { findConnection, findTagSettings, saveTagSettings, tagsPropertyReady, type Db } from '../store/index.js';
import { loadCatalog, propertyOptions, TAGS_PROPERTY, TAGS_PROPERTY_LABEL } from '../tags/index.js';
import { CONTACTS, refreshWholeWorkspace } from './status-refresh.js';

export const SCHEMA_WRITE_SCOPE = 'crm.schemas.contacts.write';

export interface TagPropertyDeps {
  db: Db;
  clock: Clock;
  /** The workspace's HubSpot client (HubSpotGateway.clientFor, or a run's client). */
  client: (workspaceId: string) => Promise<HubSpotClient>;
}

/** The deps from the gateway, for routes. */
export function tagPropertyDeps(db: Db, clock: Clock, gateway: HubSpotGateway): TagPropertyDeps {
  return { db, clock, client: (workspaceId) => gateway.clientFor(workspaceId) };
}

export interface TagPropertyState {
  name: string;
  enabled: boolean;
  state: 'none' | 'ready' | 'error';
  error: string | null;
  syncedAt: number | null;
  /** Whether HubSpot's options match the catalog now. */
  upToDate: boolean;
}

/** The property's state as last recorded (no HubSpot call). */
export async function readTagProperty(db: Db, workspaceId: string): Promise<TagPropertyState> {
  const settings = await findTagSettings(db, workspaceId);
  const { hash } = propertyOptions(await loadCatalog(db, workspaceId));
  return {
    name: TAGS_PROPERTY,
    enabled: settings ? settings.property_enabled === 1 : true,
    state: (settings?.property_state ?? 'none') as TagPropertyState['state'],
    error: settings?.property_error ?? null,
    syncedAt: settings?.property_synced_at ?? null,
    upToDate: settings?.property_state === 'ready' && settings.property_hash === hash,
  };
}


async function readProperty(client: HubSpotClient, tag: string | undefined): Promise<Property | null> {
  try {
    return await client.properties.get(CONTACTS, TAGS_PROPERTY, tag === undefined ? {} : { tag });
  } catch (error) {
    if (isHubSpotApiError(error, 'HUBSPOT_NOT_FOUND')) return null;
    throw error;
  }
}

/**
 * Makes HubSpot's `hubsync_tags` match the catalog: creates it when missing, else sets its
 * options (options HubSpot has beyond the catalog are kept, so no stored value becomes
 * invalid). Does nothing when the options are known to match, unless `force`. The first time it
 * becomes ready every contact's hash is recomputed (tags join what the push sends). Throws
 * HUBSPOT_MISSING_SCOPES naming the scope, or HubSpot's error; both are recorded in the state.
 */
export async function syncTagProperty(deps: TagPropertyDeps, workspaceId: string, options: { force?: boolean; tag?: string } = {}): Promise<TagPropertyState> {
  const { db, clock } = deps;
  const settings = await findTagSettings(db, workspaceId);
  if (settings && settings.property_enabled !== 1) return readTagProperty(db, workspaceId);
  const { options: wanted, hash } = propertyOptions(await loadCatalog(db, workspaceId));
  const wasReady = settings?.property_state === 'ready';
  if (!options.force && wasReady && settings?.property_hash === hash) return readTagProperty(db, workspaceId);
  const fail = async (error: unknown): Promise<never> => {
    const message = error instanceof Error ? error.message : String(error);
    await saveTagSettings(db, workspaceId, { property_error: message, ...(wasReady ? {} : { property_state: 'error' }) }, clock.now());
    throw error;
  };
  const connection = await findConnection(db, workspaceId);
  if (!connection) throw new AppError('HUBSPOT_NOT_CONNECTED', 'Connect HubSpot first: the hubsync_tags property is created in the connected portal.');
  const granted = JSON.parse(connection.scopes) as string[];
  if (!granted.includes(SCHEMA_WRITE_SCOPE)) {
    await fail(
      new AppError('HUBSPOT_MISSING_SCOPES', `Creating the contact property ${TAGS_PROPERTY} needs the scope ${SCHEMA_WRITE_SCOPE}, which this connection was not granted. Add it to the private app (or reconnect), then set up the property again.`, {
        missingScopes: [SCHEMA_WRITE_SCOPE],
      }),
    );
  }
  try {
    const client = await deps.client(workspaceId);
    const call = options.tag === undefined ? {} : { tag: options.tag };
    const existing = await readProperty(client, options.tag);
    if (existing === null) {
      await client.properties.create(CONTACTS, { name: TAGS_PROPERTY, label: TAGS_PROPERTY_LABEL, type: 'enumeration', fieldType: 'checkbox', groupName: 'contactinformation', description: 'Tags set by hubsync (one option per tag; the value is the tag key).', options: wanted }, call);
    } else if (existing.type !== 'enumeration' || existing.fieldType !== 'checkbox') {
      throw new AppError('CONFLICT', `HubSpot already has a contact property ${TAGS_PROPERTY} that is not a multiple-checkbox property (${existing.type}/${existing.fieldType}); delete or rename it in HubSpot.`);
    } else {
      const extra = existing.options.filter((o) => !wanted.some((w) => w.value === o.value)).map((o, i) => ({ ...o, displayOrder: wanted.length + i }));
      await client.properties.update(CONTACTS, TAGS_PROPERTY, { options: [...wanted, ...extra] }, call);
    }
  } catch (error) {
    await fail(error);
  }
  await db.transaction().execute(async (trx) => {
    await saveTagSettings(trx, workspaceId, { property_state: 'ready', property_hash: hash, property_error: null, property_synced_at: clock.now() }, clock.now());
    if (!wasReady) await refreshWholeWorkspace(trx, workspaceId);
  });
  return readTagProperty(db, workspaceId);
}

/**
 * Turns writing tags into `hubsync_tags` on or off; either way every contact's hash is
 * recomputed (tags join or leave what the push sends). Turning it on creates the property.
 */
export async function setTagPropertyEnabled(deps: TagPropertyDeps, workspaceId: string, enabled: boolean): Promise<TagPropertyState> {
  await deps.db.transaction().execute(async (trx) => {
    await saveTagSettings(trx, workspaceId, { property_enabled: enabled ? 1 : 0 }, deps.clock.now());
    await refreshWholeWorkspace(trx, workspaceId);
  });
  return enabled ? syncTagProperty(deps, workspaceId, { force: true }) : readTagProperty(deps.db, workspaceId);
}

/**
 * Before a push run's first contact batch: brings the property's options up to date when the
 * catalog changed (a renamed label, a new tag), so no contact carries a value HubSpot lacks an
 * option for. A failure is recorded and does not stop the run (contacts push as before).
 */
export async function prepareTagProperty(context: { db: Db; client: HubSpotClient; workspaceId: string; tag: string }): Promise<void> {
  const { db, client, workspaceId, tag } = context;
  if (!(await tagsPropertyReady(db, workspaceId))) return;
  try {
    await syncTagProperty({ db, clock: systemClock, client: async () => client }, workspaceId, { tag });
  } catch {
    // Recorded in the state; shown on the Tags page.
  }
}
