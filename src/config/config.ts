// The environment is read here and nowhere else: parsed once with zod, then frozen and passed
// to whatever needs it. Defaults give the embedded mode (SQLite file under ./data, the built-in
// HubSpot sandbox) so `npm start` works on a fresh machine with nothing configured.
import { isIP } from 'node:net';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** A token travels in an HTTP header: visible ASCII only (no spaces, line breaks or control characters). */
const optionalToken = optionalString.refine((value) => value === undefined || /^[\x21-\x7e]+$/.test(value), {
  error: 'must be the token exactly as HubSpot shows it: letters, digits and punctuation, without spaces, line breaks, control or non-ASCII characters',
});

const environmentSchema = z.object({
  HUBSYNC_HOST: z.string().default('127.0.0.1'),
  HUBSYNC_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HUBSYNC_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  HUBSYNC_SECRET_KEY: optionalString,
  HUBSYNC_NEW_SECRET_KEY: optionalString,
  HUBSYNC_ADMIN_EMAIL: optionalString,
  HUBSYNC_ADMIN_PASSWORD: optionalString,
  HUBSYNC_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HUBSYNC_PUBLIC_URL: optionalString,
  HUBSYNC_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  HUBSYNC_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  HUBSYNC_WRITE_THROUGH_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
  HUBSYNC_SYNC_LOG_RETENTION_DAYS: z.coerce.number().int().positive().default(90),
  HUBSYNC_TRUST_PROXY: optionalString,
  HUBSYNC_OPEN_WORKSPACE_CREATION: z.enum(['true', 'false']).default('false'),
  HUBSPOT_BASE_URL: optionalString,
  HUBSPOT_API_KEY: optionalToken,
  HUBSPOT_PORTAL_ID: optionalString,
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_REDIRECT_URL: optionalString,
  HUBSPOT_AUTHORIZE_URL: optionalString,
  HUBSYNC_SANDBOX: z.enum(['auto', 'on', 'off']).default('auto'),
  HUBSYNC_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  HUBSYNC_METRICS: z.enum(['on', 'off']).default('off'),
  HUBSYNC_METRICS_TOKEN: optionalToken,
  HUBSYNC_WEBHOOKS_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
});

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  secretKey: string | undefined;
  /** Read by `hubsync rotate-secret` only: the key the stored secrets are re-encrypted with. */
  newSecretKey: string | undefined;
  admin: { email: string | undefined; password: string | undefined };
  logLevel: z.infer<typeof environmentSchema>['HUBSYNC_LOG_LEVEL'];
  publicUrl: string;
  bodyLimitBytes: number;
  /**
   * How long a client may take to send a request's headers and whole body; for the streamed
   * CSV import, how long the upload may sit idle while hubsync waits for its next bytes.
   */
  requestTimeoutMs: number;
  /**
   * How long an edit written through to HubSpot (setting writeThrough) waits for HubSpot's
   * answer, retries included, before it is refused with a 503 and nothing is saved.
   */
  writeThroughTimeoutMs: number;
  syncLogRetentionDays: number;
  /**
   * Which proxies may name the client (X-Forwarded-For) and the protocol (X-Forwarded-Proto):
   * none (`false`), any (`true`), the nearest N hops, or these addresses / CIDRs. Given to
   * Fastify as `trustProxy`.
   */
  trustProxy: TrustProxy;
  /** Whether every signed-in user may create workspaces (otherwise instance admins only). */
  openWorkspaceCreation: boolean;
  hubspot: {
    /** Where HubSpot's API lives; undefined means "use the built-in sandbox" when enabled. */
    baseUrl: string | undefined;
    apiKey: string | undefined;
    portalId: string | undefined;
    oauth: { clientId: string; clientSecret: string; redirectUrl: string; authorizeUrl: string } | undefined;
  };
  /** Whether `serve` starts the built-in sandbox: `auto` = when no real HubSpot is configured. */
  sandbox: { mode: 'auto' | 'on' | 'off'; port: number };
  /**
   * GET /metrics (Prometheus text): served only when `enabled` (HUBSYNC_METRICS=on); with a
   * `token` (HUBSYNC_METRICS_TOKEN) a scrape must send `Authorization: Bearer <token>`.
   */
  metrics: { enabled: boolean; token: string | undefined };
  /**
   * Webhooks out: whether endpoint URLs may resolve to private, loopback or link-local addresses
   * (HUBSYNC_WEBHOOKS_ALLOW_PRIVATE=on; self-hosted apps often live on a private network).
   */
  webhooks: { allowPrivate: boolean };
}

