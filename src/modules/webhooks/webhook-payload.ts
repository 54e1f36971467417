import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Platform } from '../../db/entities/repo-connection.entity';

/**
 * What a verified delivery says about itself, read once when it arrives: enough to de-duplicate
 * it, to list it (event, repository) and to find it again; everything else stays in the stored body
 * for processing. Nothing here is read before the signature has been verified.
 */
export interface DeliveryFacts {
  /** The host's delivery id, else `sha256:` and the body's hash (a byte-identical body is the same delivery). */
  deliveryKey: string;
  event: string;
  action: string | null;
  /** A GitHub App delivery's installation id. */
  installationId: string | null;
  repositoryHostId: string | null;
  repositoryFullName: string | null;
  /** False when the body is not the JSON the host sends (it is still recorded). */
  readable: boolean;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Printable ASCII without spaces, as delivery ids and ids of repositories are. */
const TOKEN = /^[\x21-\x7e]+$/;
/** Event names: printable ASCII (GitLab's have spaces: `Push Hook`). */
const EVENT = /^[\x20-\x7e]+$/;

function token(value: unknown, max: number): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= max && TOKEN.test(trimmed) ? trimmed : null;
}

function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : null;
}

const record = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/**
 * The JSON document of a body. GitHub sends `application/x-www-form-urlencoded` with the JSON in
 * `payload` when a hook is set up that way (the signature covers the form body as sent).
 */
function document(headers: IncomingHttpHeaders, body: Buffer): Record<string, unknown> | null {
  try {
    const type = (header(headers, 'content-type') ?? '').toLowerCase();
    const json = type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')).get('payload') : body.toString('utf8');
    return json === null ? null : record(JSON.parse(json));
  } catch {
    return null;
  }
}

function deliveryKey(candidates: (string | undefined)[], body: Buffer): string {
  for (const candidate of candidates) {
    const key = token(candidate, 100);
    if (key !== null) return key;
  }
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

const eventName = (value: string | undefined): string => {
  const trimmed = value?.trim() ?? '';
  return trimmed.length > 0 && trimmed.length <= 64 && EVENT.test(trimmed) ? trimmed : 'unknown';
};

/** GitHub: `X-GitHub-Delivery`, `X-GitHub-Event`; the body's `action`, `installation.id`, `repository.{id,full_name}`. */
function github(headers: IncomingHttpHeaders, body: Buffer): DeliveryFacts {
  const doc = document(headers, body);
  const repository = record(doc?.repository);
  return {
    deliveryKey: deliveryKey([header(headers, 'x-github-delivery')], body),
    event: eventName(header(headers, 'x-github-event')),
    action: token(doc?.action, 64),
    installationId: token(record(doc?.installation)?.id, 20),
    repositoryHostId: token(repository?.id, 64),
    repositoryFullName: text(repository?.full_name, 512),
    readable: doc !== null,
  };
}

/**
 * GitLab: `Idempotency-Key` (the same on every retry of one event, GitLab 17.4+), else
 * `X-Gitlab-Webhook-UUID`; `X-Gitlab-Event`; the body's `event_name` (system hooks) or
 * `object_attributes.action`; `project.{id,path_with_namespace}` (`project_id` /
 * `path_with_namespace` at the top of system hooks' project events).
 */
function gitlab(headers: IncomingHttpHeaders, body: Buffer): DeliveryFacts {
  const doc = document(headers, body);
  const project = record(doc?.project);
  return {
    deliveryKey: deliveryKey([header(headers, 'idempotency-key'), header(headers, 'x-gitlab-webhook-uuid')], body),
    event: eventName(header(headers, 'x-gitlab-event')),
    action: token(doc?.event_name, 64) ?? token(record(doc?.object_attributes)?.action, 64),
    installationId: null,
    repositoryHostId: token(project?.id ?? doc?.project_id, 64),
    repositoryFullName: text(project?.path_with_namespace ?? doc?.path_with_namespace, 512),
    readable: doc !== null,
  };
}

/** Bitbucket Cloud: `X-Request-UUID`, `X-Event-Key` (`repo:push`…); the body's `repository.{uuid,full_name}`. */
function bitbucket(headers: IncomingHttpHeaders, body: Buffer): DeliveryFacts {
  const doc = document(headers, body);
  const repository = record(doc?.repository);
  return {
    deliveryKey: deliveryKey([header(headers, 'x-request-uuid')], body),
    event: eventName(header(headers, 'x-event-key')),
    action: null,
    installationId: null,
    repositoryHostId: token(repository?.uuid, 64),
    repositoryFullName: text(repository?.full_name, 512),
    readable: doc !== null,
  };
}

/** Reads a delivery whose signature has been verified. Never throws: a body it cannot read is still recorded. */
export function readDelivery(host: Platform, headers: IncomingHttpHeaders, body: Buffer): DeliveryFacts {
  if (host === 'github') return github(headers, body);
  if (host === 'gitlab') return gitlab(headers, body);
  return bitbucket(headers, body);
}
