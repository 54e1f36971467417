import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import type { CodeHostAccountStore } from '../code-host-accounts/code-host-account.store';
import { CodeHostApi } from '../code-host-accounts/code-host-api';
import { CodeHostEndpoints } from '../code-host-accounts/code-host-endpoints';
import type { CodeHostTokens } from '../code-host-accounts/code-host-tokens';
import type { RepoConnectionStore } from '../repo-connections/repo-connection.store';
import type { RepositoryStore } from '../repositories/repository.store';
import { ALLOW_ALL_BUDGET, Reconciler, type BackgroundBudget } from './reconciler';

export interface ReconciliationDeps {
  dataSource: DataSource;
  config: Config;
  accounts: CodeHostAccountStore;
  repositories: RepositoryStore;
  repoConnections: RepoConnectionStore;
  tokens: Pick<CodeHostTokens, 'tokenFor'>;
  /** Whether background work may spend the account's host budget now; allow-all until the rate budget service is merged. */
  budget?: BackgroundBudget;
}

/** The reconciler of code-host accounts, run by the sync worker's loop (src/server.ts) and by `reconcile:run`. */
export function createReconciler(deps: ReconciliationDeps): Reconciler {
  return new Reconciler(
    deps.dataSource,
    deps.config.reconcile,
    { accounts: deps.accounts, repositories: deps.repositories, repoConnections: deps.repoConnections },
    deps.tokens,
    new CodeHostApi(deps.config),
    new CodeHostEndpoints(deps.config),
    deps.budget ?? ALLOW_ALL_BUDGET,
  );
}
