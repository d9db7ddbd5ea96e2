// Why a sync run started. The actor (a person, an API key, the CLI) is recorded separately in
// `started_by`; the trigger says what set the run off.
//   manual     Sync now / Reconcile now from the UI, the API or the CLI;
//   schedule   the workspace's reconcile schedule;
//   on_change  customers changed and on-change push is on;
//   pull       HubSpot's changes pulled on their own (the poll, or the pull an on-change push
//              makes first), recorded only when they changed something locally;
//   webhook    the records HubSpot's webhooks named, read by id (./pull/webhook-pull.ts),
//              recorded only when they changed something locally.
export const RUN_TRIGGERS = ['manual', 'schedule', 'on_change', 'pull', 'webhook'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
