import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import type { CodeHostAccountKind } from '../../db/entities/code-host-account.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { UserErrorCode, userError, type UserError } from '../../errors';
import { validateInput } from '../shared/validation';

/**
 * The mutations' inputs as GraphQL hands them over (enum values already mapped to the internal
 * strings). Declared here rather than imported from src/generated: the generated file imports the
 * request context, which imports the services, which import this module.
 */
export interface StartCodeHostAuthorizationInput {
  host: Platform;
  kind?: 'oauth' | 'github_app_installation' | null;
  baseUrl?: string | null;
  returnUrl?: string | null;
}

export interface AddCodeHostAccountInput {
  host: Platform;
  kind: CodeHostAccountKind;
  baseUrl?: string | null;
  email?: string | null;
  token: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; userErrors: UserError[] };

/** The longest token repolink stores (the sealed column holds 8 KiB); no code assumes anything shorter. */
export const MAX_TOKEN_LENGTH = 8000;

const HOSTS: Platform[] = ['github', 'gitlab', 'bitbucket'];

class StartAuthorizationDto {
  @IsIn(HOSTS) host: Platform;
  @IsIn(['oauth', 'github_app_installation'], { message: 'kind must be OAUTH or GITHUB_APP_INSTALLATION' }) kind: 'oauth' | 'github_app_installation';
  @IsOptional() @IsString() @MaxLength(255, { message: 'baseUrl must be at most 255 characters' }) baseUrl: string | null;
  @IsOptional() @IsString() @MaxLength(2048, { message: 'returnUrl must be at most 2048 characters' }) returnUrl: string | null;
}

class AddAccountDto {
  @IsIn(HOSTS) host: Platform;
  @IsIn(['api_token', 'access_token'], { message: 'kind must be API_TOKEN or ACCESS_TOKEN (installations and OAuth accounts are connected with startCodeHostAuthorization)' }) kind: CodeHostAccountKind;
  @IsOptional() @IsString() @MaxLength(255, { message: 'baseUrl must be at most 255 characters' }) baseUrl: string | null;
  @IsOptional() @IsEmail({}, { message: 'email must be the email address of the Atlassian account the API token belongs to' }) @MaxLength(255) email: string | null;
  @IsString() @Length(8, MAX_TOKEN_LENGTH, { message: `token must be 8 to ${MAX_TOKEN_LENGTH} characters` }) token: string;
}

/** A base URL people may give: http(s), no user info, query or fragment (it becomes the account's address). */
export function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'baseUrl must be an http(s) URL such as https://gitlab.example.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'baseUrl must be an http(s) URL such as https://gitlab.example.com';
  if (url.username !== '' || url.password !== '') return 'baseUrl must not carry a user name or password';
  if (url.search !== '' || url.hash !== '') return 'baseUrl must not have a query or fragment';
  return null;
}

function common(host: Platform, baseUrl: string | null, errors: UserError[]): void {
  if (baseUrl === null || errors.some((e) => e.field?.[0] === 'baseUrl')) return;
  if (host === 'bitbucket') {
    errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['baseUrl'], 'Bitbucket Cloud has one address: leave baseUrl out'));
    return;
  }
  const problem = baseUrlProblem(baseUrl);
  if (problem) errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['baseUrl'], problem));
}

export async function checkStartAuthorization(input: StartCodeHostAuthorizationInput): Promise<Checked<StartAuthorizationDto>> {
  const dto = Object.assign(new StartAuthorizationDto(), {
    host: input.host,
    kind: input.kind ?? 'oauth',
    baseUrl: input.baseUrl?.trim() || null,
    returnUrl: input.returnUrl?.trim() || null,
  });
  const errors = await validateInput(dto);
  common(dto.host, dto.baseUrl, errors);
  if (dto.kind === 'github_app_installation' && dto.host !== 'github') errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['kind'], 'GITHUB_APP_INSTALLATION connects GitHub only; use OAUTH for GitLab and Bitbucket'));
  return errors.length > 0 ? { ok: false, userErrors: errors } : { ok: true, value: dto };
}

export async function checkAddAccount(input: AddCodeHostAccountInput): Promise<Checked<AddAccountDto>> {
  const dto = Object.assign(new AddAccountDto(), {
    host: input.host,
    kind: input.kind,
    baseUrl: input.baseUrl?.trim() || null,
    email: input.email?.trim() || null,
    // Pasted tokens often carry a line break or spaces at the ends: they are never part of a token.
    token: typeof input.token === 'string' ? input.token.trim() : input.token,
  });
  const errors = await validateInput(dto);
  common(dto.host, dto.baseUrl, errors);
  if (!errors.some((e) => e.field?.[0] === 'kind')) {
    if (dto.kind === 'api_token' && dto.host !== 'bitbucket') errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['kind'], 'API_TOKEN is Bitbucket\'s (email + Atlassian API token); use ACCESS_TOKEN for a GitHub or GitLab token'));
    if (dto.kind === 'api_token' && dto.host === 'bitbucket' && dto.email === null && !errors.some((e) => e.field?.[0] === 'email')) {
      errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['email'], 'email is required with a Bitbucket API token: it is the Atlassian account\'s email, sent as the user name'));
    }
    if (dto.kind === 'access_token' && dto.email !== null) errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['email'], 'email goes with an API_TOKEN only; an ACCESS_TOKEN is sent alone'));
  }
  if (typeof dto.token === 'string' && /\s/.test(dto.token)) errors.push(userError(UserErrorCode.BAD_USER_INPUT, ['token'], 'token must not contain spaces or line breaks'));
  return errors.length > 0 ? { ok: false, userErrors: errors } : { ok: true, value: dto };
}
