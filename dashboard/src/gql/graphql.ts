/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Input of `addCodeHostAccount`: a credential pasted by a person. */
export type AddCodeHostAccountInput = {
  /** A GitHub Enterprise Server or self-managed GitLab address; absent: the public service. Not for Bitbucket. */
  baseUrl?: string | null | undefined;
  /** The Atlassian account's email, for an API_TOKEN (it is HTTP Basic's user name). */
  email?: string | null | undefined;
  /** The code host. */
  host: Platform;
  /** API_TOKEN (Bitbucket: email + Atlassian API token) or ACCESS_TOKEN (Bearer). */
  kind: CodeHostAccountKind;
  /** The token. Stored sealed; never shown again (only `credentialHint`). */
  token: string;
};

/** Narrows `codeHostAccounts`. */
export type CodeHostAccountFilter = {
  /** Only accounts on this host. */
  host?: Platform | null | undefined;
  /** Only accounts in this status. */
  status?: CodeHostAccountStatus | null | undefined;
};

/** How a code-host account reaches its host. */
export type CodeHostAccountKind =
  /** A token sent as `Authorization: Bearer`: a Bitbucket workspace, project or repository access token, or a GitHub / GitLab personal, project or group access token. */
  | 'ACCESS_TOKEN'
  /** A Bitbucket Cloud API token (Atlassian account email + token, sent as HTTP Basic), the replacement of app passwords. */
  | 'API_TOKEN'
  /** A GitHub App installed on a user or organization (github.com or GitHub Enterprise Server); repolink mints short-lived installation tokens from the app's key. */
  | 'GITHUB_APP_INSTALLATION'
  /** An OAuth authorization of a person on GitHub (OAuth app), GitLab (gitlab.com or self-managed) or Bitbucket Cloud (OAuth consumer); repolink refreshes its tokens. */
  | 'OAUTH';

/** Whether an account can be used now. */
export type CodeHostAccountStatus =
  /** Usable: repolink holds a working credential (and renews it before it expires). */
  | 'ACTIVE'
  /** The host refused the stored refresh token (revoked, expired, or the person removed the authorization): connect the account again with `startCodeHostAuthorization`. */
  | 'NEEDS_REAUTHORIZATION'
  /** Revoked in repolink (`revokeCodeHostAccount`), or the app was uninstalled on the host. Its credentials are erased. */
  | 'REVOKED'
  /** GitHub says the installation is suspended: an owner of the account must unsuspend the app on GitHub, then connect it again. */
  | 'SUSPENDED';

/** How `startCodeHostAuthorization` connects. */
export type CodeHostAuthorizationKind =
  /** Install the operator's GitHub App on a user or organization (GitHub only). */
  | 'GITHUB_APP_INSTALLATION'
  /** Authorize the operator's OAuth application (GitHub OAuth app, GitLab application, Bitbucket consumer) as the person in the browser. */
  | 'OAUTH';

/**
 * Input of `connectRepos`; the same body as `POST /v1/config/repos`, where `credentials` is required.
 * Over GraphQL a connection may instead go through one of the tenant's code-host accounts:
 * `codeHostAccountId` in place of `credentials` (exactly one of the two).
 */
export type ConnectReposInput = {
  /** API base URL for a self-hosted server (also accepted inside `credentials`). */
  baseUrl?: string | null | undefined;
  /**
   * Connect through this code-host account of the caller's tenant (`cha_…`, see `codeHostAccounts`)
   * instead of `credentials`: it must be on this platform and ACTIVE. The connection stores no
   * credentials; every call to the platform uses the account's current token (GitHub App installation
   * tokens minted, OAuth tokens refreshed as needed). `baseUrl` comes from the account (leave it out, or
   * give the account's own).
   */
  codeHostAccountId?: string | number | null | undefined;
  /** The platform credentials; required unless `codeHostAccountId` is given (not both). */
  credentials?: CredentialsInput | null | undefined;
  /** 1–365, default 30. */
  lookbackDays?: number | null | undefined;
  platform: Platform;
  /** At least one: `owner/repo` (GitHub), `group/project` or `group/subgroup/project` (GitLab), `workspace/repo-slug` (Bitbucket). */
  repositories: Array<string>;
  serviceMappings?: Array<ServiceMappingInput> | null | undefined;
};

/** Input of `createApiKey`. */
export type CreateApiKeyInput = {
  /** What people will call it, 1–100 characters, e.g. `CI deploy`. */
  name: string;
  /** What it may do; at least one. */
  permissions: Array<Permission>;
};

