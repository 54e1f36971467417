import type { Platform } from '../../db/entities/repo-connection.entity';
import type { RepositoryEntity } from '../../db/entities';
import type { DeliveryRow } from './webhook.store';

/** A delivery as GraphQL shows it. */
export interface DeliveryView {
  id: string;
  deliveryId: string;
  host: Platform;
  event: string;
  action: string | null;
  installationId: string | null;
  repositoryHostId: string | null;
  repositoryFullName: string | null;
  receivedAt: Date;
  outcome: DeliveryRow['status'];
  outcomeMessage: string | null;
  processedAt: Date | null;
  bodyBytes: number;
}

/** The stored row in GraphQL's words (`outcome` is the status, `outcomeMessage` what processing said). */
export function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    deliveryId: row.deliveryKey,
    host: row.host,
    event: row.event,
    action: row.action,
    installationId: row.installationKey === '' ? null : row.installationKey,
    repositoryHostId: row.repositoryHostId,
    repositoryFullName: row.repositoryFullName,
    receivedAt: row.receivedAt,
    outcome: row.status,
    outcomeMessage: row.outcome,
    processedAt: row.processedAt,
    bodyBytes: row.bodyBytes,
  };
}

export interface DeliveryPage {
  edges: { cursor: string; node: DeliveryView }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}


/** A repository's last webhook event as GraphQL shows it (`Repository.lastWebhookEvent`); null when none was applied. */
export function lastWebhookEvent(repository: Pick<RepositoryEntity, 'lastWebhookEvent' | 'lastWebhookAction' | 'lastWebhookReceivedAt' | 'lastWebhookDeliveryId'>) {
  if (repository.lastWebhookEvent === null || repository.lastWebhookReceivedAt === null || repository.lastWebhookDeliveryId === null) return null;
  return { event: repository.lastWebhookEvent, action: repository.lastWebhookAction, receivedAt: repository.lastWebhookReceivedAt, webhookDeliveryId: repository.lastWebhookDeliveryId };
}
