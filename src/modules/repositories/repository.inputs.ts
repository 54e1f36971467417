import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { Severity, SourceType } from '../../db/entities/repository.entity';
import { UserErrorCode, userError } from '../../errors';
import type { CreateRepositoryInput, UpdateRepositoryInput } from '../../generated/schema-types';
import { PLATFORMS } from '../platforms/platform-facts';
import { BRANCH_MESSAGE, isValidBranchName, validateInput, type Checked } from '../../lib/validation';

export class CreateRepositoryDto {
  @IsString() @Length(1, 255, { message: 'name must be 1 to 255 characters' }) name: string;
  @IsIn(['git_url', ...PLATFORMS]) sourceType: SourceType;
  @IsOptional() @IsString() @MaxLength(2048) remoteUrl?: string | null;
  @IsOptional() @IsString() @Length(1, 255) defaultBranch?: string | null;
  @IsBoolean() issueAutoCreateEnabled: boolean;
  @IsIn(['low', 'medium', 'high', 'critical']) issueAutoCreateMinSeverity: Severity;
}

export interface NormalizedCreateRepository {
  name: string;
  sourceType: SourceType;
  remoteUrl: string | null;
  /** null: not given, so the service picks the remote's own default branch. */
  defaultBranch: string | null;
  path: string;
  issueAutoCreateEnabled: boolean;
  issueAutoCreateMinSeverity: Severity;
}

const REMOTE_MESSAGE = 'remoteUrl must be a git remote: https://, ssh://, git:// or user@host:path, without credentials in it';

const SCP_LIKE = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/**
 * A git remote as git itself takes it: http(s)://, ssh://, git:// URLs or scp-like `user@host:path`.
 * Returns its identity `host/path` (lower-case host, no `.git`, no trailing slash), or null.
 */
export function remoteIdentity(remote: string): string | null {
  if (/[\s\x00-\x1f]/.test(remote)) return null;
  const scp = SCP_LIKE.exec(remote);
  let host: string;
  let path: string;
  if (scp) {
    host = scp[1];
    path = scp[2];
  } else {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return null;
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol) || url.hostname === '') return null;
    // Credentials in a remote would be stored and shown in clear: no password anywhere, and no user
    // name on http(s)/git (where a user name is often a token); ssh's user (git@…) is fine.
    if (url.password !== '' || (url.username !== '' && url.protocol !== 'ssh:')) return null;
    host = url.host;
    path = decodeURIComponent(url.pathname);
  }
  path = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  if (path === '' || path.split('/').some((s) => s === '..' || s === '.')) return null;
  return `${host.toLowerCase()}/${path}`;
}

export async function checkCreateRepository(input: CreateRepositoryInput): Promise<Checked<NormalizedCreateRepository>> {
  const dto = Object.assign(new CreateRepositoryDto(), {
    name: typeof input.name === 'string' ? input.name.trim() : input.name,
    sourceType: input.sourceType ?? 'git_url',
    remoteUrl: input.remoteUrl === '' ? null : (input.remoteUrl ?? null),
    defaultBranch: input.defaultBranch ?? null,
    issueAutoCreateEnabled: input.issueAutoCreateEnabled ?? false,
    issueAutoCreateMinSeverity: input.issueAutoCreateMinSeverity ?? 'high',
  });
  const errors = await validateInput(dto);
  const failed = (f: string) => errors.some((e) => e.field?.[0] === f);
  let identity: string | null = null;
  if (!failed('remoteUrl')) {
    if (dto.remoteUrl) {
      identity = remoteIdentity(dto.remoteUrl);
      if (identity === null) {
        errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['remoteUrl'], REMOTE_MESSAGE));
      }
    } else if (dto.sourceType === 'git_url') {
      errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['remoteUrl'], 'remoteUrl is required when sourceType is GIT_URL'));
    }
  }
  if (dto.defaultBranch != null && !failed('defaultBranch') && !isValidBranchName(dto.defaultBranch)) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['defaultBranch'], `defaultBranch ${BRANCH_MESSAGE}`));
  }
  if (errors.length > 0) return { ok: false, userErrors: errors };
  return {
    ok: true,
    value: {
      name: dto.name,
      sourceType: dto.sourceType,
      remoteUrl: dto.remoteUrl ?? null,
      defaultBranch: dto.defaultBranch ?? null,
      // For a platform source the identity is the platform path (owner/repo), the same one
      // connectRepos uses, so one repository is not connected twice through the two routes.
      path: platformPath(dto.sourceType, identity) ?? identity ?? `name:${dto.name}`,
      issueAutoCreateEnabled: dto.issueAutoCreateEnabled,
      issueAutoCreateMinSeverity: dto.issueAutoCreateMinSeverity,
    },
  };
}

function platformPath(sourceType: SourceType, identity: string | null): string | null {
  if (identity === null || sourceType === 'git_url') return null;
  const slash = identity.indexOf('/');
  return identity.slice(slash + 1);
}

export class UpdateRepositoryDto {
  @IsOptional() @IsString() @Length(1, 255, { message: 'name must be 1 to 255 characters' }) name?: string;
  @IsOptional() @IsString() @MaxLength(2048) remoteUrl?: string;
  @IsOptional() @IsString() @Length(1, 255) defaultBranch?: string;
  @IsOptional() @IsString() @Matches(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { message: 'lastCommitSha must be a 40 (SHA-1) or 64 (SHA-256) character lower-case hex commit id' }) lastCommitSha?: string;
  @IsOptional() @IsBoolean() issueAutoCreateEnabled?: boolean;
  @IsOptional() @IsIn(['low', 'medium', 'high', 'critical']) issueAutoCreateMinSeverity?: Severity;
}

export interface RepositoryChanges {
  name?: string;
  remoteUrl?: string;
  path?: string;
  defaultBranch?: string;
  lastCommitSha?: string;
  issueAutoCreateEnabled?: boolean;
  issueAutoCreateMinSeverity?: Severity;
}

/** Fields left out (or null) do not change; given ones follow the same rules as on creation. */
export async function checkUpdateRepository(
  input: Omit<UpdateRepositoryInput, 'id'>,
  current: { sourceType: SourceType; repoConnectionId: string | null },
): Promise<Checked<RepositoryChanges>> {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));
  if (typeof given.name === 'string') given.name = given.name.trim();
  const dto = Object.assign(new UpdateRepositoryDto(), given);
  const errors = await validateInput(dto);
  const failed = (f: string) => errors.some((e) => e.field?.[0] === f);
  const changes: RepositoryChanges = { ...dto };
  if (dto.remoteUrl !== undefined && !failed('remoteUrl')) {
    const identity = remoteIdentity(dto.remoteUrl);
    if (current.repoConnectionId !== null) {
      errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['remoteUrl'], 'remoteUrl of a repository managed by a repo connection follows the connection'));
    } else if (identity === null) {
      errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['remoteUrl'], REMOTE_MESSAGE));
    } else {
      changes.path = platformPath(current.sourceType, identity) ?? identity;
    }
  }
  if (dto.defaultBranch !== undefined && !failed('defaultBranch') && !isValidBranchName(dto.defaultBranch)) {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['defaultBranch'], `defaultBranch ${BRANCH_MESSAGE}`));
  }
  return errors.length > 0 ? { ok: false, userErrors: errors } : { ok: true, value: changes };
}
