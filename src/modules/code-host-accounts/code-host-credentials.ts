import type { CodeHostAccountKind } from '../../db/entities/code-host-account.entity';
import type { Secret } from '../crypto';
import { PlatformError } from '../platforms/host-http';
import { PLATFORM_FACTS } from '../platforms/platform-facts';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { CodeHostApi, HostAuth } from './code-host-api';
import type { HostEndpoints } from './code-host-endpoints';

/**
 * Bitbucket Cloud ended app passwords on 28 July 2026 (none could be created after 9 September
 * 2025; refused calls answer 401). Said wherever Bitbucket refuses a Basic credential.
 */
export const APP_PASSWORDS_ENDED =
  'Bitbucket Cloud ended app passwords on 28 July 2026. Use an Atlassian API token instead (your Atlassian account\'s email as the user name, ' +
  'the token as the password; scopes read:repository:bitbucket and read:pullrequest:bitbucket, and read:user:bitbucket to show who it is), ' +
  'or a workspace, project or repository access token (sent as Bearer)';

/**
 * Required scopes (in the host's current names) that `scopes` does not cover; empty when none; null
 * when the scopes are unknown. The rule is the per-host facts table's, the same one pasted
 * credentials are judged by (platforms/platform-facts.ts): one place says which scopes a host needs.
 */
export function missingScopes(host: string, scopes: string[] | null): string[] | null {
  if (scopes === null) return null;
  const facts = PLATFORM_FACTS[host as Platform];
  return facts ? facts.missingScopes(scopes) : [];
}

export type TokenJudgement = { ok: true; identity: string | null; scopes: string[] | null; warning: string | null } | { ok: false; field: 'token' | 'email'; message: string };

const NAMES = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' } as const;

/**
 * Asks the host whether a pasted token works and what it may do, before it is stored: who it is
 * (`GET /user`), its scopes where the host tells them, and whether it covers reading code and pull
 * requests. Refusals come back as a field and a message a person can act on.
 */
export async function judgeToken(api: CodeHostApi, endpoints: HostEndpoints, kind: CodeHostAccountKind, token: Secret<string>, email: string | null): Promise<TokenJudgement> {
  const host = endpoints.host;
  const auth: HostAuth = kind === 'api_token' ? { scheme: 'basic', token, username: email } : { scheme: 'bearer', token };
  let answer;
  try {
    answer = await api.identity(endpoints, auth);
  } catch (error) {
    const words = error instanceof PlatformError ? error.message : `${NAMES[host]} could not be asked`;
    return { ok: false, field: 'token', message: `The token could not be checked: ${words}; try again` };
  }
  const value = token.reveal();
  if (!answer.ok) {
    if (host === 'bitbucket' && answer.status === 401) {
      const appPassword = value.startsWith('ATBB');
      return {
        ok: false,
        field: 'token',
        message: appPassword
          ? `Bitbucket refused this credential (401): it is an app password. ${APP_PASSWORDS_ENDED}`
          : `Bitbucket refused the ${kind === 'api_token' ? 'email and API token' : 'access token'} (401): it is wrong, expired or revoked${kind === 'api_token' ? ', or the email is not the token\'s Atlassian account' : ''}. (${APP_PASSWORDS_ENDED}.)`,
      };
    }
    if (answer.status === 401) return { ok: false, field: 'token', message: `${NAMES[host]} refused the token (401): it is wrong, expired or revoked` };
    if (host === 'github' && answer.status === 403 && value.startsWith('ghs_')) {
      return { ok: false, field: 'token', message: 'This is a GitHub App installation token (ghs_…): it expires within an hour. Connect the GitHub App itself with startCodeHostAuthorization(kind: GITHUB_APP_INSTALLATION); repolink then mints its tokens' };
    }
    if (!(host === 'bitbucket' && answer.status === 403)) return { ok: false, field: 'token', message: `The token could not be checked: ${answer.message}` };
  }
  // Bitbucket access tokens act for a workspace, project or repository, not a user: 403 on /user names no one, and is no refusal.
  const identity = answer.ok ? answer.identity : null;
  let scopes = answer.scopes;
  if (host === 'gitlab') scopes = await api.gitlabTokenScopes(endpoints, auth).catch(() => null);
  const missing = missingScopes(host, scopes);
  if (missing && missing.length > 0) {
    return { ok: false, field: 'token', message: `The token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')} needed to read code and pull requests${scopes && scopes.length ? ` (it has ${scopes.join(', ')})` : ''}` };
  }
  return { ok: true, identity: identity ?? (kind === 'api_token' ? email : null), scopes, warning: null };
}
