import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PLATFORM_FACTS } from './modules/platforms/platform-facts';
import { Secret } from './modules/crypto/secret';

export type PlanName = 'free' | 'team' | 'enterprise';
export type TrustedDocumentsMode = 'off' | 'cookie' | 'all';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Unset: the server manages a private MariaDB/MySQL instance under `dataDir`. */
  readonly databaseUrl: string | null;
  /** DATABASE_REPLICA_URLS: read replicas of DATABASE_URL; queries and REST GETs read there. */
  readonly databaseReplicaUrls: readonly string[];
  readonly dataDir: string;
  /** The mariadbd/mysqld binary for the private instance; null: search PATH and the usual folders. */
  readonly mysqld: string | null;
  readonly encryptionKey: string | null;
  readonly keyFile: string;
  readonly logLevel: LogLevel;
  /** Repositories per project for each plan; `null` is unlimited. */
  readonly planQuotas: Readonly<Record<PlanName, number | null>>;
  readonly introspection: boolean;
  /**
   * REPOLINK_TRUSTED_DOCUMENTS: which requests may run only the trusted documents (the dashboard's and
   * the client's manifests, `src/http/trusted-documents.ts`): `cookie`, those signed in by the session
   * cookie alone; `all`, every request; `off`, none (any request may still send a document by its id).
   * Default `cookie` when NODE_ENV=production (as `npm start` sets it), else `off`.
   */
  readonly trustedDocuments: TrustedDocumentsMode;
  readonly corsOrigins: readonly string[];
  /** Whether start-up makes sure a demo tenant, project and key exist. */
  readonly demo: boolean;
  /** Requests per minute for one API key or session; null is unlimited. */
  readonly rateLimitPerMinute: number | null;
  /** Hits of one caller a process may hold before writing them to the shared count (the bound's M). */
  readonly rateLimitBatch: number;
  /** How often a process writes its held hits to the shared count, in milliseconds. */
  readonly rateLimitFlushMs: number;
  /** Whether a repository created without a default branch asks its remote for one (`git ls-remote`). */
  readonly resolveDefaultBranch: boolean;
  /** Whether that lookup may reach loopback, private, link-local and unique-local addresses (off: SSRF guard). */
  readonly remoteAllowPrivate: boolean;
  /** Limits against abusive requests (`src/http/limits.ts`). */
  readonly limits: Readonly<RequestLimits>;
  /** Calls to the code hosts' APIs (`src/modules/platforms/`). */
  readonly platforms: Readonly<PlatformConfig>;
  /** The sync queue and this process's worker on it (`src/modules/sync/`). */
  readonly sync: Readonly<SyncConfig>;
  /** Code-host accounts and the browser flows that connect them (`src/modules/code-host-accounts/`). */
  readonly codeHosts: Readonly<CodeHostConfig>;
  /** The code hosts' webhooks (`src/modules/webhooks/`). */
  readonly webhooks: Readonly<WebhookConfig>;
  /** The rate budget per code-host account below which background work yields (`src/modules/code-host-accounts/rate-budget.ts`). */
  readonly rateBudget: Readonly<RateBudgetConfig>;
  /** Reconciliation of code-host accounts, the webhooks' backstop (`src/modules/reconciliation/`). */
  readonly reconcile: Readonly<ReconcileConfig>;
}

export interface RateBudgetConfig {
  /** REPOLINK_RATE_BUDGET_FLOOR: the fraction of a host's limit kept for what people ask (0–0.9, default 0.1). */
  floor: number;
  /** REPOLINK_RATE_BUDGET_FLOOR_MIN: the floor in requests at least (default 50; never more than half the limit). */
  floorMin: number;
}

export interface ReconcileConfig {
  /** Whether this process's sync worker reconciles accounts (on its loop, beside webhook processing). */
  enabled: boolean;
  /** The shortest interval between two runs of an account: after a change, or while its host shows recent activity. */
  minIntervalSeconds: number;
  /** The longest: reached by doubling while runs change nothing and the host shows no recent activity. */
  maxIntervalSeconds: number;
  /** How long a claimed run is its process's; renewed while it runs, taken over once expired. */
  leaseMs: number;
  /** Repositories asked per page of the host's list (the hosts allow 100). */
  pageSize: number;
  /** Pages read at most: a longer list counts as cut short (nothing is marked). */
  maxPages: number;
  /** Repositories missing from a complete list that are asked about one by one (by host id) per run, at most; the rest wait for the next run. */
  maxConfirmations: number;
}

