/**
 * The one table of GraphQL enum values and the values behind them (stored in the database, spoken
 * by the REST contracts). codegen.ts reads it for `enumValues` (the generated types are the stored
 * values), src/resolvers.ts gives it to Apollo as the enum resolvers, and the REST shim looks
 * documented values up in it. Plain data with no imports: graphql-codegen loads it with codegen.ts.
 * A new enum value is added here; test/enums.test.ts holds the table to the schema.
 */
export const enumValues = {
  Platform: { GITHUB: 'github', GITLAB: 'gitlab', BITBUCKET: 'bitbucket' },
  SourceType: { GIT_URL: 'git_url', GITHUB: 'github', GITLAB: 'gitlab', BITBUCKET: 'bitbucket' },
  Severity: { LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' },
  Plan: { FREE: 'free', TEAM: 'team', ENTERPRISE: 'enterprise' },
  TenantKind: { ORGANIZATION: 'organization', PERSONAL: 'personal' },
  Permission: { CONFIG_READ: 'config:read', CONFIG_WRITE: 'config:write' },
  ViewerKind: { API_KEY: 'api_key', SESSION: 'session' },
  RepositoryCheckStatus: { FOUND: 'found', MOVED: 'moved', NOT_FOUND: 'not_found', NO_ACCESS: 'no_access', UNREACHABLE: 'unreachable' },
  SyncStatus: { NEVER: 'never', PENDING: 'pending', OK: 'ok', ERROR: 'error' },
  CodeHostAccountKind: { GITHUB_APP_INSTALLATION: 'github_app_installation', OAUTH: 'oauth', API_TOKEN: 'api_token', ACCESS_TOKEN: 'access_token' },
  CodeHostAccountStatus: { ACTIVE: 'active', SUSPENDED: 'suspended', NEEDS_REAUTHORIZATION: 'needs_reauthorization', REVOKED: 'revoked' },
  CodeHostAuthorizationKind: { GITHUB_APP_INSTALLATION: 'github_app_installation', OAUTH: 'oauth' },
  WebhookDeliveryOutcome: { QUEUED: 'queued', PROCESSED: 'processed', IGNORED: 'ignored', FAILED: 'failed' },
  ReconcileOutcome: { COMPLETE: 'complete', PARTIAL_LISTING: 'partial_listing', CREDENTIAL_FAILING: 'credential_failing', STOPPED: 'stopped' },
} as const;

export type EnumName = keyof typeof enumValues;

/** The stored value → GraphQL name lookup of one enum (a Map: a value such as `constructor` finds nothing). */
export function enumNamesByValue<E extends EnumName>(name: E): ReadonlyMap<string, keyof (typeof enumValues)[E]> {
  return new Map(Object.entries(enumValues[name]).map(([graphqlName, value]) => [value as string, graphqlName as keyof (typeof enumValues)[E]]));
}