/** Input of `createServiceMapping`. */
export type CreateServiceMappingInput = {
  defaultBranch: string;
  /** Subdirectory inside the repository; `""` is the root. */
  pathPrefix: string;
  /** A live repository of the project. */
  repositoryId: string | number;
  /** Unique among the project's live mappings. */
  serviceName: string;
  /** Code mappings (at most 20). Two roots that can match one path must differ in specificity: ties are refused. */
  stackRoots?: Array<StackRootInput> | null | undefined;
};

/**
 * Platform credentials: `token` (and optionally `baseUrl`) for GitHub and GitLab. For Bitbucket Cloud
 * one of three kinds: `email` and `apiToken` (an Atlassian API token, sent as HTTP Basic with the
 * account's email), `accessToken` (a repository, project or workspace access token, sent as Bearer), or
 * the SigSentry body's `username` and `appPassword` (sent as HTTP Basic: an API token works there with
 * the account's email as `username`; Bitbucket refuses app passwords themselves since 28 July 2026).
 */
export type CredentialsInput = {
  /** Bitbucket: a repository, project or workspace access token (scopes `repository` and `pullrequest`). */
  accessToken?: string | null | undefined;
  /** Bitbucket: an Atlassian API token with Bitbucket scopes (`read:repository:bitbucket`, `read:pullrequest:bitbucket`; `read:user:bitbucket` names its owner). Goes with `email`. */
  apiToken?: string | null | undefined;
  /** Bitbucket: an app password (ended by Bitbucket on 28 July 2026), or an Atlassian API token given with the account's email as `username`. */
  appPassword?: string | null | undefined;
  /** API base URL for a self-hosted server; may also be given beside `credentials`. */
  baseUrl?: string | null | undefined;
  /** Bitbucket: the Atlassian account's email that goes with `apiToken`. */
  email?: string | null | undefined;
  /** Personal access token (GitHub `ghp_…`, GitLab `glpat-…`). */
  token?: string | null | undefined;
  /** Bitbucket: the username of an app password, or the Atlassian account's email when `appPassword` holds an API token. */
  username?: string | null | undefined;
};

/** A permission that an API key grants. */
export type Permission =
  /** Read repositories, connections and service mappings. */
  | 'CONFIG_READ'
  /** Create, change and delete them. */
  | 'CONFIG_WRITE';

/** The plan of a tenant; it sets the quotas. */
export type Plan =
  | 'ENTERPRISE'
  | 'FREE'
  | 'TEAM';

/** A source platform that `connectRepos` can connect. */
export type Platform =
  | 'BITBUCKET'
  | 'GITHUB'
  | 'GITLAB';

/** Filters for `repoConnections`. */
export type RepoConnectionFilter = {
  /** Include soft-deleted connections (default false). */
  includeDeleted?: boolean | null | undefined;
  platform?: Platform | null | undefined;
};

/** What a check found out about one repository on its platform. */
export type RepositoryCheckStatus =
  /** The repository exists and the credential can read its code (and, where the platform says so per repository, its pull requests). */
  | 'FOUND'
  /**
   * The platform says it was renamed or transferred (GitHub's 301 with a `Location`, GitLab's and
   * Bitbucket's answer naming another path). repolink follows it with the same credential, on the same
   * host only: `movedTo` is the new path when the new place is visible, and the other fields describe
   * the repository there. A check is not `ok` with a moved repository: connect it by its new path.
   */
  | 'MOVED'
  /** The platform does not know it, or does not show it to this credential (GitHub and GitLab answer 404 for both). */
  | 'NOT_FOUND'
  /** The platform knows it but refuses this credential (403, a guest role, SSO enforcement (see `ssoAuthorizationUrl`), a fine-grained token without the permission). */
  | 'NO_ACCESS'
  /** The platform could not be asked: a timeout, an outage, a rate limit, or an address repolink does not call. Nothing is known. */
  | 'UNREACHABLE';

/** Filters for `repositories`; all given filters must hold. */
export type RepositoryFilter = {
  /** Include soft-deleted repositories (default false). */
  includeDeleted?: boolean | null | undefined;
  /** Case-insensitive substring of the name. */
  nameContains?: string | null | undefined;
  /** Repositories of this platform (their source type). */
  platform?: Platform | null | undefined;
  /** Repositories attached by this repo connection. */
  repoConnectionId?: string | number | null | undefined;
  sourceType?: SourceType | null | undefined;
};

/** Maps a running service to a path inside one of the connected repositories. */
export type ServiceMappingInput = {
  /** Branch analyses should reason about, e.g. `main`. */
  defaultBranch: string;
  /** Subdirectory inside the repository; `""` is the root. */
  pathPrefix: string;
  /** One of the connection's `repositories`. */
  repo: string;
  /** The service name as it appears in logs; unique in the project. */
  serviceName: string;
  /** Code mappings for `resolveCodeLocation` (see `StackRoot`); absent: none. Not part of the SigSentry body. */
  stackRoots?: Array<StackRootInput> | null | undefined;
};

