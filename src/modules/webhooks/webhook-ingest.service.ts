import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import { constants, gzip, gzipSync } from 'node:zlib';
import type { Platform } from '../../db/entities/repo-connection.entity';
import type { WebhookDeliveryStatus } from '../../db/entities/webhook-delivery.entity';
import { uuidv7 } from '../../lib/ids';
import type { CredentialCipher } from '../crypto';
import { readDelivery } from './webhook-payload';
import { acceptedSecrets, SecretCache, webhookHookAad, type EndpointSecrets, type GitHubAppWebhookSecrets } from './webhook-secrets';
import { verifyHmacSha256, verifySharedToken, type RefusalReason, type Verification } from './webhook-signatures';
import type { WebhookStore } from './webhook.store';

/** Where a delivery was posted: a registered GitHub App's endpoint, or one of the tenant's hooks. */
export type WebhookEndpoint = { kind: 'github_app' } | { kind: 'hook'; host: Platform; hookId: string };

export type IngestOutcome =
  /** `recorded`: kept as failed (a body that is not the host's JSON, or too large to keep); nothing will process it. */
  | { status: 202; result: 'queued' | 'recorded'; deliveryId: string; sourceId: string }
  | { status: 200; result: 'duplicate'; sourceId: string }
  | { status: 401; result: 'refused'; reason: RefusalReason };

export const HOOK_ID = /^wh_[0-9a-f]{32}$/;

/** The largest body kept (gzipped): past it the delivery is recorded as failed without its body (processing re-reads the host). */
export const MAX_STORED_BODY_BYTES = 8 * 1024 * 1024;
/** Bodies up to this size are gzipped on the event loop (faster than a trip to the thread pool); larger ones in the pool. */
const SYNC_GZIP_BYTES = 256 * 1024;
const gzipAsync = promisify(gzip);
/** Level 1: the body is kept only until it is processed; speed matters more than the last bytes. */
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The delivery's signature checked against each accepted secret, by the host's scheme. */
function verify(host: Platform, endpoint: EndpointSecrets, headers: IncomingHttpHeaders, body: Buffer, now: number): Verification {
  const secrets = acceptedSecrets(endpoint, now);
  if (host === 'gitlab') return verifySharedToken(secrets, header(headers, 'x-gitlab-token'));
  return verifyHmacSha256(secrets, header(headers, host === 'github' ? 'x-hub-signature-256' : 'x-hub-signature'), body);
}

/**
 * Takes a delivery from a code host: verifies its signature before reading anything of it, reads
 * what it says about itself, and records it (`queued`) in one INSERT whose unique key makes a
 * redelivery a no-op. Processing happens later, off the request, so the host gets its answer in
 * milliseconds. Secrets never leave this class except into an HMAC.
 */
export class WebhookIngestService {
  private readonly hooks: SecretCache<EndpointSecrets>;
  private readonly apps: SecretCache<EndpointSecrets[]>;

  constructor(
    private readonly store: WebhookStore,
    private readonly cipher: CredentialCipher,
    private readonly appSecrets: GitHubAppWebhookSecrets,
    private readonly now: () => number = Date.now,
    cacheMs = 5_000,
  ) {
    this.hooks = new SecretCache(cacheMs, 10_000, now);
    this.apps = new SecretCache(cacheMs, 1_000, now);
  }

