import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLError } from 'graphql';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { LogLevel } from '../config';
import { describeRequest, registerRequestInfo } from './request-info';

/**
 * Paths pino censors wherever they are logged. Our own lines never carry headers, bodies or
 * variables; these catch anything a future log call or an error object might bring along
 * (TypeORM's errors carry the statement's parameters, mysql2's the SQL with values inlined).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.body',
  'body',
  'variables',
  '*.variables',
  'credentials',
  '*.credentials',
  'token',
  '*.token',
  'password',
  '*.password',
  '*.appPassword',
  'err.parameters',
  'err.sql',
  'err.driverError.parameters',
  'err.driverError.sql',
];

/** The logger's own settings; `overrides` (pino options) win, except that redaction always stays on. */
export function createLogger(level: LogLevel, destination?: DestinationStream, overrides: LoggerOptions = {}): pino.Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'repolink' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: {
      err: pino.stdSerializers.err,
      // Fastify's request serializer logs the URL with its query string, where a GraphQL GET carries its variables.
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    ...overrides,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Fastify's per-request lines, replaced by one line per finished request. */
class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const info = describeRequest(request, reply);
    const line = {
      method: info.method,
      route: info.route,
      path: info.path,
      operation: info.operation,
      status: info.status,
      outcome: info.outcome,
      durationMs: info.durationMs,
      ...(error && { err: error }),
    };
    if (error || info.status >= 500) reply.log.error(line, 'request failed');
    else reply.log.info(line, 'request completed');
  }
}

export interface LoggingOptions {
  level: LogLevel;
  /** false: no logging at all; an object: pino options. */
  logger?: boolean | Record<string, unknown>;
  /** Where the JSON lines go (stdout when absent); tests capture them here. */
  destination?: DestinationStream;
}

/** The Fastify options that set up logging. */
export function fastifyLogging(options: LoggingOptions): { loggerInstance?: FastifyBaseLogger; logger?: false; logController: LogController } {
  const logController = new RequestLogController();
  if (!options.logger) return { logger: false, logController };
  const overrides = typeof options.logger === 'object' ? (options.logger as LoggerOptions) : {};
  return { loggerInstance: createLogger(options.level, options.destination, overrides), logController };
}

/** Echoes the request id (a sane `X-Request-Id` from the client, else our own) and prepares the request line. */
export function registerRequestLogging(app: FastifyInstance): void {
  registerRequestInfo(app);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
}

/**
 * Logs each error a client sees masked as INTERNAL_SERVER_ERROR, with its request id (Apollo's
 * formatError has no context to give it). Errors of context creation are logged where they occur.
 */
export function internalErrorLogging(log: FastifyBaseLogger, isInternal: (error: GraphQLError) => boolean): ApolloServerPlugin<{ requestId: string }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (isInternal(error)) log.error({ requestId: contextValue.requestId, err: unwrapResolverError(error), path: error.path }, 'internal error');
          }
        },
      };
    },
  };
}