/** Where a repository comes from. */
export type SourceType =
  | 'BITBUCKET'
  | 'GITHUB'
  | 'GITLAB'
  /** Any git remote, by URL. */
  | 'GIT_URL';

/** One code mapping to write: see `StackRoot`. */
export type StackRootInput = {
  /** Relative to the repository root, no `..` segment; `""` is the root. */
  sourceRoot: string;
  /** The start of frame paths (1–512 characters; `*` within a segment, `**` as a whole segment). */
  stackRoot: string;
};

/** Input of `startCodeHostAuthorization`. */
export type StartCodeHostAuthorizationInput = {
  /** A GitHub Enterprise Server or self-managed GitLab address (`https://gitlab.example.com`); absent: the public service. Not for Bitbucket. */
  baseUrl?: string | null | undefined;
  /** The code host. */
  host: Platform;
  /** GITHUB_APP_INSTALLATION (GitHub) or OAUTH (default). */
  kind?: CodeHostAuthorizationKind | null | undefined;
  /**
   * Where the browser goes when the flow ends, with `codeHostAccountId=cha_…` or `error=…&error_description=…`
   * added to its query. Must be on the origin of REPOLINK_CODE_HOST_RETURN_URL, REPOLINK_PUBLIC_URL or
   * one of REPOLINK_CORS_ORIGINS. Absent: REPOLINK_CODE_HOST_RETURN_URL, else a page of repolink's own.
   */
  returnUrl?: string | null | undefined;
};

/**
 * Where a connection or repository stands with its platform. Clients follow a sync by polling
 * `syncStatus` and `syncedAt` (on `repoConnection(id:)` or in lists), not through a subscription:
 * polling needs no websocket server or client library, goes through proxies, the REST shim and plain
 * HTTP alike, and a sync takes seconds, so a poll every few seconds loses nothing.
 */
export type SyncStatus =
  /** The last sync failed; `syncError` says why in safe words. The data of the last good sync is kept. */
  | 'ERROR'
  /** No sync has run yet. */
  | 'NEVER'
  /** The last sync succeeded (`syncedAt` says when). */
  | 'OK'
  /** A sync is queued or running; poll until it changes. */
  | 'PENDING';

/** Whether a tenant is an organization or a person's own account. */
export type TenantKind =
  | 'ORGANIZATION'
  | 'PERSONAL';

/** Input of `updateServiceMapping`: only the fields given change. */
export type UpdateServiceMappingInput = {
  defaultBranch?: string | null | undefined;
  id: string | number;
  pathPrefix?: string | null | undefined;
  repositoryId?: string | number | null | undefined;
  serviceName?: string | null | undefined;
  /** The complete new list of code mappings; `[]` removes them all. */
  stackRoots?: Array<StackRootInput> | null | undefined;
};

/** Machine-readable codes of a mutation's expected failures, returned as data in `userErrors`. */
export type UserErrorCode =
  /** A field failed validation; `field` names it. */
  | 'BAD_USER_INPUT'
  /** The change collides with something that exists (a repository path or service name already in the project). */
  | 'CONFLICT'
  /** Another request with the same `Idempotency-Key` is still running. */
  | 'IDEMPOTENCY_KEY_IN_USE'
  /** The `Idempotency-Key` was already used with a different request. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** The project's plan allows no more repositories. */
  | 'QUOTA_EXCEEDED';

/** How the caller is authenticated. */
export type ViewerKind =
  /** An API key (`Authorization: Bearer ss_secret_…`). */
  | 'API_KEY'
  /** A user's session token. */
  | 'SESSION';

export type DashboardUserErrorFragment = { code: UserErrorCode, field: Array<string> | null, message: string };

export type DashboardPageInfoFragment = { hasNextPage: boolean, endCursor: string | null };

export type DashboardViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardViewerQuery = { viewer: { kind: ViewerKind, permissions: Array<Permission>, tenant: { id: string, name: string, plan: Plan, kind: TenantKind }, project: { id: string, name: string, repositoryCount: number, repositoryQuota: number | null } | null } | null };

export type DashboardRepositoryFragment = { id: string, name: string, path: string, sourceType: SourceType, remoteUrl: string | null, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, repoConnection: { id: string, platform: Platform } | null };

