import { loadConfig, type Config } from '../config';
import { openDatabase, type Database } from '../boot/database';
import { CredentialCipher, addKeyToFile, loadKeyRing } from '../modules/crypto';
import { reencryptCredentials } from '../modules/repo-connections/credential-rotation';
import { readFileSync } from 'node:fs';
import { AppRegistrationError, describeApp } from '../modules/code-host-accounts/code-host-app.service';
import { createCodeHostServices } from '../modules/code-host-accounts/code-host.module';
import { reencryptCodeHostSecrets } from '../modules/code-host-accounts/secret-rotation';
import { Secret } from '../modules/crypto';
import { TenancyInputError, TenancyService } from '../modules/tenancy/tenancy.service';
import { SignInLinkInputError, SignInLinkService, signInUrl } from '../modules/auth/sign-in-link.service';
import { SignInLinkStore } from '../modules/auth/sign-in-link.store';
import { createWebhookServices } from '../modules/webhooks/webhook.module';
import { createStores } from '../stores';
import { createReconciler } from '../modules/reconciliation/reconciliation.module';
import { reencryptWebhookSecrets } from '../modules/webhooks/webhook-secret-rotation';
import { hookPath, WebhookInputError } from '../modules/webhooks/webhook.service';
import type { WebhookHookEntity } from '../db/entities';
import { parseArgs } from './args';

const USAGE = `Usage: npm run admin -- <command> [options] [--json]

  tenant:create --name N [--kind organization|personal] [--plan free|team|enterprise]
  project:create --tenant ID --name N
  apikey:create (--project ID | --tenant ID) --permissions config:read,config:write
  apikey:revoke --id ID
  user:create --tenant ID --email E [--name N] [--project ID]
  session:create --user ID [--ttl-hours H]
  session:create (--user ID | --email E) --link [--ttl-hours H] [--link-ttl-minutes M]
      prints a one-time dashboard sign-in URL instead of a token: it works once, within M minutes
      (default 15), and opens a session of H hours (default 12). Its base is REPOLINK_PUBLIC_URL,
      else http://HOST:PORT.
  credentials:rotate-key
  app:register [--kind github-app|oauth] --host github|gitlab|bitbucket [--base-url URL]
               [--app-id N --slug S] --client-id ID (--client-secret-env NAME | --client-secret-file PATH)
               [--private-key-file PATH | --private-key-env NAME] [--webhook-secret-env NAME | --webhook-secret-file PATH]
               [--keep-previous-hours H]
      registers a GitHub App (with --app-id) or an OAuth application / consumer; secrets are read from
      an environment variable or a file, never from the command line, and stored encrypted. Registering
      an app again with another webhook secret keeps the old one accepted for H hours (default 24)
  app:rotate-webhook-secret --id APP_ID [--webhook-secret-env NAME | --webhook-secret-file PATH] [--keep-previous-hours H]
      a new webhook secret for a GitHub App registered with app:register (generated and printed once
      unless given); the replaced one is still accepted for H hours (default 24; 0 refuses it at once)
      while the app's settings on GitHub are switched over
  app:list
  webhook:create --tenant ID --host github|gitlab|bitbucket [--base-url URL] [--description TEXT]
                 [--secret-env NAME | --secret-file PATH]
      a webhook endpoint of the tenant for one GitHub repository/organization hook, GitLab project/group
      hook or Bitbucket repository/workspace hook; prints the path to give the host and, when no secret
      option is given, a generated secret (shown only then; stored encrypted)
  webhook:rotate-secret --id ID [--secret-env NAME | --secret-file PATH] [--keep-previous-hours H]
      a new secret (generated and printed once unless given); the replaced one is still accepted for
      H hours (default 24; 0 refuses it at once) while the host is switched over
  webhook:delete --id ID
  webhook:list --tenant ID
  reconcile:run --account ID
      reconciles one code-host account now (its host's list against the repositories stored through
      it; see the CodeHostAccount fields lastReconcileOutcome and lastReconcileMessage), unless a run
      already holds it or the account is not ACTIVE

Uses DATABASE_URL, or the private database under REPOLINK_DATA_DIR (default .data).`;

