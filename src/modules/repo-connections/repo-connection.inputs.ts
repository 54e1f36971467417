import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { ConnectReposInput, UpdateRepoConnectionInput } from '../../generated/schema-types';
import { BRANCH_MESSAGE, isValidBranchName, isValidPathPrefix, validateInput, type Checked } from '../../lib/validation';
import { PLATFORM_FACTS, PLATFORMS } from '../platforms/platform-facts';
import { checkStackRoots, type StackRoot } from '../service-mappings/stack-roots';
import type { StoredCredentials } from './connection-credentials';

export const MAX_REPOSITORIES_PER_CONNECTION = 500;

export class CredentialsDto {
  @IsOptional() @IsString() @Length(1, 1024) token?: string | null;
  @IsOptional() @IsString() @Length(1, 255) username?: string | null;
  @IsOptional() @IsString() @Length(1, 1024) appPassword?: string | null;
  @IsOptional() @IsString() @Length(1, 254) email?: string | null;
  @IsOptional() @IsString() @Length(1, 1024) apiToken?: string | null;
  @IsOptional() @IsString() @Length(1, 1024) accessToken?: string | null;
  @IsOptional() @IsString() @MaxLength(2048) baseUrl?: string | null;
}

export class ServiceMappingDto {
  @IsString() @Length(1, 255, { message: 'serviceName must be 1 to 255 characters' }) serviceName: string;
  @IsString() @Length(1, 512) repo: string;
  @IsString() @MaxLength(1024) pathPrefix: string;
  @IsString() @Length(1, 255) defaultBranch: string;
  /** Checked by checkStackRoots (ties included), not by decorators. */
  stackRoots?: StackRoot[] | null;
}

export class ConnectReposDto {
  @IsIn(PLATFORMS) platform: Platform;
  @IsOptional() @ValidateNested() credentials?: CredentialsDto;
  @IsOptional() @IsString() @MaxLength(64) codeHostAccountId?: string | null;
  @IsOptional() @IsString() @MaxLength(2048) baseUrl?: string | null;
  @IsArray()
  @ArrayMinSize(1, { message: 'repositories must contain at least one repository' })
  @ArrayMaxSize(MAX_REPOSITORIES_PER_CONNECTION)
  @IsString({ each: true })
  repositories: string[];
  @IsArray() @ArrayMaxSize(MAX_REPOSITORIES_PER_CONNECTION * 4) @ValidateNested({ each: true }) serviceMappings: ServiceMappingDto[];
  @IsInt({ message: 'lookbackDays must be an integer from 1 to 365' })
  @Min(1, { message: 'lookbackDays must be an integer from 1 to 365' })
  @Max(365, { message: 'lookbackDays must be an integer from 1 to 365' })
  lookbackDays: number;
}

