import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
// Cache control is off: we set no cache hints, and its per-field hook costs time on every field.
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { buildContext, type GraphQLContext } from './context';
import { hasPendingMigrations, pingDatabase } from './db/data-source';
import { AppError, ErrorCode, withHttpStatus } from './errors';
import type { CredentialCipher } from './modules/crypto';
import { resolvers } from './resolvers';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { jitGateway } from './graphql/jit-gateway';
import { createServices, type Services } from './services';
import { parseCoercionError, withoutPrintedValue } from './http/coercion-errors';
import { registerGraphQLRoute, type ContextFactory } from './http/graphql-route';
import { TrustedDocuments } from './http/trusted-documents';
import { IdempotencyService } from './modules/idempotency/idempotency.service';
import { RateLimitService } from './modules/rate-limit/rate-limit.service';
import { registerRestShim, restErrorHandler, restNotFound } from './rest';
import { DEFAULT_PLAYGROUND_OPTIONS, playgroundPreHandler, registerPlaygroundAssets } from './playground/playground';
import type { DefaultBranchResolver } from './modules/repositories/default-branch';
import type { DestinationStream } from 'pino';
import { fastifyLogging, internalErrorLogging, registerRequestLogging } from './observability/logging';
import { registerMetrics } from './observability/metrics';
import { formatLimitError, payloadTooLarge, queryLimitRules, registerHttpLimits } from './http/limits';
import { registerCors } from './http/cors';
import { SyncWorker } from './modules/sync/sync-worker';
import { isConnectionLoss, isDatabaseUnavailable } from './db/transaction';
import { replicaHealth } from './db/replicas';
import { registerDashboard } from './dashboard/routes';
import { registerCodeHostRoutes } from './modules/code-host-accounts/code-host.routes';
import { registerWebhookRoutes } from './modules/webhooks/webhook.routes';

/** schema/ at the repository root, from src/ (ts-jest) or dist/src/ (npm start) alike. */
export const SCHEMA_DIR = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '', 'schema');

export function loadTypeDefs(dir = SCHEMA_DIR): string {
  const files = ['base.graphql', ...readdirSync(dir).filter((f) => f.endsWith('.graphql') && f !== 'base.graphql').sort()];
  return files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
}

export interface ServerDeps {
  dataSource: DataSource;
  config: Config;
  cipher: CredentialCipher;
  resolveDefaultBranch?: DefaultBranchResolver;
  /** Pino options for Fastify's logger; false silences it (tests). */
  logger?: boolean | Record<string, unknown>;
  /** Where log lines go instead of stdout (tests capture them). */
  logDestination?: DestinationStream;
}

export interface RepolinkServer {
  app: FastifyInstance;
  apollo: ApolloServer<GraphQLContext>;
  services: Services;
  /** Builds a context from request headers, exactly as HTTP requests get it (used by the REST shim). */
  contextFor: ContextFactory;
  idempotency: IdempotencyService;
  /** The sync worker of this process: main.ts starts it (REPOLINK_SYNC_WORKER); close() stops it. */
  syncWorker: SyncWorker;
  close(): Promise<void>;
}

const SAFE_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR),
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);

/** Whether an error means the database cannot be reached or serve now (as opposed to a bug). */
export { isDatabaseUnavailable } from './db/transaction';

/**
 * Internal errors are masked: a client sees a code and a generic message, never SQL, a stack or
 * a secret. Known codes pass through unchanged.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  const original = unwrapResolverError(error);
  const coercion = code === ApolloServerErrorCode.BAD_USER_INPUT ? parseCoercionError(formatted.message) : null;
  if (coercion) {
    return { message: coercion.message, locations: formatted.locations, extensions: { code, field: coercion.field } };
  }
  if (code === ApolloServerErrorCode.BAD_USER_INPUT && /^Variable "\$\w+" got invalid value /.test(formatted.message)) {
    // A shape parseCoercionError does not know: its printed value may hold a secret.
    return { message: 'A variable has an invalid value', locations: formatted.locations, extensions: { code } };
  }
  if (original instanceof AppError || (SAFE_CODES.has(code) && !(original instanceof Error && !(original instanceof GraphQLError)))) {
    const { stacktrace: _omit, ...extensions } = formatted.extensions ?? {};
    // Literals in the query document are judged with their value printed: only the judgement goes out.
    const fromDocument = code === ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED || code === ApolloServerErrorCode.GRAPHQL_PARSE_FAILED;
    const message = fromDocument ? withoutPrintedValue(formatted.message) : formatted.message;
    return { ...formatted, message, extensions };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: 'The service is temporarily unavailable; try again shortly', path: formatted.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/**
 * A response that failed only because the database is away says so with 503, for load balancers and retries.
 * One listener for every request (Apollo passes each hook the request's context): nothing is made per request.
 */
