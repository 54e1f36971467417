import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { AuthService } from '../auth/auth.service';
import { AuthStore } from '../auth/auth.store';
import type { CredentialCipher } from '../crypto';
import { CodeHostAccess, type AccountConnectedHook } from './code-host-access';
import { CodeHostAccountService } from './code-host-account.service';
import { CodeHostAccountStore } from './code-host-account.store';
import { CodeHostApi } from './code-host-api';
import { CodeHostAppService } from './code-host-app.service';
import { CodeHostEndpoints } from './code-host-endpoints';
import { CodeHostFlowService } from './code-host-flow.service';
import { CodeHostTokens, type TokenBrokerOptions } from './code-host-tokens';
import { RateBudget } from './rate-budget';
import { RateBudgetStore } from './rate-budget.store';

export interface CodeHostDeps {
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
  /** Reads the session a browser finishes a flow with (the flow is bound to its starter); the admin CLI has none. */
  auth?: AuthService;
  /** Runs in the transaction that stores a new or re-authorized account (links the repositories waiting for it). */
  onAccountConnected?: AccountConnectedHook;
}

/**
 * The code-host accounts module, built once per server: `accounts` (GraphQL), `flows` (the browser
 * flows and their callback routes), `tokens` (a current token for an account: what connecting and
 * syncing repositories call), `apps` (the operator's registered apps), `access` (what connections,
 * syncs and repositories use of an account: the account by id, its current token, its server),
 * `rateBudget` (what the hosts' rate-limit headers said of each account, and whether background
 * work may spend its requests now: `backgroundAllowed(accountId)`).
 */
export function createCodeHostServices(deps: CodeHostDeps, options: TokenBrokerOptions = {}) {
  const store = new CodeHostAccountStore(deps.dataSource);
  const endpoints = new CodeHostEndpoints(deps.config);
  const api = new CodeHostApi(deps.config);
  const apps = new CodeHostAppService(deps.dataSource, store, deps.cipher, endpoints);
  const tokens = new CodeHostTokens(deps.config, store, deps.cipher, apps, api, endpoints, options);
  const connected = deps.onAccountConnected ?? (async () => undefined);
  const rateBudget = new RateBudget(deps.config.rateBudget, new RateBudgetStore(deps.dataSource));
  return {
    store,
    rateBudget,
    apps,
    tokens,
    access: new CodeHostAccess(store, tokens, endpoints),
    accounts: new CodeHostAccountService(store, deps.cipher, tokens, api, endpoints, connected, rateBudget),
    flows: new CodeHostFlowService(deps.dataSource, deps.config, store, deps.cipher, apps, api, endpoints, deps.auth ?? new AuthService(deps.dataSource, new AuthStore()), connected),
  };
}

export type CodeHostServices = ReturnType<typeof createCodeHostServices>;