  async ingest(endpoint: WebhookEndpoint, headers: IncomingHttpHeaders, body: Buffer): Promise<IngestOutcome> {
    const verified = endpoint.kind === 'hook' ? await this.verifyHook(endpoint, headers, body) : await this.verifyApp(headers, body);
    if (!verified.ok) return { status: 401, result: 'refused', reason: verified.reason };
    const { sourceId, host } = verified;
    const facts = readDelivery(host, headers, body);
    const receivedAt = this.now();
    const id = uuidv7(receivedAt);
    let status: WebhookDeliveryStatus = 'queued';
    let outcome: string | null = null;
    let bodyGzip: Buffer | null = null;
    if (!facts.readable) {
      status = 'failed';
      outcome = 'The body is not the JSON document the host sends';
    } else {
      bodyGzip = body.length <= SYNC_GZIP_BYTES ? gzipSync(body, GZIP_OPTIONS) : await gzipAsync(body, GZIP_OPTIONS);
      if (bodyGzip.length > MAX_STORED_BODY_BYTES) {
        bodyGzip = null;
        status = 'failed';
        outcome = `The body (${body.length} bytes) was too large to keep`;
      }
    }
    const inserted = await this.store.insertDelivery({
      sourceId,
      installationKey: endpoint.kind === 'github_app' ? (facts.installationId ?? '') : '',
      id,
      deliveryKey: facts.deliveryKey,
      host,
      event: facts.event,
      action: facts.action,
      repositoryHostId: facts.repositoryHostId,
      repositoryFullName: facts.repositoryFullName,
      receivedAt: new Date(receivedAt),
      status,
      outcome,
      bodyBytes: body.length,
      bodyGzip,
    });
    if (inserted === 'duplicate') return { status: 200, result: 'duplicate', sourceId };
    return { status: 202, result: status === 'queued' ? 'queued' : 'recorded', deliveryId: id, sourceId };
  }

  private async verifyHook(endpoint: { host: Platform; hookId: string }, headers: IncomingHttpHeaders, body: Buffer): Promise<VerifiedEndpoint> {
    if (!HOOK_ID.test(endpoint.hookId)) return { ok: false, reason: 'unknown_endpoint' };
    const load = () => this.loadHook(endpoint.hookId);
    let found = await this.hooks.get(endpoint.hookId, load);
    for (;;) {
      const hook = found.value;
      // A hook of another host posted to this route is as unknown as no hook: the answer is the same.
      if (hook === null || hook.host !== endpoint.host) return { ok: false, reason: 'unknown_endpoint' };
      const verified = verify(hook.host, hook, headers, body, this.now());
      if (verified.ok) return { ok: true, sourceId: hook.sourceId, host: hook.host };
      if (!found.cached || found.ageMs < RECHECK_AFTER_MS) return verified;
      found = await this.hooks.get(endpoint.hookId, load, { fresherThanMs: RECHECK_AFTER_MS });
    }
  }

  /**
   * An app-level GitHub delivery names its app in `X-GitHub-Hook-Installation-Target-ID`; the
   * registered apps of that App ID (a github.com and a GHES app may share one) are tried in turn.
   */
  private async verifyApp(headers: IncomingHttpHeaders, body: Buffer): Promise<VerifiedEndpoint> {
    const target = header(headers, 'x-github-hook-installation-target-id')?.trim();
    const appId = target !== undefined && /^\d{1,20}$/.test(target) ? target : null;
    const key = appId ?? '*';
    const load = async () => {
      const apps = await this.appSecrets.appsFor(appId);
      return apps.length > 0 ? apps : null;
    };
    let found = await this.apps.get(key, load);
    for (;;) {
      if (found.value === null) return { ok: false, reason: 'unknown_endpoint' };
      let refusal: Verification = { ok: false, reason: 'bad_signature' };
      for (const app of found.value) {
        const verified = verify('github', app, headers, body, this.now());
        if (verified.ok) return { ok: true, sourceId: app.sourceId, host: 'github' };
        refusal = verified;
      }
      if (!found.cached || found.ageMs < RECHECK_AFTER_MS) return refusal as VerifiedEndpoint;
      found = await this.apps.get(key, load, { fresherThanMs: RECHECK_AFTER_MS });
    }
  }

  private async loadHook(id: string): Promise<EndpointSecrets | null> {
    const row = await this.store.hookSecrets(id);
    if (row === null) return null;
    const aad = webhookHookAad(row);
    return {
      sourceId: row.id,
      host: row.host,
      current: this.cipher.open(row.current, aad),
      previous: row.previous !== null && row.previousValidUntil !== null ? { secret: this.cipher.open(row.previous, aad), validUntil: row.previousValidUntil } : null,
    };
  }

  /** A hook changed here (rotation, deletion): this process stops using what it kept of it at once. */
  forgetHook(id: string): void {
    this.hooks.forget(id);
  }
}

/** A failed check against a kept secret older than this is checked once more against the database. */
const RECHECK_AFTER_MS = 1_000;

type VerifiedEndpoint = { ok: true; sourceId: string; host: Platform } | { ok: false; reason: RefusalReason };
