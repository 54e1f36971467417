import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { AuthService } from '../auth/auth.service';
import type { CredentialCipher } from '../crypto';
import { CodeHostAccountService } from './code-host-account.service';
import { CodeHostAccountStore } from './code-host-account.store';
import { CodeHostApi } from './code-host-api';
import { CodeHostAppService } from './code-host-app.service';
import { CodeHostEndpoints } from './code-host-endpoints';
import { CodeHostFlowService } from './code-host-flow.service';
import { CodeHostTokens, type TokenBrokerOptions } from './code-host-tokens';

export interface CodeHostDeps {
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
}

/**
 * The code-host accounts module, built once per server: `accounts` (GraphQL), `flows` (the browser
 * flows and their callback routes), `tokens` (a current token for an account: what connecting and
 * syncing repositories call), `apps` (the operator's registered apps).
 */
export function createCodeHostServices(deps: CodeHostDeps, options: TokenBrokerOptions = {}) {
  const store = new CodeHostAccountStore(deps.dataSource);
  const endpoints = new CodeHostEndpoints(deps.config);
  const api = new CodeHostApi(deps.config);
  const apps = new CodeHostAppService(deps.dataSource, store, deps.cipher, endpoints);
  const tokens = new CodeHostTokens(deps.config, store, deps.cipher, apps, api, endpoints, options);
  return {
    store,
    apps,
    tokens,
    accounts: new CodeHostAccountService(store, deps.cipher, tokens, api, endpoints),
    flows: new CodeHostFlowService(deps.dataSource, deps.config, store, deps.cipher, apps, api, endpoints, new AuthService(deps.dataSource)),
  };
}

export type CodeHostServices = ReturnType<typeof createCodeHostServices>;
