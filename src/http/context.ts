// Everything a route needs, built once by the composition root (src/main.ts) and passed in.
import type { FastifyBaseLogger } from 'fastify';
import type { LoginThrottle, PasswordVerifier } from '../auth/index.js';
import type { Config } from '../config/index.js';
import type { CustomerChangeListener } from '../customers/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { Clock, SecretBox } from '../lib/index.js';
import type { ServiceMetrics } from '../metrics/index.js';
import type { RecordChangeListener, RecordWriteThrough } from '../records/index.js';
import type { HubSpotGateway } from '../integration/index.js';
import type { Customer, Db, Deal, Organization } from '../store/index.js';
import type { MappingService, PullEngine, PushEngine, WebhookInbox } from '../sync/index.js';
import type { WebhookEmitter } from '../webhooks/index.js';

export interface AppContext {
  config: Readonly<Config>;
  db: Db;
  clock: Clock;
  throttle: LoginThrottle;
  /** scrypt verification (src/auth/password.ts); injectable so tests see which hash sign-in checked. */
  verifyPassword: PasswordVerifier;
  customerListeners: CustomerChangeListener[];
  /** Told of organizations whose values changed (statuses, the on-change push's pending set). */
  organizationListeners: RecordChangeListener[];
  /** Told of organizations whose members changed (their associations must be pushed again). */
  organizationLinkListeners: RecordChangeListener[];
  /** Told of deals whose values or links changed (the on-change push's pending set). */
  dealListeners: RecordChangeListener[];
  /** Told of activities appended (the on-change push's pending set, as notes). */
  activityListeners: RecordChangeListener[];
  /** Each editable type's write-through (sync/write-through.ts): a linked record's edit reaches HubSpot first when the workspace asks. */
  writeThrough: { customers: RecordWriteThrough<Customer>; organizations: RecordWriteThrough<Organization>; deals: RecordWriteThrough<Deal> };
  hubspot: HubSpotGateway;
  mappings: MappingService;
  push: PushEngine;
  /** Pulls HubSpot's changes (two-way sync); a pull does nothing while a workspace's twoWay is off. */
  pull: PullEngine;
  /** Wakes a workspace's `tags.lists` job (a tag's list turned on); absent in processes that send no jobs. */
  tagLists?: { wake(workspaceId: string): void } | undefined;
  /** Records HubSpot's webhook deliveries and wakes their jobs (POST /api/hubspot/webhooks). */
  webhooks: WebhookInbox;
  /** Seals stored secrets (webhook endpoints' signing secrets). */
  secrets: SecretBox;
  /** Webhooks out: the emitter the sync and record code record events with, and the delivery job's wake-up. */
  webhooksOut: { emitter: WebhookEmitter; wake: () => void };
  /** The job backend: GET /api/health/ready checks that it answers. */
  jobs: Pick<JobQueue, 'backend' | 'counts'>;
  /** GET /metrics; undefined when HUBSYNC_METRICS is off (the route answers 404). */
  metrics: ServiceMetrics | undefined;
  logger?: FastifyBaseLogger | undefined;
}
