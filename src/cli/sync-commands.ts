// `hubsync sync` and `hubsync reconcile`: a Sync now / Reconcile now run in this process, with
// its progress on stderr — the pull first (two-way sync on), then the push — and its summary;
// `reconcile --dry-run` prints what a reconcile would do, changing nothing. Both are the same
// run (trigger `manual`, started by "hubsync CLI"); only their words differ.
//
// Exit codes: 0 the run succeeded and every record went through; 2 it succeeded but records
// failed (HubSpot refused them, or HubSpot values could not be stored locally: see the sync
// log); 1 it failed, was cancelled or interrupted, or could not start (unknown workspace,
// HubSpot not connected, a run already running). A dry run exits 0, or 1 when it could not
// read HubSpot.
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { createService, wantsSandbox, type Service } from '../main.js';
import { findRun, findWorkspaceBySlug, listAttempts, type SyncRunRow } from '../store/index.js';
import { previewReconcile, type ReconcilePreview } from '../sync/index.js';
import { DEFAULT_WORKSPACE_SLUG } from '../workspaces/index.js';
import { ProgressBar } from './progress.js';

const CLI_ACTOR = { type: 'system', id: null, label: 'hubsync CLI' } as const;
const POLL_MS = 500;

export const EXIT_CODES_HELP = '\nExit codes: 0 succeeded; 2 succeeded, but records failed (see the sync log); 1 failed, cancelled, or could not start.\n';

/** The service a sync command runs in: no HTTP, no job worker; its run runs here. */
async function runService(): Promise<Service> {
  const config = loadConfig();
  // In the embedded mode the sandbox lives in the `serve` process; reach it on its port.
  return createService(config, { logger: false, jobs: { work: false, inlineRuns: true }, ...(wantsSandbox(config) ? { fallbackHubSpotBaseUrl: `http://127.0.0.1:${config.sandbox.port}` } : {}) });
}

async function workspaceId(service: Service, slug: string): Promise<string> {
  const workspace = await findWorkspaceBySlug(service.database.db, slug);
  if (!workspace) throw new Error(`Workspace "${slug}" does not exist.`);
  return workspace.id;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function pullSummary(run: SyncRunRow): string {
  return `Pulled ${plural(run.pulled, 'HubSpot record')}: ${run.pulled_created} created, ${run.pulled_updated} updated or linked, ${plural(run.conflicts, 'conflict')} resolved, ${run.deletions} deleted.`;
}

/**
 * Starts a manual run here and follows it to its end: a line for the pull while it reads
 * HubSpot, a bar for the push. Sets the exit code (see the header).
 */
async function runAndFollow(slug: string, word: 'Sync' | 'Reconcile'): Promise<void> {
  const service = await runService();
  try {
    const db = service.database.db;
    const id = await workspaceId(service, slug);
    const { run, joined } = await service.context.push.start(id, { kind: 'manual', actor: CLI_ACTOR });
    if (joined) process.stderr.write(`Nothing changed since the last run ended at ${new Date(run.finished_at ?? run.started_at).toISOString()}; it answers for this one.\n`);
    const pullLine = new ProgressBar('Pulling');
    const pushBar = new ProgressBar(word === 'Sync' ? 'Syncing' : 'Pushing');
    let pullShown = false;
    let pullDone = false;
    const endPull = (current: SyncRunRow): void => {
      if (!pullShown || pullDone) return;
      pullLine.finish(pullSummary(current));
      pullDone = true;
    };
    const done = service.context.push.wait(run.id);
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      const current = await findRun(db, id, run.id);
      if (current?.phase === 'pulling') {
        pullShown = true;
        pullLine.update(current.pulled, undefined, `HubSpot records read · ${current.pulled_created} created · ${current.pulled_updated} updated · ${current.conflicts} conflicts`);
      } else if (current?.phase === 'pushing' || current?.phase === 'done') {
        endPull(current);
        pushBar.update(current.processed, current.total, `· ${current.created} created · ${current.updated} updated · ${current.failed} failed`);
      }
      await Promise.race([done, new Promise((r) => setTimeout(r, POLL_MS))]);
    }
    await done;
    const last = (await findRun(db, id, run.id))!;
    pullShown ||= last.pulled > 0;
    endPull(last);
    const pullErrors = await listAttempts(db, id, run.id, { direction: 'pull', outcome: 'error', limit: 1 });
    pushBar.finish(
      `${word} ${last.status}: ${last.created} created, ${last.updated} updated, ${last.failed} failed, ${last.skipped} skipped (duplicate or no email); ${last.api_calls} API calls.` +
        (pullErrors.length > 0 ? ' Some HubSpot values could not be stored locally (see the sync log).' : '') +
        (last.error ? ` ${last.error}` : ''),
    );
    process.exitCode = last.status === 'succeeded' ? (last.failed > 0 || pullErrors.length > 0 ? 2 : 0) : 1;
  } finally {
    await service.close();
  }
}

