import { InitialSchema1763884800000 } from './1763884800000-initial-schema';
import { IdempotencyOwner1763900000000 } from './1763900000000-idempotency-owner';
import { RateLimits1763910000000 } from './1763910000000-rate-limits';
import { DefaultProjects1764000000000 } from './1764000000000-default-projects';
import { ListIndexes1764100000000 } from './1764100000000-list-indexes';
import { ServiceMappingStackRoots1764200000000 } from './1764200000000-service-mapping-stack-roots';
import { Sync1764210000000 } from './1764210000000-sync';
import { LiveRowCounters1764300000000 } from './1764300000000-live-row-counters';
import { CodeHostAccounts1764400000000 } from './1764400000000-code-host-accounts';
import { DashboardSignIn1764410000000 } from './1764410000000-dashboard-sign-in';
import { RepositoryHostFacts1764420000000 } from './1764420000000-repository-host-facts';
import { ConnectionsThroughAccounts1764430000000 } from './1764430000000-connections-through-accounts';
import { Webhooks1764510000000 } from './1764510000000-webhooks';
import { WebhookProcessing1764520000000 } from './1764520000000-webhook-processing';
import { RateBudgets1764600000000 } from './1764600000000-rate-budgets';
import { Reconciliation1764610000000 } from './1764610000000-reconciliation';
import { AppWebhookSecretRotation1764620000000 } from './1764620000000-app-webhook-secret-rotation';

/** Every migration, in order. Imported as classes so the same list runs from ts-jest and from dist/. */
export const migrations = [
  InitialSchema1763884800000,
  IdempotencyOwner1763900000000,
  RateLimits1763910000000,
  DefaultProjects1764000000000,
  ListIndexes1764100000000,
  ServiceMappingStackRoots1764200000000,
  Sync1764210000000,
  LiveRowCounters1764300000000,
  CodeHostAccounts1764400000000,
  DashboardSignIn1764410000000,
  RepositoryHostFacts1764420000000,
  ConnectionsThroughAccounts1764430000000,
  Webhooks1764510000000,
  WebhookProcessing1764520000000,
  RateBudgets1764600000000,
  Reconciliation1764610000000,
  AppWebhookSecretRotation1764620000000,
];
