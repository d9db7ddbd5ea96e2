// The `tags.lists` job: flushes a workspace's queued list memberships (tag-lists.ts). Sent a
// moment after a tag change (TagListScheduler), after each contact push that may have linked
// customers waiting for a list (sync-jobs.ts), and by `tags.lists-sweep` every minute for any
// workspace whose linked customers still wait. Like the sync jobs it is a wake-up: the queue
// table holds what must be done, so a job run twice or merged costs one more check. The same
// job sends the activities queued as custom behavioral events (activity-events.ts), after the
// lists and whatever became of them.
import { z } from 'zod';
import { defineJob, eraseDefinition, type JobQueue } from '../jobs/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import type { Clock } from '../lib/index.js';
import { hasUsableConnection, workspacesWithPendingMemberships, workspacesWithQueuedActivityEvents, type Db } from '../store/index.js';
import { flushActivityEvents } from './activity-events.js';
import { flushTagLists } from './tag-lists.js';

/** How long after a tag change its list flush is sent, so a burst goes out in full batches. */
export const TAG_LIST_DELAY_MS = 500;

export const tagListsJob = defineJob({
  name: 'tags.lists',
  payload: z.object({ workspaceId: z.string().min(1) }),
  retry: { limit: 5, baseMs: 2_000, maxMs: 60_000 },
  timeoutMs: 45_000,
  exclusiveKey: (p: { workspaceId: string }) => `${p.workspaceId}:tags`,
  concurrency: 2,
});

export const tagListsSweepJob = defineJob({
  name: 'tags.lists-sweep',
  payload: z.object({}),
  retry: { limit: 0 },
  timeoutMs: 30_000,
  exclusiveKey: () => 'all',
});

export const TAG_JOBS = [eraseDefinition(tagListsJob), eraseDefinition(tagListsSweepJob)];

/** Sends one `tags.lists` per workspace TAG_LIST_DELAY_MS after the first tag change of a burst. */
export class TagListScheduler {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly jobs: JobQueue,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = TAG_LIST_DELAY_MS,
  ) {}

  wake(workspaceId: string): void {
    if (this.#timers.has(workspaceId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(workspaceId);
      this.jobs.send(tagListsJob, { workspaceId }).catch((error: unknown) => this.onError(error));
    }, this.delayMs);
    timer.unref();
    this.#timers.set(workspaceId, timer);
  }
}

/** Sends the workspace's `tags.lists` when linked customers wait for a list (after a contact push). */
export async function wakeTagLists(db: Db, jobs: JobQueue, workspaceId: string): Promise<void> {
  if ((await workspacesWithPendingMemberships(db, workspaceId)).length > 0 || (await workspacesWithQueuedActivityEvents(db, workspaceId)).length > 0) await jobs.send(tagListsJob, { workspaceId });
}

export async function workTagJobs(deps: { db: Db; clock: Clock; jobs: JobQueue; gateway: HubSpotGateway }, options: { concurrency?: number } = {}): Promise<void> {
  const { db, clock, jobs, gateway } = deps;
  await jobs.work(
    tagListsJob,
    async ({ workspaceId }) => {
      if (!(await hasUsableConnection(db, workspaceId))) return;
      const deps = { db, clock, client: (id: string) => gateway.clientFor(id) };
      // The events go out even when the lists could not (and the other way round); the first
      // failure is thrown afterwards for the job's retry.
      const failures: unknown[] = [];
      await flushTagLists(deps, workspaceId).catch((error: unknown) => failures.push(error));
      await flushActivityEvents(deps, workspaceId).catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    },
    options,
  );
  await jobs.work(tagListsSweepJob, async () => {
    const waiting = new Set([...(await workspacesWithPendingMemberships(db)), ...(await workspacesWithQueuedActivityEvents(db))]);
    for (const workspaceId of waiting) await jobs.send(tagListsJob, { workspaceId });
  });
  await jobs.schedule(tagListsSweepJob, '* * * * *', {});
}
