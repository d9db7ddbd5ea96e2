// The pull (inbound sync): HubSpot's changes into the local records, per object type (companies,
// contacts, deals), merged field by field against the base both sides last agreed on. See
// docs/ARCHITECTURE.md, "Pull (two-way sync)".
export { PullEngine, DEFAULT_OVERLAP_MS, HISTORY_BATCH_SIZE, LIST_PAGE_SIZE, SEARCH_PAGE_SIZE, type PullEngineDeps, type PreviewOptions, type PullOptions, type PullPreview, type PullProgress, type PullRunLog, type PullSummary } from './pull-engine.js';
export { pullStarted } from './checkpoints.js';
export { contactPullAdapter, LIFECYCLE_TAG_PREFIX } from './contact.pull.js';
export { companyPullAdapter } from './company.pull.js';
export { dealPullAdapter } from './deal.pull.js';
export type { PullAdapter, PullChange, PullPageOutcome } from './pull-adapter.js';
export { syncWebhookJob, WEBHOOK_JOBS, WebhookInbox, workWebhookJobs, type WebhookReceipt } from './webhook-pull.js';