export interface WebhookConfig {
  /** Largest delivery body taken (413 past it); GitHub caps its payloads at 25 MB. */
  bodyLimitBytes: number;
  /** Deliveries are kept this many days, then purged (GitHub redelivers up to 3 days back: fewer would forget what was seen). */
  retentionDays: number;
  /** How often the purge runs in a process with a worker. */
  purgeIntervalMs: number;
}

export interface CodeHostConfig {
  /** REPOLINK_PUBLIC_URL: repolink's address as a browser reaches it (OAuth `redirect_uri`s); null: http://HOST:PORT as it listens. */
  publicUrl: string | null;
  /** REPOLINK_CODE_HOST_RETURN_URL: where a finished flow sends the browser; null: a page of repolink's own. */
  returnUrl: string | null;
  /** How long a started flow may take before its `state` is refused. */
  flowTtlSeconds: number;
  /** An access token with less than this left is refreshed (or minted anew) before use. */
  refreshMarginSeconds: number;
  /** Web roots of the public services (their OAuth pages); tests point them at the fakes. */
  githubWebUrl: string;
  bitbucketWebUrl: string;
  /** Apps registered through the environment; written to the database (sealed) at every start. */
  apps: readonly ConfiguredApp[];
}

/** An operator's app from the environment. The secrets stay wrapped: printing the config prints `[redacted]`. */
export interface ConfiguredApp {
  kind: 'github_app' | 'oauth_app';
  host: 'github' | 'gitlab' | 'bitbucket';
  /** The host's web root; null: the public service's. */
  baseUrl: string | null;
  githubAppId: string | null;
  slug: string | null;
  clientId: string;
  clientSecret: Secret<string>;
  privateKey: Secret<string> | null;
  webhookSecret: Secret<string> | null;
  /**
   * When a start registers a webhook secret other than the stored one, the stored one stays accepted
   * this many hours (REPOLINK_GITHUB_APP_PREVIOUS_WEBHOOK_SECRET_HOURS, 24; 0 refuses it at once).
   */
  keepPreviousWebhookSecretHours: number;
}

export interface SyncConfig {
  /** Whether main.ts starts a worker in this process (the test server never does unless a test asks). */
  worker: boolean;
  /** How often an idle worker looks for due jobs. */
  pollMs: number;
  /** How long a claimed job is a worker's; renewed while it runs, taken over by another worker once expired. */
  leaseMs: number;
  /** First retry delay after a transient failure; doubled per attempt. */
  retryBaseMs: number;
  /** Attempts before a job fails for good. */
  maxAttempts: number;
}

export interface PlatformConfig {
  /** Let platform calls reach loopback and private addresses, `baseUrl` included (off: SSRF guard; tests point at fakes on 127.0.0.1). */
  allowPrivate: boolean;
  /** Time limit of one HTTP attempt. */
  timeoutMs: number;
  /** API roots of the public services; a connection's `baseUrl` takes precedence for GitHub and GitLab. */
  githubApiUrl: string;
  gitlabUrl: string;
  bitbucketApiUrl: string;
}

/** Limits against abusive requests, applied by `src/http/limits.ts`; docs/decisions.md says why these numbers. */
export interface RequestLimits {
  maxQueryDepth: number;
  maxQueryCost: number;
  maxAliases: number;
  bodyLimitBytes: number;
}

