import type { EntityManager } from 'typeorm';
import type { CodeHostAccountEntity } from '../../db/entities';
import type { CodeHostAccountStatus } from '../../db/entities/code-host-account.entity';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { Checked } from '../../lib/validation';
import type { CodeHostAccess } from '../code-host-accounts/code-host-access';

const HOSTS: Record<Platform, string> = { github: 'GitHub', gitlab: 'GitLab', bitbucket: 'Bitbucket' };

/** What a person does about an account that is not ACTIVE. */
export const ACCOUNT_ADVICE: Record<Exclude<CodeHostAccountStatus, 'active'>, string> = {
  suspended: 'an owner must unsuspend the GitHub App on GitHub, then connect the installation again',
  needs_reauthorization: 'connect the account again (startCodeHostAuthorization) to authorize repolink',
  revoked: 'connect an account on the host again, and use the new one',
};

/** An account that cannot give a token now, in words for a person: its status, why, and what to do. */
export function unavailableAccountMessage(accountId: string, status: CodeHostAccountStatus, reason: string | null): string {
  const why = reason?.replace(/[.;\s]+$/, '') || null;
  if (status === 'active') return `The code-host account ${accountId} could not be used${why ? `: ${why}` : ''}`;
  // The host's reason often says what to do already ("… then connect it again"): the advice is not said twice.
  const advice = why && /\bagain\b/i.test(why) ? '' : `${why ? '; ' : ''}${ACCOUNT_ADVICE[status]}`;
  return `The code-host account ${accountId} is ${status.toUpperCase()}: ${why ?? ''}${advice}`;
}

/** A connection's account as checked: the account, and the `baseUrl` a connection through it has. */
export interface ResolvedAccount {
  account: CodeHostAccountEntity;
  baseUrl: string | null;
}

/**
 * Reads the `codeHostAccountId` of a connection's input: an account of the caller's tenant (another
 * tenant's is unknown here, like a deleted one), on the connection's platform, ACTIVE; a `baseUrl`
 * given beside it must be the account's own server. Each refusal is a user error naming its field.
 */
export class ConnectionAccounts {
  constructor(private readonly access: CodeHostAccess) {}

  async resolve(db: EntityManager, tenantId: string, id: string, platform: Platform, givenBaseUrl: string | null): Promise<Checked<ResolvedAccount>> {
    const refuse = (field: string, message: string): { ok: false; userErrors: UserError[] } => ({ ok: false, userErrors: [userError(UserErrorCode.BAD_USER_INPUT, [field], message)] });
    const account = await this.access.account(db, tenantId, id);
    if (!account) return refuse('codeHostAccountId', `No code-host account ${JSON.stringify(id)} in this organization (see codeHostAccounts)`);
    if (account.host !== platform) return refuse('codeHostAccountId', `${account.id} is a ${HOSTS[account.host]} account; this connection is on ${HOSTS[platform]}`);
    if (account.status !== 'active') return refuse('codeHostAccountId', unavailableAccountMessage(account.id, account.status, account.statusReason));
    if (givenBaseUrl !== null && this.access.normalizeBaseUrl(platform, givenBaseUrl) !== account.baseUrl) {
      return refuse('baseUrl', `baseUrl names another server than the code-host account's (${account.baseUrl}): leave it out, the account says where its repositories are`);
    }
    return { ok: true, value: { account, baseUrl: this.access.connectionBaseUrl(account) } };
  }
}