export type TrustProxy = boolean | number | string[];

/** Names proxy-addr (Fastify's trusted-proxy matcher) understands besides addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `HUBSYNC_TRUST_PROXY`: off by default; `true`, a hop count, or a comma-separated list. */
export function parseTrustProxy(value: string | undefined): TrustProxy | { error: string } {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (PROXY_RANGE_NAMES.has(entry)) continue;
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!family || !prefixOk || rest.length > 0) return { error: `"${entry}" is not an IP address, CIDR range, or one of loopback, linklocal, uniquelocal` };
  }
  return entries.length > 0 ? entries : false;
}

/** Fastify's `trustProxy` for a TrustProxy (a hop count becomes "trust the nearest N hops"). */
export function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment into a frozen Config; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const trustProxy = parseTrustProxy(e.HUBSYNC_TRUST_PROXY);
  if (typeof trustProxy === 'object' && 'error' in trustProxy) throw new ConfigError(`Invalid environment:\n  HUBSYNC_TRUST_PROXY: ${trustProxy.error}`);
  const database: DatabaseConfig =
    e.DATABASE_URL && /^postgres(ql)?:\/\//.test(e.DATABASE_URL)
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: e.DATABASE_URL?.replace(/^sqlite:(\/\/)?/, '') ?? `${e.HUBSYNC_DATA_DIR}/hubsync.sqlite` };
  const publicUrl = e.HUBSYNC_PUBLIC_URL ?? `http://localhost:${e.HUBSYNC_PORT}`;
  const oauth =
    e.HUBSPOT_CLIENT_ID && e.HUBSPOT_CLIENT_SECRET
      ? {
          clientId: e.HUBSPOT_CLIENT_ID,
          clientSecret: e.HUBSPOT_CLIENT_SECRET,
          redirectUrl: e.HUBSPOT_REDIRECT_URL ?? `${publicUrl}/api/oauth/hubspot/callback`,
          authorizeUrl: e.HUBSPOT_AUTHORIZE_URL ?? 'https://app.hubspot.com/oauth/authorize',
        }
      : undefined;
  const config: Config = {
    host: e.HUBSYNC_HOST,
    port: e.HUBSYNC_PORT,
    dataDir: e.HUBSYNC_DATA_DIR,
    database,
    secretKey: e.HUBSYNC_SECRET_KEY,
    newSecretKey: e.HUBSYNC_NEW_SECRET_KEY,
    admin: { email: e.HUBSYNC_ADMIN_EMAIL, password: e.HUBSYNC_ADMIN_PASSWORD },
    logLevel: e.HUBSYNC_LOG_LEVEL,
    publicUrl,
    bodyLimitBytes: e.HUBSYNC_BODY_LIMIT_BYTES,
    requestTimeoutMs: e.HUBSYNC_REQUEST_TIMEOUT_MS,
    writeThroughTimeoutMs: e.HUBSYNC_WRITE_THROUGH_TIMEOUT_MS,
    syncLogRetentionDays: e.HUBSYNC_SYNC_LOG_RETENTION_DAYS,
    trustProxy,
    openWorkspaceCreation: e.HUBSYNC_OPEN_WORKSPACE_CREATION === 'true',
    hubspot: { baseUrl: e.HUBSPOT_BASE_URL, apiKey: e.HUBSPOT_API_KEY, portalId: e.HUBSPOT_PORTAL_ID, oauth },
    sandbox: { mode: e.HUBSYNC_SANDBOX, port: e.HUBSYNC_SANDBOX_PORT },
    metrics: { enabled: e.HUBSYNC_METRICS === 'on', token: e.HUBSYNC_METRICS_TOKEN },
    webhooks: { allowPrivate: e.HUBSYNC_WEBHOOKS_ALLOW_PRIVATE === 'on' },
  };
  return Object.freeze(config);
}