export const DEFAULT_LIMITS: Readonly<RequestLimits> = Object.freeze({ maxQueryDepth: 12, maxQueryCost: 50_000, maxAliases: 30, bodyLimitBytes: 1024 * 1024 });

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const TRUSTED_DOCUMENTS_MODES: TrustedDocumentsMode[] = ['off', 'cookie', 'all'];
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses the environment once. Every problem is reported together; nothing else reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const fraction = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${name} must be a fraction from ${min} to ${max}, such as 0.1 for 10% (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const quota = (plan: PlanName, fallback: number | null): number | null => {
    const name = `REPOLINK_QUOTA_${plan.toUpperCase()}`;
    const raw = str(name);
    if (raw === null) return fallback;
    if (raw === 'unlimited') return null;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      problems.push(`${name} must be a whole number or "unlimited" (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const quotaLike = (name: string, fallback: number | null): number | null => {
    const raw = str(name);
    if (raw === null) return fallback;
    if (raw === 'unlimited') return null;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) {
      problems.push(`${name} must be a whole number of at least 1 or "unlimited" (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === null) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const databaseUrl = str('DATABASE_URL');
  if (databaseUrl !== null && !/^mysql:\/\/|^mariadb:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a mysql:// URL (MySQL 8 or MariaDB 10.6+)');
  }
  const databaseReplicaUrls = (str('DATABASE_REPLICA_URLS') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (databaseReplicaUrls.some((u) => !/^mysql:\/\/|^mariadb:\/\//.test(u))) problems.push('DATABASE_REPLICA_URLS must be comma-separated mysql:// URLs');
  if (databaseReplicaUrls.length > 0 && databaseUrl === null) problems.push('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary they replicate)');
  const logLevel = (str('LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const dataDir = path.resolve(cwd, str('REPOLINK_DATA_DIR') ?? '.data');
  const trustedDocuments = (str('REPOLINK_TRUSTED_DOCUMENTS')?.toLowerCase() ?? (str('NODE_ENV') === 'production' ? 'cookie' : 'off')) as TrustedDocumentsMode;
  if (!TRUSTED_DOCUMENTS_MODES.includes(trustedDocuments)) problems.push(`REPOLINK_TRUSTED_DOCUMENTS must be one of ${TRUSTED_DOCUMENTS_MODES.join(', ')} (got "${str('REPOLINK_TRUSTED_DOCUMENTS')}")`);

  const config: Config = {
    host: str('HOST') ?? '127.0.0.1',
    port: int('PORT', 4000, 0, 65535),
    databaseUrl,
    databaseReplicaUrls: Object.freeze(databaseReplicaUrls),
    dataDir,
    mysqld: str('REPOLINK_MYSQLD'),
    encryptionKey: str('REPOLINK_ENCRYPTION_KEY'),
    keyFile: path.resolve(cwd, str('REPOLINK_KEY_FILE') ?? path.join(dataDir, 'encryption-keys.json')),
    logLevel,
    planQuotas: Object.freeze({
      free: quota('free', 5),
      team: quota('team', 100),
      enterprise: quota('enterprise', null),
    }),
    introspection: bool('REPOLINK_INTROSPECTION', true),
    trustedDocuments,
    demo: bool('REPOLINK_DEMO', true),
    rateLimitPerMinute: quotaLike('REPOLINK_RATE_LIMIT_PER_MINUTE', 1200),
    rateLimitBatch: int('REPOLINK_RATE_LIMIT_BATCH', 20, 1, 10_000),
    rateLimitFlushMs: int('REPOLINK_RATE_LIMIT_FLUSH_MS', 250, 10, 60_000),
    resolveDefaultBranch: bool('REPOLINK_RESOLVE_DEFAULT_BRANCH', true),
    remoteAllowPrivate: bool('REPOLINK_REMOTE_ALLOW_PRIVATE', false),
    corsOrigins: Object.freeze((str('REPOLINK_CORS_ORIGINS') ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
    limits: Object.freeze({
      maxQueryDepth: int('REPOLINK_MAX_QUERY_DEPTH', DEFAULT_LIMITS.maxQueryDepth, 1, 100),
      maxQueryCost: int('REPOLINK_MAX_QUERY_COST', DEFAULT_LIMITS.maxQueryCost, 1, 10_000_000),
      maxAliases: int('REPOLINK_MAX_ALIASES', DEFAULT_LIMITS.maxAliases, 0, 1000),
      bodyLimitBytes: int('REPOLINK_BODY_LIMIT_BYTES', DEFAULT_LIMITS.bodyLimitBytes, 1024, 100 * 1024 * 1024),
    }),
    platforms: platformConfig(str, bool, int, problems),
    sync: Object.freeze({
      worker: bool('REPOLINK_SYNC_WORKER', true),
      pollMs: int('REPOLINK_SYNC_POLL_MS', 2_000, 10, 3_600_000),
      leaseMs: int('REPOLINK_SYNC_LEASE_MS', 60_000, 100, 3_600_000),
      retryBaseMs: int('REPOLINK_SYNC_RETRY_BASE_MS', 10_000, 1, 3_600_000),
      maxAttempts: int('REPOLINK_SYNC_MAX_ATTEMPTS', 5, 1, 100),
    }),
    codeHosts: codeHostConfig(env, str, int, problems),
    webhooks: Object.freeze({
      bodyLimitBytes: int('REPOLINK_WEBHOOK_BODY_LIMIT_BYTES', 25 * 1024 * 1024, 1024, 100 * 1024 * 1024),
      retentionDays: int('REPOLINK_WEBHOOK_RETENTION_DAYS', 7, 3, 365),
      purgeIntervalMs: int('REPOLINK_WEBHOOK_PURGE_INTERVAL_MS', 60_000, 1_000, 86_400_000),
    }),
    rateBudget: Object.freeze({
      floor: fraction('REPOLINK_RATE_BUDGET_FLOOR', 0.1, 0, 0.9),
      floorMin: int('REPOLINK_RATE_BUDGET_FLOOR_MIN', 50, 0, 1_000_000),
    }),
    reconcile: Object.freeze({
      enabled: bool('REPOLINK_RECONCILE', true),
      minIntervalSeconds: int('REPOLINK_RECONCILE_MIN_INTERVAL_SECONDS', 15 * 60, 1, 7 * 86_400),
      maxIntervalSeconds: int('REPOLINK_RECONCILE_MAX_INTERVAL_SECONDS', 86_400, 1, 30 * 86_400),
      leaseMs: int('REPOLINK_RECONCILE_LEASE_MS', 120_000, 100, 3_600_000),
      pageSize: int('REPOLINK_RECONCILE_PAGE_SIZE', 100, 1, 100),
      maxPages: int('REPOLINK_RECONCILE_MAX_PAGES', 200, 1, 10_000),
      maxConfirmations: int('REPOLINK_RECONCILE_MAX_CONFIRMATIONS', 50, 0, 10_000),
    }),
  };
  if (config.reconcile.maxIntervalSeconds < config.reconcile.minIntervalSeconds) problems.push('REPOLINK_RECONCILE_MAX_INTERVAL_SECONDS must not be shorter than REPOLINK_RECONCILE_MIN_INTERVAL_SECONDS');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function platformConfig(
  str: (name: string) => string | null,
  bool: (name: string, fallback: boolean) => boolean,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): PlatformConfig {
  const url = (name: string, fallback: string) => {
    const raw = str(name);
    if (raw === null) return fallback;
    let shown = `"${raw}"`;
    try {
      const parsed = new URL(raw);
      if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '') return raw.replace(/\/+$/, '');
      // The value may hold a credential: name only what is safe to print.
      shown = `a URL of ${parsed.protocol}//${parsed.host}`;
    } catch {
      // reported below
    }
    problems.push(`${name} must be an http(s) URL without user info, query or fragment (got ${shown})`);
    return fallback;
  };
  return Object.freeze({
    allowPrivate: bool('REPOLINK_PLATFORM_ALLOW_PRIVATE', false),
    timeoutMs: int('REPOLINK_PLATFORM_TIMEOUT_MS', 10_000, 100, 120_000),
    githubApiUrl: url('REPOLINK_GITHUB_API_URL', PLATFORM_FACTS.github.apiUrl),
    gitlabUrl: url('REPOLINK_GITLAB_URL', PLATFORM_FACTS.gitlab.apiUrl),
    bitbucketApiUrl: url('REPOLINK_BITBUCKET_API_URL', PLATFORM_FACTS.bitbucket.apiUrl),
  });
}

/** An http(s) URL without user info, query or fragment, without its trailing slash; else a problem that never prints a credential. */
function webUrl(name: string, raw: string, problems: string[]): string | null {
  let shown = `"${raw}"`;
  try {
    const parsed = new URL(raw);
    if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '') return raw.replace(/\/+$/, '');
    shown = `a URL of ${parsed.protocol}//${parsed.host}`;
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http(s) URL without user info, query or fragment (got ${shown})`);
  return null;
}

/**
 * REPOLINK_PUBLIC_URL, the return URL, and the apps registered through the environment: a GitHub
 * App (REPOLINK_GITHUB_APP_*), OAuth applications of GitHub, GitLab and Bitbucket
 * (REPOLINK_<HOST>_OAUTH_*). Every variable an app lacks is reported; a secret's value never is.
 */
function codeHostConfig(
  env: NodeJS.ProcessEnv,
  str: (name: string) => string | null,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): CodeHostConfig {
  const url = (name: string) => {
    const raw = str(name);
    return raw === null ? null : webUrl(name, raw, problems);
  };
  const secret = (name: string) => {
    // Not trimmed beyond the ends: a PEM keeps its line breaks; `\n` written literally in one line is one too.
    const raw = env[name]?.trim();
    return raw ? new Secret(raw.replace(/\\n/g, '\n')) : null;
  };
  const apps: ConfiguredApp[] = [];
  const group = (prefix: string, required: string[], optional: string[] = []): Record<string, string | null> | null => {
    const names = [...required, ...optional];
    if (!names.some((n) => str(`${prefix}_${n}`) !== null)) return null;
    const missing = required.filter((n) => str(`${prefix}_${n}`) === null && !(n === 'PRIVATE_KEY' && str(`${prefix}_PRIVATE_KEY_FILE`) !== null));
    if (missing.length > 0) {
      problems.push(`${prefix}_* is incomplete: set ${missing.map((n) => `${prefix}_${n}`).join(', ')} as well`);
      return null;
    }
    return Object.fromEntries(names.map((n) => [n, str(`${prefix}_${n}`)]));
  };

  const github = group('REPOLINK_GITHUB_APP', ['ID', 'SLUG', 'CLIENT_ID', 'CLIENT_SECRET', 'PRIVATE_KEY'], ['PRIVATE_KEY_FILE', 'WEBHOOK_SECRET', 'BASE_URL']);
  if (github !== null) {
    let privateKey = secret('REPOLINK_GITHUB_APP_PRIVATE_KEY');
    const file = str('REPOLINK_GITHUB_APP_PRIVATE_KEY_FILE');
    if (privateKey === null && file !== null) {
      try {
        privateKey = new Secret(readFileSync(file, 'utf8'));
      } catch (error) {
        problems.push(`REPOLINK_GITHUB_APP_PRIVATE_KEY_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    if (privateKey !== null && !isPrivateKeyPem(privateKey.reveal())) problems.push('REPOLINK_GITHUB_APP_PRIVATE_KEY is not a PEM private key (the .pem file GitHub gives for the app)');
    if (!/^\d{1,20}$/.test(github.ID!)) problems.push('REPOLINK_GITHUB_APP_ID must be the numeric App ID shown on the app\'s settings page');
    if (!/^[a-z0-9][a-z0-9-]{0,99}$/i.test(github.SLUG!)) problems.push('REPOLINK_GITHUB_APP_SLUG must be the app\'s slug (letters, digits and "-", as in /apps/<slug>)');
    if (privateKey !== null) {
      apps.push({
        kind: 'github_app',
        host: 'github',
        baseUrl: url('REPOLINK_GITHUB_APP_BASE_URL'),
        githubAppId: github.ID,
        slug: github.SLUG,
        clientId: github.CLIENT_ID!,
        clientSecret: secret('REPOLINK_GITHUB_APP_CLIENT_SECRET')!,
        privateKey,
        webhookSecret: secret('REPOLINK_GITHUB_APP_WEBHOOK_SECRET'),
        keepPreviousWebhookSecretHours: int('REPOLINK_GITHUB_APP_PREVIOUS_WEBHOOK_SECRET_HOURS', 24, 0, 720),
      });
    }
  }
  for (const host of ['github', 'gitlab', 'bitbucket'] as const) {
    const prefix = `REPOLINK_${host.toUpperCase()}_OAUTH`;
    const oauth = group(prefix, ['CLIENT_ID', 'CLIENT_SECRET'], host === 'bitbucket' ? [] : ['BASE_URL']);
    if (oauth === null) continue;
    apps.push({
      kind: 'oauth_app',
      host,
      baseUrl: host === 'bitbucket' ? null : url(`${prefix}_BASE_URL`),
      githubAppId: null,
      slug: null,
      clientId: oauth.CLIENT_ID!,
      clientSecret: secret(`${prefix}_CLIENT_SECRET`)!,
      privateKey: null,
      webhookSecret: null,
      keepPreviousWebhookSecretHours: 0,
    });
  }

  const publicUrl = url('REPOLINK_PUBLIC_URL');
  return Object.freeze({
    publicUrl,
    returnUrl: url('REPOLINK_CODE_HOST_RETURN_URL'),
    flowTtlSeconds: int('REPOLINK_CODE_HOST_FLOW_TTL_SECONDS', 600, 30, 3600),
    refreshMarginSeconds: int('REPOLINK_CODE_HOST_REFRESH_MARGIN_SECONDS', 300, 0, 3000),
    githubWebUrl: url('REPOLINK_GITHUB_URL') ?? 'https://github.com',
    bitbucketWebUrl: url('REPOLINK_BITBUCKET_URL') ?? 'https://bitbucket.org',
    apps: Object.freeze(apps),
  });
}

/** Whether `pem` is a private key node:crypto can use (PKCS#1 as GitHub gives it, or PKCS#8). */
export function isPrivateKeyPem(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