const serviceUnavailableListener: GraphQLRequestListener<GraphQLContext> = {
  async willSendResponse({ response }) {
    if (response.body.kind !== 'single') return;
    const { data, errors } = response.body.singleResult;
    if (!errors?.length) return;
    const empty = data === null || data === undefined || Object.values(data).every((v) => v === null);
    if (empty && errors.every((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
      response.http.status = 503;
    }
  },
};
const serviceUnavailableStatus: ApolloServerPlugin<GraphQLContext> = {
  requestDidStart: async () => serviceUnavailableListener,
};

function rateLimited(retryAfterSeconds: number, limit: number): AppError {
  const headers = new HeaderMap([['retry-after', String(retryAfterSeconds)]]);
  return new AppError(ErrorCode.RATE_LIMITED, `Rate limit of ${limit} requests per minute reached; retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    http: { status: 429, headers },
  });
}

export async function createServer(deps: ServerDeps): Promise<RepolinkServer> {
  const { dataSource, config } = deps;
  const services = createServices(deps);
  const app = Fastify({
    ...fastifyLogging({ level: config.logLevel, logger: deps.logger, destination: deps.logDestination }),
    bodyLimit: config.limits.bodyLimitBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
    },
  });
  registerRequestLogging(app);
  registerMetrics(app, dataSource);
  registerHttpLimits(app, config.limits.bodyLimitBytes);
  await registerCors(app, config.corsOrigins);

  const rateLimit = new RateLimitService(dataSource, config.rateLimitPerMinute, { batch: config.rateLimitBatch, flushMs: config.rateLimitFlushMs });
  const contextFor: ContextFactory = async (headers, requestId) => {
    const build = async () => {
      const ctx = await buildContext({ dataSource, config, services }, headers, requestId);
      if (ctx.viewer?.apiKeyId) services.apiKeys.noteUse(ctx.viewer.apiKeyId);
      if (ctx.viewer !== null) {
        const decision = await rateLimit.hit(ctx.viewer.principal);
        if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds, decision.limit);
      }
      return ctx;
    };
    try {
      // A pooled connection that died with its database node fails once; a fresh one works.
      return await build().catch((error: unknown) => (isConnectionLoss(error) ? build() : Promise.reject(error)));
    } catch (error) {
      if (error instanceof AppError) throw error.extensions.http ? error : withHttpStatus(error);
      if (isDatabaseUnavailable(error)) throw withHttpStatus(new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The service is temporarily unavailable; try again shortly'));
      app.log.error({ err: error }, 'context creation failed');
      throw withHttpStatus(new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
    }
  };

  const isInternal = (error: GraphQLError) => maskError({ message: error.message, extensions: error.extensions }, error).extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR;
  const plugins: ApolloServerPlugin<GraphQLContext>[] = [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), serviceUnavailableStatus, internalErrorLogging(app.log, isInternal)];
  const schema = makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never });
  // The dashboard's and the client's documents, accepted by id; kept parsed and validated once used.
  const trusted = TrustedDocuments.load(config.trustedDocuments);
  const apollo = new ApolloServer<GraphQLContext>({
    // graphql-jit executes (src/graphql/jit-gateway.ts); Apollo parses, validates, runs the plugins
    // and formats errors as before. No plugin may use willResolveField: it would need graphql-js.
    gateway: jitGateway(schema),
    documentStore: trusted.documentStore(),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    validationRules: queryLimitRules(config.limits),
    plugins,
    formatError: (formatted, error) => {
      const limited = formatLimitError(formatted, error);
      if (limited) return limited;
      return maskError(formatted, error);
    },
  });
  await apollo.start();

  const idempotency = new IdempotencyService(dataSource);
  registerPlaygroundAssets(app, DEFAULT_PLAYGROUND_OPTIONS);
  registerGraphQLRoute(app, apollo, contextFor, idempotency, config.introspection ? playgroundPreHandler(DEFAULT_PLAYGROUND_OPTIONS) : undefined, trusted);
  const purge = setInterval(() => {
    void idempotency.purgeExpired().catch(() => undefined);
    void rateLimit.purgeOld().catch(() => undefined);
    void services.sync.store.purgeFinished().catch(() => undefined);
  }, 10 * 60_000);
  purge.unref();
  app.addHook('onClose', async () => {
    clearInterval(purge);
    // Hits counted here and not yet written belong to the shared count: write them before leaving.
    await rateLimit.close().catch((error: unknown) => app.log.warn({ err: error }, 'could not write the last rate-limit counts'));
  });

  registerRestShim(app, { apollo, contextFor, idempotency });
  registerDashboard(app, { dataSource });
  registerCodeHostRoutes(app, { config, ...services.codeHosts });
  registerWebhookRoutes(app, { config, ...services.webhooks });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (restErrorHandler(error, request, reply)) return reply;
    if (error.statusCode === 413) return reply.code(413).send(payloadTooLarge(config.limits.bodyLimitBytes));
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ errors: [{ message: status === 500 ? 'Internal server error' : error.message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });
  app.setNotFoundHandler((request, reply) => {
    if (restNotFound(request, reply)) return reply;
    return reply.code(404).send({ error: 'Not found' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await pingDatabase(dataSource);
      if (await hasPendingMigrations(dataSource)) {
        return reply.code(503).send({ status: 'unavailable', reason: 'migrations pending' });
      }
      // A replica that lags or is gone is reported, not fatal: reads fall back to the primary.
      if (config.databaseReplicaUrls.length > 0) return { status: 'ready', replicas: await replicaHealth(config.databaseReplicaUrls) };
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  // Webhook processing and, unless turned off, the accounts' reconciliation share the worker's loop.
  const syncWorker = new SyncWorker(services.sync, config.sync, app.log.child({ component: 'sync' }), [services.webhooks.processor, ...(config.reconcile.enabled ? [services.reconciler] : [])]);
  return {
    app,
    apollo,
    services,
    contextFor,
    idempotency,
    syncWorker,
    // Fastify stops accepting, lets in-flight requests finish and closes idle connections; then Apollo stops.
    close: async () => {
      // Connections of requests that were in flight become idle only later: sweep them as they do,
      // or a client's keep-alive would hold the shutdown open.
      // No new job is claimed; the one in hand finishes (or its lease hands it to another process).
      await syncWorker.stop();
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
      await apollo.stop();
    },
  };
}