class UsageError extends Error {}

type Options = Record<string, string | true>;

function opt(options: Options, name: string, required: true): string;
function opt(options: Options, name: string, required?: false): string | undefined;
function opt(options: Options, name: string, required = false): string | undefined {
  const value = options[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  if (required && value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

type Output = { json: Record<string, unknown>; text: string };

/** Where people open the dashboard: REPOLINK_PUBLIC_URL (validated with the rest of the config), else the address the server listens on. */
export function publicBaseUrl(config: Pick<Config, 'host' | 'port' | 'codeHosts'>): string {
  if (config.codeHosts.publicUrl) return config.codeHosts.publicUrl;
  // A server listening on every address is reached on this machine through loopback.
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

async function signInLink(options: Options, database: Database, baseUrl: () => string): Promise<Output> {
  const number = (name: string) => {
    const value = opt(options, name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
    return n;
  };
  const userId = opt(options, 'user');
  const email = opt(options, 'email');
  if (!userId === !email) throw new UsageError('Give exactly one of --user or --email');
  const base = baseUrl();
  const links = new SignInLinkService(new SignInLinkStore(database.dataSource));
  const link = await links.issue({ userId, email, ttlMinutes: number('link-ttl-minutes'), sessionTtlHours: number('ttl-hours') });
  const url = signInUrl(base, link.token);
  return {
    json: { userId: link.user.id, email: link.user.email, url, expiresAt: link.expiresAt.toISOString() },
    text: `Sign-in link for ${link.user.email}, valid once until ${link.expiresAt.toISOString()}:\n${url}`,
  };
}

/**
 * A secret option: `--<name>-env VAR` or `--<name>-file PATH`. A value on the command line itself
 * is refused: it would stay in the shell's history and in every process listing.
 */
function secretOption(options: Options, name: string, env: NodeJS.ProcessEnv, required: boolean): Secret<string> | null {
  if (options[name] !== undefined) throw new UsageError(`--${name} is not taken on the command line (it would stay in shell history and process listings): use --${name}-env NAME or --${name}-file PATH`);
  const variable = opt(options, `${name}-env`);
  const file = opt(options, `${name}-file`);
  if (variable !== undefined && file !== undefined) throw new UsageError(`give --${name}-env or --${name}-file, not both`);
  if (variable !== undefined) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') throw new UsageError(`--${name}-env names ${variable}, which is not set`);
    return new Secret(value.trim());
  }
  if (file !== undefined) {
    try {
      return new Secret(readFileSync(file, 'utf8').trim());
    } catch (error) {
      throw new UsageError(`--${name}-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (required) throw new UsageError(`--${name}-env NAME or --${name}-file PATH is required`);
  return null;
}

async function registerApp(options: Options, database: Database, config: Config, cipher: CredentialCipher, env: NodeJS.ProcessEnv): Promise<Output> {
  const host = opt(options, 'host', true);
  if (host !== 'github' && host !== 'gitlab' && host !== 'bitbucket') throw new UsageError('--host must be github, gitlab or bitbucket');
  const kindOption = opt(options, 'kind') ?? (options['app-id'] !== undefined ? 'github-app' : 'oauth');
  if (kindOption !== 'github-app' && kindOption !== 'oauth') throw new UsageError('--kind must be github-app or oauth');
  const kind = kindOption === 'github-app' ? 'github_app' : 'oauth_app';
  const clientSecret = secretOption(options, 'client-secret', env, true)!;
  const privateKey = secretOption(options, 'private-key', env, kind === 'github_app');
  const webhookSecret = secretOption(options, 'webhook-secret', env, false);
  const hours = opt(options, 'keep-previous-hours');
  const { apps } = createCodeHostServices({ dataSource: database.dataSource, config, cipher });
  const app = await apps.register({
    kind,
    host,
    baseUrl: opt(options, 'base-url') ?? null,
    githubAppId: opt(options, 'app-id') ?? null,
    slug: opt(options, 'slug') ?? null,
    clientId: opt(options, 'client-id', true),
    clientSecret,
    privateKey,
    webhookSecret,
    source: 'admin',
    keepPreviousWebhookSecretHours: hours === undefined ? undefined : Number(hours),
  });
  return { json: describeApp(app), text: `${kindOption === 'github-app' ? 'GitHub App' : `${host} OAuth application`} ${app.id} registered for ${app.baseUrl} (secrets stored encrypted)` };
}

/** What the admin shows of a hook: never its stored secret (a generated one is added by the caller, once). */
function describeHook(hook: WebhookHookEntity, config: Config): Record<string, unknown> {
  const base = config.codeHosts.publicUrl ?? `http://${config.host}:${config.port}`;
  return {
    id: hook.id,
    tenantId: hook.tenantId,
    host: hook.host,
    baseUrl: hook.baseUrl,
    description: hook.description,
    path: hookPath(hook),
    url: `${base.replace(/\/+$/, '')}${hookPath(hook)}`,
    secretRotatedAt: hook.secretRotatedAt.toISOString(),
    previousSecretValidUntil: hook.previousSecretValidUntil?.toISOString() ?? null,
  };
}

async function webhookCommand(command: string, options: Options, database: Database, config: Config, env: NodeJS.ProcessEnv): Promise<Output> {
  const cipher = cipherOf(config);
  const { apps } = createCodeHostServices({ dataSource: database.dataSource, config, cipher });
  const { hooks } = createWebhookServices({ dataSource: database.dataSource, config, cipher }, apps);
  const shown = (hook: WebhookHookEntity, secret: Secret<string> | null, what: string): Output => {
    const described = describeHook(hook, config);
    const json = secret === null ? described : { ...described, secret: secret.reveal() };
    const lines = [`${what} ${hook.id} (${hook.host}, ${hook.baseUrl}) of tenant ${hook.tenantId}`, `URL for the host: ${described.url as string}`];
    if (hook.previousSecretValidUntil !== null) lines.push(`the previous secret is accepted until ${hook.previousSecretValidUntil.toISOString()}`);
    if (secret !== null) lines.push(`secret: ${secret.reveal()}`, 'This secret is shown only now; it is stored encrypted. Give it to the host with the URL.');
    return { json, text: lines.join('\n') };
  };
  switch (command) {
    case 'webhook:create': {
      const host = opt(options, 'host', true);
      if (host !== 'github' && host !== 'gitlab' && host !== 'bitbucket') throw new UsageError('--host must be github, gitlab or bitbucket');
      const { hook, generatedSecret } = await hooks.create({
        tenantId: opt(options, 'tenant', true),
        host,
        baseUrl: opt(options, 'base-url') ?? null,
        description: opt(options, 'description') ?? null,
        secret: secretOption(options, 'secret', env, false),
      });
      return shown(hook, generatedSecret, 'hook');
    }
    case 'webhook:rotate-secret': {
      const hours = opt(options, 'keep-previous-hours');
      const { hook, generatedSecret } = await hooks.rotateSecret({
        id: opt(options, 'id', true),
        secret: secretOption(options, 'secret', env, false),
        keepPreviousHours: hours === undefined ? 24 : Number(hours),
      });
      return shown(hook, generatedSecret, 'new secret for hook');
    }
    case 'webhook:delete': {
      const hook = await hooks.delete(opt(options, 'id', true));
      return { json: { id: hook.id, deleted: true }, text: `hook ${hook.id} deleted: its deliveries are refused from now on` };
    }
    case 'webhook:list': {
      const list = (await hooks.listForTenant(opt(options, 'tenant', true))).map((hook) => describeHook(hook, config));
      return { json: { hooks: list }, text: list.length === 0 ? 'no hooks' : list.map((h) => `${h.id as string} ${h.host as string} ${h.url as string}${h.description ? ` (${h.description as string})` : ''}`).join('\n') };
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

async function run(command: string, options: Options, database: Database, config: Config, env: NodeJS.ProcessEnv): Promise<Output> {
  const baseUrl = () => publicBaseUrl(config);
  const tenancy = new TenancyService(database.dataSource);
  if (command.startsWith('webhook:')) return webhookCommand(command, options, database, config, env);
  switch (command) {
    case 'app:register':
      return registerApp(options, database, config, cipherOf(config), env);
    case 'app:rotate-webhook-secret': {
      const { apps } = createCodeHostServices({ dataSource: database.dataSource, config, cipher: cipherOf(config) });
      const hours = opt(options, 'keep-previous-hours');
      const { app, generatedSecret } = await apps.rotateWebhookSecret({
        id: opt(options, 'id', true),
        secret: secretOption(options, 'webhook-secret', env, false),
        keepPreviousHours: hours === undefined ? 24 : Number(hours),
      });
      const described = describeApp(app);
      const lines = [`new webhook secret for GitHub App ${app.id} (${app.baseUrl}, App ID ${app.githubAppId ?? '?'})`];
      lines.push(described.previousWebhookSecretValidUntil ? `the previous secret is accepted until ${described.previousWebhookSecretValidUntil as string}` : 'the previous secret is refused from now on');
      if (generatedSecret !== null) lines.push(`webhook secret: ${generatedSecret.reveal()}`, "This secret is shown only now; it is stored encrypted. Paste it into the app's settings on GitHub (Webhook secret).");
      return { json: generatedSecret === null ? described : { ...described, webhookSecret: generatedSecret.reveal() }, text: lines.join('\n') };
    }
    case 'reconcile:run': {
      const id = opt(options, 'account', true);
      const codeHosts = createCodeHostServices({ dataSource: database.dataSource, config, cipher: cipherOf(config) });
      const stores = createStores(database.dataSource);
      // The admin command asks no rate budget: a person asked for this run.
      const reconciler = createReconciler({ dataSource: database.dataSource, config, accounts: codeHosts.store, repositories: stores.repositories, repoConnections: stores.repoConnections, tokens: codeHosts.tokens });
      const report = await reconciler.runNow(id);
      if (report === null) throw new UsageError(`Account ${id} cannot be reconciled now: it is unknown, deleted or not ACTIVE, or a run already holds it`);
      return { json: { ...report }, text: `${report.accountId}: ${report.outcome.toUpperCase()} — ${report.message}` };
    }
    case 'app:list': {
      const { apps } = createCodeHostServices({ dataSource: database.dataSource, config, cipher: cipherOf(config) });
      const list = (await apps.list()).map(describeApp);
      return { json: { apps: list }, text: list.length === 0 ? 'no apps registered' : list.map((a) => `${a.id} ${a.kind} ${a.host} ${a.baseUrl} client ${a.clientId}`).join('\n') };
    }
    case 'tenant:create': {
      const t = await tenancy.createTenant({ name: opt(options, 'name', true), kind: opt(options, 'kind'), plan: opt(options, 'plan') });
      return {
        json: { id: t.id, name: t.name, kind: t.kind, plan: t.plan, defaultProjectId: t.defaultProjectId },
        text: `tenant ${t.id} (${t.kind}, ${t.plan}), default project ${t.defaultProjectId}`,
      };
    }
    case 'project:create': {
      const p = await tenancy.createProject({ tenantId: opt(options, 'tenant', true), name: opt(options, 'name', true) });
      return { json: { id: p.id, tenantId: p.tenantId, name: p.name }, text: `project ${p.id}` };
    }
    case 'apikey:create': {
      const permissions = (opt(options, 'permissions', true) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const { apiKey, secret } = await tenancy.createApiKey({ projectId: opt(options, 'project'), tenantId: opt(options, 'tenant'), permissions });
      return {
        json: { id: apiKey.id, tenantId: apiKey.tenantId, projectId: apiKey.projectId, permissions: apiKey.permissions.split(','), prefix: apiKey.prefix, key: secret },
        text: `API key ${apiKey.id} (${apiKey.permissions})\n${secret}\nThis key is shown only now; it is stored as a hash.`,
      };
    }
    case 'apikey:revoke': {
      const k = await tenancy.revokeApiKey(opt(options, 'id', true));
      return { json: { id: k.id, revokedAt: k.revokedAt?.toISOString() }, text: `API key ${k.id} revoked` };
    }
    case 'user:create': {
      const u = await tenancy.createUser({ tenantId: opt(options, 'tenant', true), email: opt(options, 'email', true), name: opt(options, 'name'), projectId: opt(options, 'project') });
      return { json: { id: u.id, tenantId: u.tenantId, email: u.email, name: u.name, projectId: u.defaultProjectId }, text: `user ${u.id}` };
    }
    case 'session:create': {
      if (options.link !== undefined) return signInLink(options, database, baseUrl);
      const ttl = opt(options, 'ttl-hours');
      const ttlHours = ttl === undefined ? undefined : Number(ttl);
      if (ttlHours !== undefined && !Number.isFinite(ttlHours)) throw new UsageError('--ttl-hours must be a number');
      const { session, token } = await tenancy.createSession({ userId: opt(options, 'user', true), ttlHours });
      return {
        json: { id: session.id, userId: session.userId, expiresAt: session.expiresAt.toISOString(), token },
        text: `session ${session.id}, expires ${session.expiresAt.toISOString()}\n${token}\nThis token is shown only now; it is stored as a hash.`,
      };
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

/** The cipher under the configured keys (the key file is not created here: the server makes it on first start). */
function cipherOf(config: Config): CredentialCipher {
  return new CredentialCipher(loadKeyRing({ envValue: config.encryptionKey ?? undefined, keyFile: config.keyFile, createIfMissing: false }).ring);
}

async function rotateKey(config: Config): Promise<Output> {
  let { ring, source } = loadKeyRing({ envValue: config.encryptionKey ?? undefined, keyFile: config.keyFile, createIfMissing: false });
  let newKeyId: string;
  if (source === 'file') {
    newKeyId = addKeyToFile(config.keyFile).id;
    ring = loadKeyRing({ keyFile: config.keyFile, createIfMissing: false }).ring;
  } else {
    // With keys in the environment the operator puts the new key first (keeping the old ones after it).
    newKeyId = ring.current.id;
  }
  const database = await openDatabase(config, () => undefined, { attach: true });
  try {
    const cipher = new CredentialCipher(ring);
    const connections = await reencryptCredentials(database.dataSource, cipher);
    // Code-host apps, accounts and flows: client secrets, private keys, webhook secrets, access and refresh tokens, PKCE verifiers.
    const codeHosts = await reencryptCodeHostSecrets(database.dataSource, cipher);
    // Webhook hooks' secrets (current and, during a rotation, previous).
    const webhooks = await reencryptWebhookSecrets(database.dataSource, cipher);
    const reencrypted = connections.reencrypted + codeHosts.reencrypted + webhooks.reencrypted;
    const total = connections.total + codeHosts.total + webhooks.total;
    return {
      json: { keyId: newKeyId, source, reencrypted, total, connections, codeHosts, webhooks },
      text: `current key ${newKeyId} (${source}); re-encrypted ${reencrypted} of ${total} stored credentials (${connections.reencrypted} of connections, ${codeHosts.reencrypted} of code-host apps and accounts, ${webhooks.reencrypted} of webhook hooks)`,
    };
  } finally {
    await database.close();
  }
}

export interface AdminResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one admin command; the entry point (admin-main.ts) prints its output and exits with its code. */
export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<AdminResult> {
  let command: string | null;
  let options: Options;
  try {
    ({ command, options } = parseArgs(argv));
  } catch (error) {
    return { code: 2, stdout: '', stderr: `admin: ${(error as Error).message}\n\n${USAGE}\n` };
  }
  const json = options.json === true;
  if (command === null || options.help) {
    return { code: options.help ? 0 : 2, stdout: `${USAGE}\n`, stderr: '' };
  }
  try {
    const config = loadConfig(env);
    let output: Output;
    if (command === 'credentials:rotate-key') {
      output = await rotateKey(config);
    } else {
      const database = await openDatabase(config, () => undefined, { attach: true });
      try {
        output = await run(command, options, database, config, env);
      } finally {
        await database.close();
      }
    }
    return { code: 0, stdout: json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`, stderr: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      code: error instanceof UsageError || error instanceof TenancyInputError || error instanceof AppRegistrationError || error instanceof SignInLinkInputError || error instanceof WebhookInputError ? 2 : 1,
      stdout: json ? `${JSON.stringify({ error: message })}\n` : '',
      stderr: `admin: ${message}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`,
    };
  }
}
