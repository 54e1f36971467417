import { type DataSource, type EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { RepoConnectionEntity, RepositoryEntity, ServiceMappingEntity, type TenantEntity } from '../../db/entities';
import { UserErrorCode, userError, type UserError } from '../../errors';
import type { ConnectReposInput } from '../../generated/graphql';
import { prefixedId, uuidv7 } from '../../lib/ids';
import type { GraphQLContext } from '../../context';
import { requireScope } from '../auth/auth.service';
import { CredentialCipher, type Secret } from '../crypto';
import { reserveRepositorySlots } from '../projects/project-quota';
import { inTransaction, isDuplicateKey } from '../shared/transaction';
import { checkConnectRepos, type NormalizedConnectRepos } from './repo-connection.inputs';

export interface ConnectReposResult {
  repoConnection: RepoConnectionEntity | null;
  userErrors: UserError[];
}

export type StoredCredentials = { token: string } | { username: string; appPassword: string };

/** The additional authenticated data that binds a ciphertext to its row: moved elsewhere, it no longer opens. */
export function credentialsAad(row: Pick<RepoConnectionEntity, 'tenantId' | 'projectId' | 'id'>): string {
  return `repo_connection:${row.tenantId}:${row.projectId}:${row.id}`;
}

function credentialHint(credentials: StoredCredentials): string {
  const secret = 'token' in credentials ? credentials.token : credentials.appPassword;
  return secret.length >= 8 ? `…${secret.slice(-4)}` : '…';
}

export class RepoConnectionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: CredentialCipher,
    private readonly config: Config,
  ) {}

  async connectRepos(ctx: GraphQLContext, input: ConnectReposInput): Promise<ConnectReposResult> {
    const { tenant, project } = requireScope(ctx.viewer, 'config:write');
    const checked = await checkConnectRepos(input);
    if (!checked.ok) return { repoConnection: null, userErrors: checked.userErrors };
    const data = checked.value;
    try {
      return await inTransaction({ dataSource: this.dataSource, beforeCommit: ctx.beforeCommit }, (em) =>
        this.writeConnection(em, tenant, project.id, data),
      );
    } catch (error) {
      // The pre-checks below see committed rows; a concurrent writer can still win the race, and
      // the unique indexes then refuse the second one.
      if (isDuplicateKey(error, 'uq_repositories_live_path')) {
        return { repoConnection: null, userErrors: [userError(UserErrorCode.CONFLICT, ['repositories'], 'A repository in this request was connected to the project at the same time')] };
      }
      if (isDuplicateKey(error, 'uq_service_mappings_live_name')) {
        return { repoConnection: null, userErrors: [userError(UserErrorCode.CONFLICT, ['serviceMappings'], 'A service name in this request was mapped in the project at the same time')] };
      }
      throw error;
    }
  }

  /**
   * A constant number of statements whatever the number of repositories: the quota reservation,
   * two conflict checks, and one multi-row INSERT per table. Ids are made here, so nothing is
   * read back.
   */
  private async writeConnection(
    em: EntityManager,
    tenant: TenantEntity,
    projectId: string,
    data: NormalizedConnectRepos,
  ): Promise<ConnectReposResult> {
    const quotaError = await reserveRepositorySlots(em, this.config, tenant, projectId, data.repositories.length, ['repositories']);
    if (quotaError) return { repoConnection: null, userErrors: [quotaError] };

    const conflicts = await this.findConflicts(em, projectId, data);
    if (conflicts.length > 0) return { repoConnection: null, userErrors: conflicts };

    const now = new Date();
    const base = { tenantId: tenant.id, projectId, createdAt: now, updatedAt: now, deletedAt: null };
    const connection: RepoConnectionEntity = Object.assign(new RepoConnectionEntity(), {
      ...base,
      id: prefixedId('rc'),
      platform: data.platform,
      baseUrl: data.baseUrl,
      lookbackDays: data.lookbackDays,
      cacheInvalidatedAt: null,
      credentialsHint: credentialHint(data.credentials),
    });
    const sealed = this.cipher.seal(JSON.stringify(data.credentials), credentialsAad(connection));
    connection.credentialsKeyId = sealed.keyId;
    connection.credentialsCiphertext = sealed.blob;

    const repositories = data.repositories.map((path) =>
      Object.assign(new RepositoryEntity(), {
        ...base,
        id: uuidv7(),
        repoConnectionId: connection.id,
        userId: null,
        name: path.split('/').pop()!,
        sourceType: data.platform,
        path,
        remoteUrl: remoteUrlFor(data.platform, data.baseUrl, path),
        defaultBranch: data.serviceMappings.find((m) => m.repo === path)?.defaultBranch ?? 'main',
        lastCommitSha: null,
        oauthConnectionId: null,
        issueAutoCreateEnabled: false,
        issueAutoCreateMinSeverity: 'high' as const,
      }),
    );
    const repoIdByPath = new Map(repositories.map((r) => [r.path, r.id]));
    const mappings = data.serviceMappings.map((m) =>
      Object.assign(new ServiceMappingEntity(), {
        ...base,
        id: prefixedId('sm'),
        repositoryId: repoIdByPath.get(m.repo)!,
        repoConnectionId: connection.id,
        serviceName: m.serviceName,
        pathPrefix: m.pathPrefix,
        defaultBranch: m.defaultBranch,
      }),
    );

    await em.createQueryBuilder().insert().into(RepoConnectionEntity).values(connection).updateEntity(false).execute();
    await em.createQueryBuilder().insert().into(RepositoryEntity).values(repositories).updateEntity(false).execute();
    if (mappings.length > 0) {
      await em.createQueryBuilder().insert().into(ServiceMappingEntity).values(mappings).updateEntity(false).execute();
    }
    return { repoConnection: connection, userErrors: [] };
  }

  private async findConflicts(em: EntityManager, projectId: string, data: NormalizedConnectRepos): Promise<UserError[]> {
    const errors: UserError[] = [];
    const existing = await em
      .getRepository(RepositoryEntity)
      .createQueryBuilder('r')
      .select('r.path', 'path')
      .where('r.projectId = :projectId AND r.sourceType = :sourceType AND r.deletedAt IS NULL AND r.path IN (:...paths)', {
        projectId,
        sourceType: data.platform,
        paths: data.repositories,
      })
      .getRawMany<{ path: string }>();
    const taken = new Set(existing.map((r) => r.path.toLowerCase()));
    data.repositories.forEach((path, i) => {
      if (taken.has(path.toLowerCase())) {
        errors.push(userError(UserErrorCode.CONFLICT, ['repositories', i], `"${path}" is already connected to this project`));
      }
    });
    if (data.serviceMappings.length > 0) {
      const names = await em
        .getRepository(ServiceMappingEntity)
        .createQueryBuilder('m')
        .select('m.serviceName', 'serviceName')
        .where('m.projectId = :projectId AND m.deletedAt IS NULL AND m.serviceName IN (:...names)', {
          projectId,
          names: data.serviceMappings.map((m) => m.serviceName),
        })
        .getRawMany<{ serviceName: string }>();
      const used = new Set(names.map((n) => n.serviceName.toLowerCase()));
      data.serviceMappings.forEach((m, i) => {
        if (used.has(m.serviceName.toLowerCase())) {
          errors.push(userError(UserErrorCode.CONFLICT, ['serviceMappings', i, 'serviceName'], `Service "${m.serviceName}" is already mapped in this project`));
        }
      });
    }
    return errors;
  }

  async getById(ctx: GraphQLContext, id: string): Promise<RepoConnectionEntity | null> {
    requireScope(ctx.viewer, 'config:read');
    return ctx.loaders.repoConnectionById.load(id);
  }

  /** Decrypts a connection's credentials for the code that uses them; fails closed. */
  openCredentials(connection: RepoConnectionEntity): Secret<string> {
    return this.cipher.open({ keyId: connection.credentialsKeyId, blob: connection.credentialsCiphertext }, credentialsAad(connection));
  }
}

const PUBLIC_HOSTS: Record<string, string> = { github: 'https://github.com', gitlab: 'https://gitlab.com', bitbucket: 'https://bitbucket.org' };

function remoteUrlFor(platform: string, baseUrl: string | null, path: string): string {
  if (baseUrl === null) return `${PUBLIC_HOSTS[platform]}/${path}.git`;
  // GitHub Enterprise's API lives under /api/v3; its clone URLs are at the host root.
  const host = new URL(baseUrl);
  return `${host.origin}/${path}.git`;
}
