import { loadConfig, type Config } from '../config';
import { openDatabase, type Database } from '../boot/database';
import { CredentialCipher, addKeyToFile, loadKeyRing } from '../modules/crypto';
import { reencryptCredentials } from '../modules/repo-connections/credential-rotation';
import { TenancyInputError, TenancyService } from '../modules/tenancy/tenancy.service';
import { parseArgs } from './args';

const USAGE = `Usage: npm run admin -- <command> [options] [--json]

  tenant:create --name N [--kind organization|personal] [--plan free|team|enterprise]
  project:create --tenant ID --name N
  apikey:create (--project ID | --tenant ID) --permissions config:read,config:write
  apikey:revoke --id ID
  user:create --tenant ID --email E [--name N] [--project ID]
  session:create --user ID [--ttl-hours H]
  credentials:rotate-key

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

async function run(command: string, options: Options, database: Database): Promise<Output> {
  const tenancy = new TenancyService(database.dataSource);
  switch (command) {
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
    const { reencrypted, total } = await reencryptCredentials(database.dataSource, new CredentialCipher(ring));
    return {
      json: { keyId: newKeyId, source, reencrypted, total },
      text: `current key ${newKeyId} (${source}); re-encrypted ${reencrypted} of ${total} stored credentials`,
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
        output = await run(command, options, database);
      } finally {
        await database.close();
      }
    }
    return { code: 0, stdout: json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`, stderr: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      code: error instanceof UsageError || error instanceof TenancyInputError ? 2 : 1,
      stdout: json ? `${JSON.stringify({ error: message })}\n` : '',
      stderr: `admin: ${message}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`,
    };
  }
}
