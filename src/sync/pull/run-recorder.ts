// How a pull recorded on a sync run writes onto it (./pull-engine.ts, `log`): each page's inbound
// counts and API calls, an attempt per local record it changed, and the webhooks out it tells.
import type { HubSpotGateway } from '../../integration/index.js';
import { newId, type Clock } from '../../lib/index.js';
import { addRunInbound, attemptLabel, insertAttempts, type Db, type SyncAttemptRow } from '../../store/index.js';
import { emptyOutcome, localChanges, type PullChange, type PullPageOutcome } from './pull-adapter.js';
import { NO_SYNC_METRICS, type SyncMetrics } from '../sync-metrics.js';
import type { WebhookEmitter, WebhookEvent } from '../../webhooks/index.js';
import type { PullRunLog } from '../run-types.js';

/** Attempt messages are HubSpot values quoted in problems: kept to this length. */
const MAX_MESSAGE_LENGTH = 1_000;

/**
 * Writes a logged pull onto its run, each page (or page of deletions) in its own transaction:
 * the counts, the API calls the pull made since (HubSpot calls tagged with the run's id), and an
 * attempt per local record. A run that does not exist yet is begun with the first page that
 * changes something; until then the pages' counts wait.
 */
export class RunRecorder {
  #begun: boolean;
  #calls = 0;
  #recordedCalls = 0;
  #pulled = 0;
  /** Problems already logged by this pull (HubSpot id and message): a record read again that brings nothing else is not logged twice. */
  readonly #reported = new Set<string>();
  readonly #stopCounting: () => void;
  /** The last conflict of this run told as `conflict.resolved` (ids grow with time). */
  #lastConflictId = '';

  constructor(
    private readonly log: PullRunLog,
    /** The pull's own id, which its conflicts carry (sync_conflicts.run_id). */
    private readonly pullId: string,
    private readonly clock: Clock,
    gateway: HubSpotGateway,
    private readonly metrics: SyncMetrics = NO_SYNC_METRICS,
    private readonly events?: Pick<WebhookEmitter, 'emit'>,
  ) {
    this.#begun = log.begin === undefined;
    this.#stopCounting = gateway.onTaggedCall(log.id, () => {
      this.#calls++;
    });
  }

  /** `record.pulled` for each record the page changed, `conflict.resolved` for each conflict the page decided. */
  async #emit(db: Db, workspaceId: string, objectType: string, changed: readonly PullChange[], conflicts: boolean): Promise<void> {
    const runId = this.log.id;
    const events: WebhookEvent[] = changed.map((c) => ({ type: 'record.pulled', data: { objectType, recordId: c.recordId, hubspotId: c.hubspotId, operation: c.operation, runId } }));
    if (conflicts) {
      // The conflicts carry the pull's id, not the run's (a run may pull more than once).
      const rows = await db.selectFrom('sync_conflicts').selectAll().where('workspace_id', '=', workspaceId).where('run_id', '=', this.pullId).where('id', '>', this.#lastConflictId).orderBy('id').execute();
      for (const row of rows) {
        events.push({ type: 'conflict.resolved', data: { conflictId: row.id, objectType: row.object_type, recordId: row.record_id, hubspotId: row.hubspot_id, field: row.field, property: row.property, localValue: row.local_value, hubspotValue: row.hubspot_value, winner: row.winner, runId } });
        this.#lastConflictId = row.id;
      }
    }
    await this.events!.emit(db, workspaceId, events);
  }

  /** In the transaction that applied `read` HubSpot records (`outcome`) and `deletions`; true when the run was asked to stop. */
  async record(db: Db, workspaceId: string, objectType: string, page: { read: number; outcome?: PullPageOutcome; deletions?: number }): Promise<boolean> {
    const outcome = page.outcome ?? emptyOutcome();
    const deletions = page.deletions ?? 0;
    this.#pulled += page.read;
    if (!this.#begun) {
      if (outcome.changes.length === 0 && outcome.conflicts === 0 && deletions === 0) return false;
      await this.log.begin!(db);
    }
    const now = this.clock.now();
    const problems = new Map<string, string[]>();
    for (const p of outcome.problems) problems.set(p.hubspotId, [...(problems.get(p.hubspotId) ?? []), p.message]);
    const news = outcome.changes.filter((c) => c.changed || (problems.get(c.hubspotId) ?? []).some((m) => !this.#reported.has(`${c.hubspotId} ${m}`)));
    const attempts = news.map((c): SyncAttemptRow => {
      const failed = problems.get(c.hubspotId);
      for (const m of failed ?? []) this.#reported.add(`${c.hubspotId} ${m}`);
      return {
        id: newId('att', this.clock),
        run_id: this.log.id,
        workspace_id: workspaceId,
        object_type: objectType,
        record_id: c.recordId,
        customer_id: c.customerId,
        operation: c.operation,
        outcome: failed ? 'error' : 'success',
        // A record imported for a reason (a Closed Won deal's contact) says why.
        message: (failed ? failed.join('; ') : (c.reason ?? null))?.slice(0, MAX_MESSAGE_LENGTH) ?? null,
        correlation_id: null,
        hubspot_id: c.hubspotId,
        at: now,
        direction: 'pull',
        ...attemptLabel(c.label),
      };
    });
    await insertAttempts(db, attempts);
    if (this.events) await this.#emit(db, workspaceId, objectType, news.filter((c) => c.changed && !problems.has(c.hubspotId)), outcome.conflicts > 0);
    // In the page's transaction: a page that rolls back ends the pull, so the overcount is one page at most.
    this.metrics.recordsSynced(attempts);
    const calls = this.#calls;
    const changes = localChanges(outcome);
    const state = await addRunInbound(
      db,
      this.log.id,
      { pulled: this.#pulled, pulled_created: changes.created, pulled_updated: changes.updated + changes.linked, conflicts: outcome.conflicts, deletions, api_calls: calls - this.#recordedCalls },
      now,
    );
    // Counted once recorded (a page whose transaction rolls back ends the pull anyway).
    this.#begun = true;
    this.#pulled = 0;
    this.#recordedCalls = calls;
    return state?.cancelRequested ?? false;
  }

  close(): void {
    this.#stopCounting();
  }
}
