import { ApiKeyEntity } from './api-key.entity';
import { CodeHostAccountEntity } from './code-host-account.entity';
import { CodeHostAppEntity } from './code-host-app.entity';
import { CodeHostOAuthStateEntity } from './code-host-oauth-state.entity';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { ProjectEntity } from './project.entity';
import { RepoConnectionEntity } from './repo-connection.entity';
import { RepositoryEntity } from './repository.entity';
import { ServiceMappingEntity } from './service-mapping.entity';
import { SessionEntity } from './session.entity';
import { SignInLinkEntity } from './sign-in-link.entity';
import { TenantEntity } from './tenant.entity';
import { UserEntity } from './user.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookHookEntity } from './webhook-hook.entity';

export {
  ApiKeyEntity,
  CodeHostAccountEntity,
  CodeHostAppEntity,
  CodeHostOAuthStateEntity,
  IdempotencyRecordEntity,
  ProjectEntity,
  RepoConnectionEntity,
  RepositoryEntity,
  ServiceMappingEntity,
  SessionEntity,
  SignInLinkEntity,
  TenantEntity,
  UserEntity,
  WebhookDeliveryEntity,
  WebhookHookEntity,
};

export const entities = [
  TenantEntity,
  ProjectEntity,
  ApiKeyEntity,
  UserEntity,
  SessionEntity,
  RepoConnectionEntity,
  RepositoryEntity,
  ServiceMappingEntity,
  IdempotencyRecordEntity,
  SignInLinkEntity,
  CodeHostAppEntity,
  CodeHostAccountEntity,
  CodeHostOAuthStateEntity,
  WebhookHookEntity,
  WebhookDeliveryEntity,
];
