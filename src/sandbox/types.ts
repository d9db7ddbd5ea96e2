// Vocabulary shared by every part of the sandbox: object types, rate-limit tiers, fault
// settings and the options the server starts with. Kept free of logic so any module can
// import it without pulling in the server.

import type { Clock } from '../lib/clock.js';

/** The CRM object types the sandbox stores. */
export const OBJECT_TYPES = ['contacts', 'companies', 'deals', 'notes'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** HubSpot's object type ids, used by lists (`objectTypeId`) and associations v4 responses. */
export const OBJECT_TYPE_IDS: Record<ObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  notes: '0-46',
};

/** Upper-case singular names HubSpot uses in messages ("Could not get some CONTACT objects"). */
export const OBJECT_TYPE_LABELS: Record<ObjectType, string> = {
  contacts: 'CONTACT',
  companies: 'COMPANY',
  deals: 'DEAL',
  notes: 'NOTE',
};

const TYPE_ALIASES: Record<string, ObjectType> = {
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
  notes: 'notes',
  note: 'notes',
  '0-46': 'notes',
};

/** Accepts every spelling HubSpot accepts in a path (`contacts`, `CONTACT`, `0-1`). */
export function parseObjectType(raw: string): ObjectType | undefined {
  return TYPE_ALIASES[raw.toLowerCase()];
}

/** Rate-limit profiles. `oauth` is not chosen by users: it applies to every OAuth access token. */
export const TIERS = ['free', 'pro', 'enterprise', 'boosted', 'unlimited'] as const;
export type Tier = (typeof TIERS)[number];
export type RateProfile = Tier | 'oauth';

export interface FaultSettings {
  '429'?: number;
  '500'?: number;
  '502'?: number;
  '503'?: number;
  '504'?: number;
  /** The request is held open without an answer (the client's timeout fires). */
  timeout?: number;
  /** The socket is destroyed without an answer. */
  drop?: number;
}

export const FAULT_KEYS = ['429', '500', '502', '503', '504', 'timeout', 'drop'] as const;
export type FaultKey = (typeof FAULT_KEYS)[number];

export type Latency = number | [min: number, max: number];

export interface PrivateAppTokenOptions {
  token?: string;
  portalId?: number;
  scopes?: string[];
  tier?: Tier;
}

export interface SandboxOptions {
  /** 0 picks a free port (the default). */
  port?: number;
  host?: string;
  clock?: Clock;
  /** Uniform [0, 1) source for faults and latency ranges; pass a seeded one for repeatable tests. */
  random?: () => number;
  /** Tier given to tokens and portals created without one. Default `pro`. */
  tier?: Tier;
  latencyMs?: Latency;
  faults?: FaultSettings;
  searchLagMs?: number;
  /** Adds `Retry-After` (seconds) to 429 answers. HubSpot's recorded 429s carry none. */
  retryAfter?: boolean;
  accessTokenTtlSeconds?: number;
  /** Serve `/_sandbox/*`. Default true. */
  controlApi?: boolean;
  privateAppTokens?: PrivateAppTokenOptions[];
  /** Pass false to silence the request log (the default is already silent). */
  logger?: false | ((line: string) => void);
  /** How long a `timeout` fault holds a request before the socket is dropped (real ms). Default 30,000. */
  hangMs?: number;
  /** Multiplies the webhook retry schedule (1 = HubSpot-like, spread over about a day). Default 1. */
  webhookRetryScale?: number;
  /** How long events are gathered before a webhook batch is sent (real ms). Default 50. */
  webhookBatchDelayMs?: number;
  /** Largest request body accepted, in bytes; larger ones get a 413 without being read. Default 8 MiB. */
  maxBodyBytes?: number;
  /** How long a request's headers, and then its body, may take to arrive before a 408 (real ms). Default 10,000. */
  requestTimeoutMs?: number;
  /** Gives API-created contacts and companies `lifecyclestage=lead` when none is sent, as HubSpot does. Default true. */
  defaultLifecycleStage?: boolean;
  /**
   * Whether portals created without saying have custom behavioral events (an Enterprise hub):
   * without them the events API answers 403 MISSING_SCOPES. Default: only `enterprise`-tier portals.
   */
  customEvents?: boolean;
}
