import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config';
import type { Platform } from '../../db/entities/repo-connection.entity';
import { isDatabaseUnavailable } from '../../db/transaction';
import { schedulePurge } from './webhook-purge';
import type { WebhookEndpoint, WebhookIngestService } from './webhook-ingest.service';
import type { WebhookStore } from './webhook.store';

export interface WebhookRouteDeps {
  config: Config;
  ingest: WebhookIngestService;
  store: WebhookStore;
}

/** Every refusal gets this answer, whatever the reason: nothing in it helps a forger. */
const REFUSED = { error: 'Unauthorized' };

/**
 * The code hosts' webhook endpoints, in a Fastify scope of their own: the body is taken as raw bytes
 * (the signature is computed over them, so no JSON parser may touch them first), with a body limit
 * of its own (GitHub's 25 MB by default), and errors answered in this scope's short words.
 *
 * - `POST /webhooks/github` — deliveries of a registered GitHub App (the app's webhook URL);
 * - `POST /webhooks/github/hooks/:hookId` — a repository or organization hook;
 * - `POST /webhooks/gitlab/:hookId` — a project or group hook;
 * - `POST /webhooks/bitbucket/:hookId` — a repository or workspace hook.
 *
 * In a process that runs workers (`REPOLINK_SYNC_WORKER`), old deliveries are purged on a schedule.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const { bodyLimitBytes, retentionDays, purgeIntervalMs } = deps.config.webhooks;
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.statusCode === 413) return reply.code(413).send({ error: 'Payload Too Large', limitBytes: bodyLimitBytes });
      if (isDatabaseUnavailable(error)) return reply.code(503).send({ error: 'Service Unavailable' });
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: 'Bad Request' });
      request.log.error({ err: error }, 'webhook delivery failed');
      return reply.code(500).send({ error: 'Internal Server Error' });
    });

    const take = (endpoint: (request: FastifyRequest) => WebhookEndpoint) => async (request: FastifyRequest, reply: FastifyReply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const target = endpoint(request);
      const outcome = await deps.ingest.ingest(target, request.headers, body);
      if (outcome.status === 401) {
        // Counted in repolink_http_requests_total{route, outcome="4xx"}; the reason is for operators only.
        request.log.warn({ host: target.kind === 'hook' ? target.host : 'github', endpoint: target.kind === 'hook' ? target.hookId.slice(0, 40) : 'app', reason: outcome.reason }, 'webhook delivery refused');
        return reply.code(401).send(REFUSED);
      }
      request.log.debug({ source: outcome.sourceId, result: outcome.result }, 'webhook delivery taken');
      return reply.code(outcome.status).send({ status: outcome.result });
    };
    const options = { bodyLimit: bodyLimitBytes };
    const hook = (host: Platform) => (request: FastifyRequest) => ({ kind: 'hook' as const, host, hookId: (request.params as { hookId: string }).hookId });
    scope.post('/webhooks/github', options, take(() => ({ kind: 'github_app' })));
    scope.post('/webhooks/github/hooks/:hookId', options, take(hook('github')));
    scope.post('/webhooks/gitlab/:hookId', options, take(hook('gitlab')));
    scope.post('/webhooks/bitbucket/:hookId', options, take(hook('bitbucket')));
  });

  if (deps.config.sync.worker) {
    const stop = schedulePurge(deps.store, retentionDays, purgeIntervalMs, app.log.child({ component: 'webhooks' }));
    app.addHook('onClose', async () => stop());
  }
}