export function isValidBaseUrl(value: string): boolean {
  try {
    const url = new URL(value);
    // No user info, query or fragment: a token put there would be stored and shown as the baseUrl.
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hostname !== '' && url.search === '' && url.hash === '' && !/[?#]/.test(value);
  } catch {
    return false;
  }
}

export interface NormalizedConnectRepos {
  platform: Platform;
  /** The connection's own credentials; null when it goes through a code-host account. */
  credentials: StoredCredentials | null;
  /** The code-host account it goes through (not yet checked against the tenant's accounts); null with credentials. */
  codeHostAccountId: string | null;
  baseUrl: string | null;
  repositories: string[];
  serviceMappings: { serviceName: string; repo: string; pathPrefix: string; defaultBranch: string; stackRoots?: StackRoot[] }[];
  lookbackDays: number;
}

type Bad = (field: (string | number)[], message: string) => void;

function reporter(errors: UserError[]): Bad {
  return (field, message) => errors.push(userError(UserErrorCode.BAD_USER_INPUT, field, message));
}

const failedAt = (errors: UserError[], field: (string | number)[]) =>
  errors.some((e) => e.field?.join('.').startsWith(field.map(String).join('.')));

/** Bitbucket's kinds of credential, each by its fields, in the order a mixed input is read. */
const BITBUCKET_KINDS = [
  { fields: ['username', 'appPassword'], words: 'username and appPassword' },
  { fields: ['email', 'apiToken'], words: 'email and apiToken' },
  { fields: ['accessToken'], words: 'accessToken' },
] as const satisfies readonly { fields: readonly (keyof CredentialsDto)[]; words: string }[];
const BITBUCKET_WORDS = BITBUCKET_KINDS.map((k) => k.words).join(', ').replace(/, ([^,]*)$/, ', or $1');

/** An address of the form local@domain (the Atlassian account's email, as Bitbucket's Basic authentication takes it). */
export const isEmailAddress = (value: string) => /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*$/.test(value) && !value.includes('..');

/**
 * The credential fields a platform takes. Bitbucket takes one kind of the three: the SigSentry
 * body's `username` and `appPassword` (also when nothing is given, so the seed's messages stay),
 * `email` and `apiToken`, or `accessToken`; fields of a second kind are refused by name.
 */
function checkCredentials(platform: Platform, creds: CredentialsDto, bad: Bad): void {
  if (platform === 'bitbucket') {
    if (creds.token) bad(['credentials', 'token'], `bitbucket takes ${BITBUCKET_WORDS}, not token`);
    const given = BITBUCKET_KINDS.filter((k) => k.fields.some((f) => creds[f]));
    const kind = given[0] ?? BITBUCKET_KINDS[0];
    for (const other of given.slice(1)) {
      for (const f of other.fields) if (creds[f]) bad(['credentials', f], `bitbucket takes one kind of credential (${BITBUCKET_WORDS}); ${f} cannot go with ${kind.words}`);
    }
    for (const f of kind.fields) if (!creds[f]) bad(['credentials', f], `credentials.${f} is required for bitbucket${kind === BITBUCKET_KINDS[0] ? '' : ` with ${kind.words}`}`);
    if (kind === BITBUCKET_KINDS[1] && creds.email && !isEmailAddress(creds.email)) {
      bad(['credentials', 'email'], 'credentials.email must be the email address of the Atlassian account that owns the API token');
    }
  } else {
    if (!creds.token) bad(['credentials', 'token'], `credentials.token is required for ${platform}`);
    for (const f of ['username', 'appPassword', 'email', 'apiToken', 'accessToken'] as const) {
      if (creds[f]) bad(['credentials', f], `${platform} takes a token, not ${f}`);
    }
  }
}

/** `baseUrl` may stand beside `credentials` or inside them (the seed shows both); one value wins. */
function checkBaseUrls(platform: Platform, topLevel: string | null | undefined, inCredentials: string | null | undefined, errors: UserError[]): string | null {
  const bad = reporter(errors);
  const given = [
    { field: ['baseUrl'], value: topLevel },
    { field: ['credentials', 'baseUrl'], value: inCredentials },
  ].filter((b): b is { field: string[]; value: string } => typeof b.value === 'string' && b.value !== '');
  for (const b of given) {
    if (failedAt(errors, b.field)) continue;
    if (!isValidBaseUrl(b.value)) bad(b.field, `${b.field.join('.')} must be an http(s) URL without user info, query or fragment`);
    else if (!PLATFORM_FACTS[platform].takesBaseUrl) bad(b.field, `baseUrl applies to ${PLATFORMS.filter((p) => PLATFORM_FACTS[p].takesBaseUrl).join(' and ')} only`);
  }
  if (given.length === 2 && given[0].value !== given[1].value) {
    bad(['baseUrl'], 'baseUrl is given twice with different values (top level and in credentials)');
  }
  return given[0]?.value ?? null;
}

/** Returns the repositories by lower-cased path (the platforms compare paths case-insensitively). */
function checkRepositoryPaths(platform: Platform, repositories: string[], errors: UserError[]): Map<string, string> {
  const bad = reporter(errors);
  const seen = new Map<string, string>();
  repositories.forEach((repo, i) => {
    if (!PLATFORM_FACTS[platform].isValidPath(repo)) {
      bad(['repositories', i], `"${repo}" is not a ${platform} repository path (${PLATFORM_FACTS[platform].pathFormat})`);
    } else if (seen.has(repo.toLowerCase())) {
      bad(['repositories', i], `"${repo}" is listed twice`);
    } else {
      seen.set(repo.toLowerCase(), repo);
    }
  });
  return seen;
}

function checkServiceMappings(mappings: ServiceMappingDto[], repositories: Map<string, string>, errors: UserError[]): NormalizedConnectRepos['serviceMappings'] {
  const bad = reporter(errors);
  const names = new Set<string>();
  mappings.forEach((m, i) => {
    const at = (f: string) => ['serviceMappings', i, f];
    if (failedAt(errors, ['serviceMappings', i])) return;
    if (!repositories.has(m.repo.toLowerCase())) bad(at('repo'), `serviceMappings[${i}].repo "${m.repo}" is not one of repositories`);
    if (!isValidPathPrefix(m.pathPrefix)) bad(at('pathPrefix'), 'pathPrefix must be relative to the repository root ("" is the root) with no ".." segment');
    if (!isValidBranchName(m.defaultBranch)) bad(at('defaultBranch'), `defaultBranch ${BRANCH_MESSAGE}`);
    if (m.serviceName.trim() !== m.serviceName) bad(at('serviceName'), 'serviceName must not start or end with white space');
    else if (names.has(m.serviceName.toLowerCase())) bad(at('serviceName'), `serviceName "${m.serviceName}" is mapped twice`);
    names.add(m.serviceName.toLowerCase());
    if (m.stackRoots) errors.push(...checkStackRoots(m.stackRoots).map((e) => ({ ...e, field: ['serviceMappings', String(i), ...(e.field ?? [])] })));
  });
  return mappings.map((m) => ({
    serviceName: m.serviceName,
    repo: repositories.get(m.repo.toLowerCase()) ?? m.repo,
    pathPrefix: m.pathPrefix,
    defaultBranch: m.defaultBranch,
    ...(m.stackRoots && { stackRoots: m.stackRoots.map((r) => ({ stackRoot: r.stackRoot, sourceRoot: r.sourceRoot })) }),
  }));
}

function storedCredentials(platform: Platform, creds: CredentialsDto): NormalizedConnectRepos['credentials'] {
  if (platform !== 'bitbucket') return { token: creds.token! };
  if (creds.email || creds.apiToken) return { email: creds.email!, apiToken: creds.apiToken! };
  if (creds.accessToken) return { accessToken: creds.accessToken };
  return { username: creds.username!, appPassword: creds.appPassword! };
}

const NEITHER = 'credentials is required, or codeHostAccountId to connect through a code-host account';
const BOTH = 'Give credentials or codeHostAccountId, not both: a connection either holds its own credentials or reads through a code-host account';

/** Exactly one of `credentials` and `codeHostAccountId`; answers which, or reports the field. */
function credentialSource(credentials: unknown, accountId: string | null | undefined, bad: Bad): 'credentials' | 'account' | null {
  const hasCredentials = credentials !== null && credentials !== undefined;
  const hasAccount = accountId !== null && accountId !== undefined;
  if (hasCredentials && hasAccount) bad(['codeHostAccountId'], BOTH);
  else if (hasAccount) return 'account';
  else if (hasCredentials) return 'credentials';
  else bad(['credentials'], NEITHER);
  return null;
}

const toMappingDtos = (mappings: readonly object[] | null | undefined) => (mappings ?? []).map((m) => Object.assign(new ServiceMappingDto(), m));

/** Every rule of POST /v1/config/repos, reported per field; nothing is written unless all hold. */
export async function checkConnectRepos(input: ConnectReposInput): Promise<Checked<NormalizedConnectRepos>> {
  const dto = Object.assign(new ConnectReposDto(), {
    platform: input.platform,
    credentials: input.credentials == null ? undefined : Object.assign(new CredentialsDto(), input.credentials),
    codeHostAccountId: input.codeHostAccountId == null ? null : String(input.codeHostAccountId),
    baseUrl: input.baseUrl ?? null,
    repositories: input.repositories,
    serviceMappings: toMappingDtos(input.serviceMappings),
    lookbackDays: input.lookbackDays ?? 30,
  });
  const errors = await validateInput(dto);
  const platformOk = !failedAt(errors, ['platform']);
  const source = failedAt(errors, ['credentials']) || failedAt(errors, ['codeHostAccountId']) ? null : credentialSource(dto.credentials, dto.codeHostAccountId, reporter(errors));
  if (platformOk && source === 'credentials') checkCredentials(dto.platform, dto.credentials!, reporter(errors));
  const baseUrl = platformOk ? checkBaseUrls(dto.platform, dto.baseUrl, dto.credentials?.baseUrl, errors) : null;
  const repositories = platformOk && !failedAt(errors, ['repositories']) ? checkRepositoryPaths(dto.platform, dto.repositories, errors) : new Map<string, string>();
  const serviceMappings = checkServiceMappings(dto.serviceMappings, repositories, errors);
  if (errors.length > 0) return { ok: false, userErrors: errors };
  return {
    ok: true,
    value: {
      platform: dto.platform,
      credentials: source === 'credentials' ? storedCredentials(dto.platform, dto.credentials!) : null,
      codeHostAccountId: source === 'account' ? dto.codeHostAccountId! : null,
      baseUrl,
      repositories: dto.repositories,
      serviceMappings,
      lookbackDays: dto.lookbackDays,
    },
  };
}

export class UpdateRepoConnectionDto {
  @IsOptional() @ValidateNested() credentials?: CredentialsDto;
  @IsOptional() @IsString() @MaxLength(64) codeHostAccountId?: string | null;
  @IsOptional() @IsString() @MaxLength(2048) baseUrl?: string | null;
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'repositories must contain at least one repository' })
  @ArrayMaxSize(MAX_REPOSITORIES_PER_CONNECTION)
  @IsString({ each: true })
  repositories?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REPOSITORIES_PER_CONNECTION * 4) @ValidateNested({ each: true }) serviceMappings?: ServiceMappingDto[];
  @IsOptional()
  @IsInt({ message: 'lookbackDays must be an integer from 1 to 365' })
  @Min(1, { message: 'lookbackDays must be an integer from 1 to 365' })
  @Max(365, { message: 'lookbackDays must be an integer from 1 to 365' })
  lookbackDays?: number;
}