/** The dry run as text: counts per side, then each conflict with the value that wins. */
export function formatPreview(slug: string, preview: ReconcilePreview): string {
  const lines = [`Dry run of a reconcile of workspace "${slug}": nothing was changed, HubSpot was only read.`];
  const { inbound, outbound } = preview;
  if (inbound === null) {
    lines.push('Pull (HubSpot → hubsync): none, two-way sync is off.');
  } else {
    lines.push(
      `Pull (HubSpot → hubsync): ${plural(inbound.pulled, 'HubSpot record')} read${inbound.complete ? '' : ' (stopped at the dry run\'s limit: the counts cover those)'}; ` +
        `${inbound.creates} to create, ${inbound.links} to link, ${inbound.updates} to update, ${inbound.deletions} to delete; ${plural(inbound.conflicts, 'conflict')}` +
        (inbound.problems > 0 ? `; ${plural(inbound.problems, 'value')} that cannot be stored locally.` : '.'),
    );
  }
  lines.push(`Push (hubsync → HubSpot): ${outbound.creates} to create, ${outbound.updates} to update, ${outbound.deletions} to archive.`);
  for (const o of outbound.objects) lines.push(`  ${o.objectType}: ${o.note ?? `${o.creates} to create, ${o.updates} to update, ${o.deletions} to archive`}`);
  if (preview.conflicts.length > 0) {
    lines.push('Conflicts (the later change wins):');
    for (const c of preview.conflicts) {
      lines.push(`  ${c.objectType} ${c.recordId} ${c.field}: hubsync ${JSON.stringify(c.localValue)}, HubSpot ${JSON.stringify(c.hubspotValue)} → ${c.winner === 'local' ? 'hubsync' : 'HubSpot'} wins`);
    }
    if (inbound && inbound.conflicts > preview.conflicts.length) lines.push(`  … and ${inbound.conflicts - preview.conflicts.length} more.`);
  }
  return `${lines.join('\n')}\n`;
}

/** Registers `sync` and `reconcile`. */
export function registerSyncCommands(program: Command): void {
  program
    .command('sync')
    .description('Sync now: push customers to HubSpot (creates, updates, retries) with a progress bar; with two-way sync on, HubSpot\'s changes are pulled first')
    .option('-w, --workspace <slug>', 'workspace to sync', DEFAULT_WORKSPACE_SLUG)
    .addHelpText('after', `${EXIT_CODES_HELP}\nExample:\n  hubsync sync --workspace default\n`)
    .action((options: { workspace: string }) => runAndFollow(options.workspace, 'Sync'));

  program
    .command('reconcile')
    .description('Reconcile now: with two-way sync on, pull HubSpot\'s changes, then push everything pending, with its progress on stderr')
    .option('-w, --workspace <slug>', 'workspace to reconcile', DEFAULT_WORKSPACE_SLUG)
    .option('--dry-run', 'print what a reconcile would do (per side, and each conflict with the value that wins), changing nothing; HubSpot is only read')
    .addHelpText('after', `${EXIT_CODES_HELP}\nExamples:\n  hubsync reconcile --workspace default --dry-run\n  hubsync reconcile --workspace default\n`)
    .action(async (options: { workspace: string; dryRun?: boolean }) => {
      if (options.dryRun !== true) return runAndFollow(options.workspace, 'Reconcile');
      const service = await runService();
      try {
        const { db, context } = { db: service.database.db, context: service.context };
        const preview = await previewReconcile({ db, clock: context.clock, gateway: context.hubspot, push: context.push, pull: context.pull }, await workspaceId(service, options.workspace));
        process.stdout.write(formatPreview(options.workspace, preview));
      } finally {
        await service.close();
      }
    });
}
