// Why a sync run started. The actor (a person, an API key, the CLI) is recorded separately in
// `started_by`; the trigger says what set the run off.
//   manual     Sync now / Reconcile now from the UI, the API or the CLI;
//   schedule   the workspace's reconcile schedule;
//   on_change  customers changed and on-change push is on;
//   webhook    a HubSpot webhook (inbound sync, later).
export const RUN_TRIGGERS = ['manual', 'schedule', 'on_change', 'webhook'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