export interface RepoConnectionChanges {
  /** New credentials (ending the use of an account), or null: the connection goes through `codeHostAccountId` now. */
  credentials?: NormalizedConnectRepos['credentials'];
  /** The account the connection reads through from now on (its credentials erased), or null: its own credentials now. */
  codeHostAccountId?: string | null;
  /** undefined: unchanged; null: cleared. */
  baseUrl?: string | null;
  lookbackDays?: number;
  repositories?: string[];
  serviceMappings?: NormalizedConnectRepos['serviceMappings'];
}

/**
 * The rules of connectRepos applied to the fields an update gives. Mappings must point at the
 * connection's repositories as they will be after the update.
 */
export async function checkUpdateRepoConnection(
  input: Omit<UpdateRepoConnectionInput, 'id'>,
  current: { platform: Platform; repositories: string[] },
): Promise<Checked<RepoConnectionChanges>> {
  const dto = Object.assign(new UpdateRepoConnectionDto(), {
    credentials: input.credentials ? Object.assign(new CredentialsDto(), input.credentials) : undefined,
    codeHostAccountId: input.codeHostAccountId == null ? undefined : String(input.codeHostAccountId),
    baseUrl: input.baseUrl,
    repositories: input.repositories ?? undefined,
    serviceMappings: input.serviceMappings ? toMappingDtos(input.serviceMappings) : undefined,
    lookbackDays: input.lookbackDays ?? undefined,
  });
  const errors = await validateInput(dto);
  const bad = reporter(errors);
  const platform = current.platform;
  if (input.platform != null && input.platform !== platform) {
    bad(['platform'], `A connection's platform cannot change (it is ${platform}); delete it and connect again`);
  }
  const changes: RepoConnectionChanges = {};
  if (dto.credentials && dto.codeHostAccountId) bad(['codeHostAccountId'], BOTH);
  else if (dto.codeHostAccountId && !failedAt(errors, ['codeHostAccountId'])) {
    changes.codeHostAccountId = dto.codeHostAccountId;
    changes.credentials = null;
  } else if (dto.credentials && !failedAt(errors, ['credentials'])) {
    checkCredentials(platform, dto.credentials, bad);
    changes.credentials = storedCredentials(platform, dto.credentials);
    changes.codeHostAccountId = null;
  }
  if (input.baseUrl === null && !input.credentials?.baseUrl) changes.baseUrl = null;
  else if (dto.baseUrl != null || dto.credentials?.baseUrl) changes.baseUrl = checkBaseUrls(platform, dto.baseUrl, dto.credentials?.baseUrl, errors);
  if (dto.lookbackDays !== undefined) changes.lookbackDays = dto.lookbackDays;
  let repositories = new Map(current.repositories.map((r) => [r.toLowerCase(), r]));
  if (dto.repositories && !failedAt(errors, ['repositories'])) {
    repositories = checkRepositoryPaths(platform, dto.repositories, errors);
    changes.repositories = dto.repositories;
  }
  if (dto.serviceMappings) changes.serviceMappings = checkServiceMappings(dto.serviceMappings, repositories, errors);
  return errors.length > 0 ? { ok: false, userErrors: errors } : { ok: true, value: changes };
}