export type DashboardConnectionFragment = { id: string, platform: Platform, baseUrl: string | null, credentialsHint: string | null, lookbackDays: number, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, codeHostAccount: { id: string, kind: CodeHostAccountKind, identity: string | null, status: CodeHostAccountStatus } | null, repositories: Array<{ id: string, path: string, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null }> };

export type DashboardConnectionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: RepoConnectionFilter | null | undefined;
}>;


export type DashboardConnectionsQuery = { repoConnections: { totalCount: number, edges: Array<{ node: { id: string, platform: Platform, baseUrl: string | null, credentialsHint: string | null, lookbackDays: number, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, codeHostAccount: { id: string, kind: CodeHostAccountKind, identity: string | null, status: CodeHostAccountStatus } | null, repositories: Array<{ id: string, path: string, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardRepositoriesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: RepositoryFilter | null | undefined;
}>;


export type DashboardRepositoriesQuery = { repositories: { totalCount: number, edges: Array<{ node: { id: string, name: string, path: string, sourceType: SourceType, remoteUrl: string | null, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, repoConnection: { id: string, platform: Platform } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardSyncConnectionMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardSyncConnectionMutation = { syncRepoConnection: { repoConnection: { id: string, platform: Platform, baseUrl: string | null, credentialsHint: string | null, lookbackDays: number, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, codeHostAccount: { id: string, kind: CodeHostAccountKind, identity: string | null, status: CodeHostAccountStatus } | null, repositories: Array<{ id: string, path: string, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null }> } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardDeleteConnectionMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteConnectionMutation = { deleteRepoConnection: { repoConnection: { id: string, deletedAt: string | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardDeleteRepositoryMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteRepositoryMutation = { deleteRepository: { repository: { id: string, name: string, path: string, sourceType: SourceType, remoteUrl: string | null, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, repoConnection: { id: string, platform: Platform } | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardRestoreRepositoryMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardRestoreRepositoryMutation = { restoreRepository: { repository: { id: string, name: string, path: string, sourceType: SourceType, remoteUrl: string | null, defaultBranch: string, lastCommitSha: string | null, syncStatus: SyncStatus, syncedAt: string | null, syncError: string | null, createdAt: string, deletedAt: string | null, repoConnection: { id: string, platform: Platform } | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardMappingFragment = { id: string, serviceName: string, pathPrefix: string, defaultBranch: string, updatedAt: string, stackRoots: Array<{ stackRoot: string, sourceRoot: string }>, repository: { id: string, path: string, name: string } };

export type DashboardMappingsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type DashboardMappingsQuery = { serviceMappings: { totalCount: number, edges: Array<{ node: { id: string, serviceName: string, pathPrefix: string, defaultBranch: string, updatedAt: string, stackRoots: Array<{ stackRoot: string, sourceRoot: string }>, repository: { id: string, path: string, name: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardRepositoryChoicesQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type DashboardRepositoryChoicesQuery = { repositories: { edges: Array<{ node: { id: string, path: string, name: string, defaultBranch: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardCreateMappingMutationVariables = Exact<{
  input: CreateServiceMappingInput;
}>;


export type DashboardCreateMappingMutation = { createServiceMapping: { serviceMapping: { id: string, serviceName: string, pathPrefix: string, defaultBranch: string, updatedAt: string, stackRoots: Array<{ stackRoot: string, sourceRoot: string }>, repository: { id: string, path: string, name: string } } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardUpdateMappingMutationVariables = Exact<{
  input: UpdateServiceMappingInput;
}>;


export type DashboardUpdateMappingMutation = { updateServiceMapping: { serviceMapping: { id: string, serviceName: string, pathPrefix: string, defaultBranch: string, updatedAt: string, stackRoots: Array<{ stackRoot: string, sourceRoot: string }>, repository: { id: string, path: string, name: string } } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardDeleteMappingMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteMappingMutation = { deleteServiceMapping: { serviceMapping: { id: string } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardResolveFrameQueryVariables = Exact<{
  serviceName: string;
  path: string;
  line?: number | null | undefined;
}>;


export type DashboardResolveFrameQuery = { resolveCodeLocation: { matched: boolean, reason: string, path: string | null, branch: string | null, line: number | null, webUrl: string | null, stackRoot: { stackRoot: string, sourceRoot: string } | null, serviceMapping: { id: string, serviceName: string, pathPrefix: string } | null, repository: { id: string, path: string } | null } };

export type DashboardApiKeyFragment = { id: string, name: string | null, prefix: string, permissions: Array<Permission>, lastUsedAt: string | null, createdAt: string, revokedAt: string | null };

export type DashboardApiKeysQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  includeRevoked?: boolean | null | undefined;
}>;


export type DashboardApiKeysQuery = { apiKeys: { totalCount: number, edges: Array<{ node: { id: string, name: string | null, prefix: string, permissions: Array<Permission>, lastUsedAt: string | null, createdAt: string, revokedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardCreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type DashboardCreateApiKeyMutation = { createApiKey: { secret: string | null, apiKey: { id: string, name: string | null, prefix: string, permissions: Array<Permission>, lastUsedAt: string | null, createdAt: string, revokedAt: string | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardRevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardRevokeApiKeyMutation = { revokeApiKey: { apiKey: { id: string, name: string | null, prefix: string, permissions: Array<Permission>, lastUsedAt: string | null, createdAt: string, revokedAt: string | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardCodeHostAccountFragment = { id: string, host: Platform, kind: CodeHostAccountKind, baseUrl: string, status: CodeHostAccountStatus, statusReason: string | null, identity: string | null, scopes: Array<string> | null, credentialHint: string | null, credentialExpiresAt: string | null, createdAt: string, installation: { accountLogin: string | null, targetType: string | null, repositorySelection: string | null } | null };

export type DashboardCodeHostAccountsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: CodeHostAccountFilter | null | undefined;
}>;


export type DashboardCodeHostAccountsQuery = { codeHostAccounts: { totalCount: number, edges: Array<{ node: { id: string, host: Platform, kind: CodeHostAccountKind, baseUrl: string, status: CodeHostAccountStatus, statusReason: string | null, identity: string | null, scopes: Array<string> | null, credentialHint: string | null, credentialExpiresAt: string | null, createdAt: string, installation: { accountLogin: string | null, targetType: string | null, repositorySelection: string | null } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardStartCodeHostAuthorizationMutationVariables = Exact<{
  input: StartCodeHostAuthorizationInput;
}>;


export type DashboardStartCodeHostAuthorizationMutation = { startCodeHostAuthorization: { authorizationUrl: string | null, expiresAt: string | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardAddCodeHostAccountMutationVariables = Exact<{
  input: AddCodeHostAccountInput;
}>;


export type DashboardAddCodeHostAccountMutation = { addCodeHostAccount: { codeHostAccount: { id: string, host: Platform, kind: CodeHostAccountKind, baseUrl: string, status: CodeHostAccountStatus, statusReason: string | null, identity: string | null, scopes: Array<string> | null, credentialHint: string | null, credentialExpiresAt: string | null, createdAt: string, installation: { accountLogin: string | null, targetType: string | null, repositorySelection: string | null } | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardRevokeCodeHostAccountMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardRevokeCodeHostAccountMutation = { revokeCodeHostAccount: { codeHostAccount: { id: string, host: Platform, kind: CodeHostAccountKind, baseUrl: string, status: CodeHostAccountStatus, statusReason: string | null, identity: string | null, scopes: Array<string> | null, credentialHint: string | null, credentialExpiresAt: string | null, createdAt: string, installation: { accountLogin: string | null, targetType: string | null, repositorySelection: string | null } | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardDeleteCodeHostAccountMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteCodeHostAccountMutation = { deleteCodeHostAccount: { codeHostAccount: { id: string } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardAccountRepositoriesQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type DashboardAccountRepositoriesQuery = { codeHostAccount: { id: string, host: Platform, identity: string | null, repositories: { edges: Array<{ node: { path: string, name: string, private: boolean | null, defaultBranch: string | null, webUrl: string | null, archived: boolean | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type DashboardCheckConnectionMutationVariables = Exact<{
  input: ConnectReposInput;
}>;


export type DashboardCheckConnectionMutation = { checkRepoConnection: { check: { ok: boolean, credential: { valid: boolean | null, identity: string | null, scopes: Array<string> | null, requiredScopes: Array<string>, missingScopes: Array<string> | null, message: string | null }, repositories: Array<{ repository: string, status: RepositoryCheckStatus, visibility: string | null, permission: string | null, defaultBranch: string | null, headCommit: string | null, message: string | null }> } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type DashboardConnectReposMutationVariables = Exact<{
  input: ConnectReposInput;
}>;


export type DashboardConnectReposMutation = { connectRepos: { repoConnection: { id: string, codeHostAccount: { id: string, kind: CodeHostAccountKind, identity: string | null } | null, repositories: Array<{ id: string, path: string }> } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export const DashboardUserErrorFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardUserErrorFragment, unknown>;
export const DashboardPageInfoFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardPageInfoFragment, unknown>;
export const DashboardRepositoryFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRepository"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Repository"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"remoteUrl"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}}]} as unknown as DocumentNode<DashboardRepositoryFragment, unknown>;
export const DashboardConnectionFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardConnection"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RepoConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"credentialsHint"}},{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lookbackDays"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repositories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}}]}}]}}]} as unknown as DocumentNode<DashboardConnectionFragment, unknown>;
export const DashboardMappingFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardMapping"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ServiceMapping"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}},{"kind":"Field","name":{"kind":"Name","value":"pathPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"stackRoots"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stackRoot"}},{"kind":"Field","name":{"kind":"Name","value":"sourceRoot"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<DashboardMappingFragment, unknown>;
export const DashboardApiKeyFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardApiKey"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<DashboardApiKeyFragment, unknown>;
export const DashboardCodeHostAccountFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardCodeHostAccount"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CodeHostAccount"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"host"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"credentialHint"}},{"kind":"Field","name":{"kind":"Name","value":"credentialExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"installation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountLogin"}},{"kind":"Field","name":{"kind":"Name","value":"targetType"}},{"kind":"Field","name":{"kind":"Name","value":"repositorySelection"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<DashboardCodeHostAccountFragment, unknown>;
export const DashboardViewerDocument = {"__meta__":{"hash":"sha256:b2abd4d58408fb3e586bd5cb257155e48872ebb1c22fae52b263632febb6deff"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardViewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"repositoryCount"}},{"kind":"Field","name":{"kind":"Name","value":"repositoryQuota"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardViewerQuery, DashboardViewerQueryVariables>;
export const DashboardConnectionsDocument = {"__meta__":{"hash":"sha256:2e9a47e63d4ae415e9f9c7532659922e1e6a8e7fd403d13c6b00188b9f2fed31"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardConnections"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RepoConnectionFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repoConnections"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardConnection"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardConnection"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RepoConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"credentialsHint"}},{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lookbackDays"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repositories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardConnectionsQuery, DashboardConnectionsQueryVariables>;
export const DashboardRepositoriesDocument = {"__meta__":{"hash":"sha256:40bb33f89ba7e97047cb7c15377459f2033256d2ddde064eeca01430c78f88b8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRepositories"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RepositoryFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repositories"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRepository"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRepository"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Repository"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"remoteUrl"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardRepositoriesQuery, DashboardRepositoriesQueryVariables>;
export const DashboardSyncConnectionDocument = {"__meta__":{"hash":"sha256:fd5e008475afdd9c09d4007cfa82e114472625cdf1d117b192e27d54599c4ef4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardSyncConnection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"syncRepoConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardConnection"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardConnection"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RepoConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"credentialsHint"}},{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lookbackDays"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repositories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardSyncConnectionMutation, DashboardSyncConnectionMutationVariables>;
export const DashboardDeleteConnectionDocument = {"__meta__":{"hash":"sha256:f90be7da786994e74ec15489fdd61d59dde99de9624712106d214673e897ef4d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteConnection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteRepoConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardDeleteConnectionMutation, DashboardDeleteConnectionMutationVariables>;
export const DashboardDeleteRepositoryDocument = {"__meta__":{"hash":"sha256:9d4b3d28c754295ebde8205aa7ac1dfeefc953f7f0eb322d6c742a22315dd1f5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteRepository"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteRepository"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRepository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRepository"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Repository"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"remoteUrl"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardDeleteRepositoryMutation, DashboardDeleteRepositoryMutationVariables>;
export const DashboardRestoreRepositoryDocument = {"__meta__":{"hash":"sha256:e05ab86bdf556c7df3abffba618a81905a24bea9f03beeb47e6606e67aac4905"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardRestoreRepository"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"restoreRepository"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardRepository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardRepository"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Repository"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"remoteUrl"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"lastCommitSha"}},{"kind":"Field","name":{"kind":"Name","value":"syncStatus"}},{"kind":"Field","name":{"kind":"Name","value":"syncedAt"}},{"kind":"Field","name":{"kind":"Name","value":"syncError"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardRestoreRepositoryMutation, DashboardRestoreRepositoryMutationVariables>;
export const DashboardMappingsDocument = {"__meta__":{"hash":"sha256:c62b2f11cb40f58841005e890c15415f6304caaaee9e6d3e68b351795b2c4b5c"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardMappings"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serviceMappings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardMapping"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardMapping"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ServiceMapping"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}},{"kind":"Field","name":{"kind":"Name","value":"pathPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"stackRoots"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stackRoot"}},{"kind":"Field","name":{"kind":"Name","value":"sourceRoot"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardMappingsQuery, DashboardMappingsQueryVariables>;
export const DashboardRepositoryChoicesDocument = {"__meta__":{"hash":"sha256:e1bbc807971f6fc15b4c29dd00069c34ffd7921c5acc59c443e993ff878f6499"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRepositoryChoices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repositories"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardRepositoryChoicesQuery, DashboardRepositoryChoicesQueryVariables>;
export const DashboardCreateMappingDocument = {"__meta__":{"hash":"sha256:1f051237e7116ee58832eeb2b01e5673a823bbff751dcb596d2c990a1f2d29ae"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardCreateMapping"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateServiceMappingInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createServiceMapping"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serviceMapping"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardMapping"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardMapping"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ServiceMapping"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}},{"kind":"Field","name":{"kind":"Name","value":"pathPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"stackRoots"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stackRoot"}},{"kind":"Field","name":{"kind":"Name","value":"sourceRoot"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardCreateMappingMutation, DashboardCreateMappingMutationVariables>;
export const DashboardUpdateMappingDocument = {"__meta__":{"hash":"sha256:54660beba113ace7a25f7da2bd4f403361442878390673582bac13ed27e85353"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardUpdateMapping"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateServiceMappingInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateServiceMapping"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serviceMapping"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardMapping"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardMapping"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ServiceMapping"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}},{"kind":"Field","name":{"kind":"Name","value":"pathPrefix"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"stackRoots"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stackRoot"}},{"kind":"Field","name":{"kind":"Name","value":"sourceRoot"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardUpdateMappingMutation, DashboardUpdateMappingMutationVariables>;
export const DashboardDeleteMappingDocument = {"__meta__":{"hash":"sha256:b1999e1e2b0df8bbed14df711bf8cc30ebbabaed263d0a2faff6e8493ce22e67"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteMapping"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteServiceMapping"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"serviceMapping"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardDeleteMappingMutation, DashboardDeleteMappingMutationVariables>;
export const DashboardResolveFrameDocument = {"__meta__":{"hash":"sha256:d78ffe14a52bbf4f70a632b504c5252042bd2a170a371484094bbcef05bffa9f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardResolveFrame"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"serviceName"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"path"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"line"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resolveCodeLocation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"serviceName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"serviceName"}}},{"kind":"Argument","name":{"kind":"Name","value":"path"},"value":{"kind":"Variable","name":{"kind":"Name","value":"path"}}},{"kind":"Argument","name":{"kind":"Name","value":"line"},"value":{"kind":"Variable","name":{"kind":"Name","value":"line"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"matched"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"line"}},{"kind":"Field","name":{"kind":"Name","value":"webUrl"}},{"kind":"Field","name":{"kind":"Name","value":"stackRoot"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"stackRoot"}},{"kind":"Field","name":{"kind":"Name","value":"sourceRoot"}}]}},{"kind":"Field","name":{"kind":"Name","value":"serviceMapping"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}},{"kind":"Field","name":{"kind":"Name","value":"pathPrefix"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repository"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardResolveFrameQuery, DashboardResolveFrameQueryVariables>;
export const DashboardApiKeysDocument = {"__meta__":{"hash":"sha256:a9dd20dd66b40b0229fedf295ecc260343cecf13c360b90374c50fde4727d1b4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardApiKeys"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"includeRevoked"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKeys"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"includeRevoked"},"value":{"kind":"Variable","name":{"kind":"Name","value":"includeRevoked"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardApiKey"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardApiKey"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardApiKeysQuery, DashboardApiKeysQueryVariables>;
export const DashboardCreateApiKeyDocument = {"__meta__":{"hash":"sha256:213ea45ee88913cbd3ef5068595d040e376516a0a921f2726ff2ea3491adfcaf"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardCreateApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardApiKey"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardApiKey"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardCreateApiKeyMutation, DashboardCreateApiKeyMutationVariables>;
export const DashboardRevokeApiKeyDocument = {"__meta__":{"hash":"sha256:0c7ff22445238c3b76ab64f81a554ed22521f4c95d432f02e9495898a692a087"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardRevokeApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardApiKey"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardApiKey"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"permissions"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardRevokeApiKeyMutation, DashboardRevokeApiKeyMutationVariables>;
export const DashboardCodeHostAccountsDocument = {"__meta__":{"hash":"sha256:e0a49d674e74d8d9bc94aca7a396e82a5b85630798425fa46ee81e14242c8348"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCodeHostAccounts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"CodeHostAccountFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"codeHostAccounts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardCodeHostAccount"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardCodeHostAccount"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CodeHostAccount"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"host"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"credentialHint"}},{"kind":"Field","name":{"kind":"Name","value":"credentialExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"installation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountLogin"}},{"kind":"Field","name":{"kind":"Name","value":"targetType"}},{"kind":"Field","name":{"kind":"Name","value":"repositorySelection"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardCodeHostAccountsQuery, DashboardCodeHostAccountsQueryVariables>;
export const DashboardStartCodeHostAuthorizationDocument = {"__meta__":{"hash":"sha256:70f264665b59900caa75ebbbd309bd6dd5723c711fe2a2d9933338921ff680b3"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardStartCodeHostAuthorization"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"StartCodeHostAuthorizationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startCodeHostAuthorization"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"authorizationUrl"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardStartCodeHostAuthorizationMutation, DashboardStartCodeHostAuthorizationMutationVariables>;
export const DashboardAddCodeHostAccountDocument = {"__meta__":{"hash":"sha256:83b97b9dae01c0e3e13001cd4531607cb0deb9a9324a368a7afb3cfcc6f56aa8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardAddCodeHostAccount"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AddCodeHostAccountInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"addCodeHostAccount"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardCodeHostAccount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardCodeHostAccount"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CodeHostAccount"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"host"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"credentialHint"}},{"kind":"Field","name":{"kind":"Name","value":"credentialExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"installation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountLogin"}},{"kind":"Field","name":{"kind":"Name","value":"targetType"}},{"kind":"Field","name":{"kind":"Name","value":"repositorySelection"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardAddCodeHostAccountMutation, DashboardAddCodeHostAccountMutationVariables>;
export const DashboardRevokeCodeHostAccountDocument = {"__meta__":{"hash":"sha256:579cbb408aeb07b488d9dd7ce5990cc7b5e4fae096086054946f875543636127"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardRevokeCodeHostAccount"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeCodeHostAccount"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardCodeHostAccount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardCodeHostAccount"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CodeHostAccount"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"host"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"baseUrl"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"credentialHint"}},{"kind":"Field","name":{"kind":"Name","value":"credentialExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"installation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountLogin"}},{"kind":"Field","name":{"kind":"Name","value":"targetType"}},{"kind":"Field","name":{"kind":"Name","value":"repositorySelection"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardRevokeCodeHostAccountMutation, DashboardRevokeCodeHostAccountMutationVariables>;
export const DashboardDeleteCodeHostAccountDocument = {"__meta__":{"hash":"sha256:a607036d6d92f17e71405cb1c6c7cd512ddc347783121a9bb6f2b3e58b7efceb"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardDeleteCodeHostAccount"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteCodeHostAccount"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardDeleteCodeHostAccountMutation, DashboardDeleteCodeHostAccountMutationVariables>;
export const DashboardAccountRepositoriesDocument = {"__meta__":{"hash":"sha256:3815a9514aabcb4d6602aaf041f3ca033566661ab030acfd73eb6ea9eb71e029"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardAccountRepositories"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"host"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"repositories"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"private"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"webUrl"}},{"kind":"Field","name":{"kind":"Name","value":"archived"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardPageInfo"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardPageInfo"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PageInfo"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]} as unknown as DocumentNode<DashboardAccountRepositoriesQuery, DashboardAccountRepositoriesQueryVariables>;
export const DashboardCheckConnectionDocument = {"__meta__":{"hash":"sha256:e3c987bef6dce3d7936315aee114217131714f5a77224c46948affe8e1267cac"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardCheckConnection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectReposInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkRepoConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"check"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ok"}},{"kind":"Field","name":{"kind":"Name","value":"credential"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"valid"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"requiredScopes"}},{"kind":"Field","name":{"kind":"Name","value":"missingScopes"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repositories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repository"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"visibility"}},{"kind":"Field","name":{"kind":"Name","value":"permission"}},{"kind":"Field","name":{"kind":"Name","value":"defaultBranch"}},{"kind":"Field","name":{"kind":"Name","value":"headCommit"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardCheckConnectionMutation, DashboardCheckConnectionMutationVariables>;
export const DashboardConnectReposDocument = {"__meta__":{"hash":"sha256:313435022cb6209b32c07315f2b2ba5f26c349f9444925561ece3add8340260f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DashboardConnectRepos"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectReposInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectRepos"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}},{"kind":"Argument","name":{"kind":"Name","value":"verify"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repoConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"codeHostAccount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"identity"}}]}},{"kind":"Field","name":{"kind":"Name","value":"repositories"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"path"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DashboardUserError"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DashboardUserError"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]} as unknown as DocumentNode<DashboardConnectReposMutation, DashboardConnectReposMutationVariables>;