import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
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
    const failed = Boolean(error) || info.status >= 500;
    // At the default production level (warn) a successful request writes nothing: build no line for it.
    if (!failed && (reply.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') === false) return;
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
    if (failed) reply.log.error(line, 'request failed');
    else reply.log.info(line, 'request completed');
  }
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger: Fastify makes one per request (a pino child carrying the request id), which
 * costs the child and the serialisation of its bindings on every request, though at the production
 * level (warn) a successful request logs nothing. This one makes the pino child only when a line
 * is written at an enabled level (or a child, or a level change, is asked), so a request that logs
 * nothing costs one small object. What is written, its bindings and its redaction are the child's.
 */
export class RequestLogger {
  private real: pino.Logger | null = null;

  constructor(
    private readonly parent: pino.Logger,
    private readonly bindings: pino.Bindings,
  ) {}

  private logger(): pino.Logger {
    return (this.real ??= this.parent.child(this.bindings));
  }

  get level(): string {
    return this.real ? this.real.level : this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.real ?? this.parent).isLevelEnabled(level);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.logger()[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): pino.Logger {
    return this.logger().child(bindings, options);
  }
}

/** Fastify's childLoggerFactory: a lazy request logger, unless the route asks for its own level or serializers. */
function requestLogger(logger: FastifyBaseLogger, bindings: pino.Bindings, options: pino.ChildLoggerOptions): FastifyBaseLogger {
  if (options.level || options.serializers) return logger.child(bindings, options);
  return new RequestLogger(logger as pino.Logger, bindings) as unknown as FastifyBaseLogger;
}

export interface LoggingOptions {
  level: LogLevel;
  /** false: no logging at all; an object: pino options. */
  logger?: boolean | Record<string, unknown>;
  /** Where the JSON lines go (stdout when absent); tests capture them here. */
  destination?: DestinationStream;
}

/** The Fastify options that set up logging. */
export function fastifyLogging(options: LoggingOptions): {
  loggerInstance?: FastifyBaseLogger;
  logger?: false;
  logController: LogController;
  childLoggerFactory?: typeof requestLogger;
} {
  const logController = new RequestLogController();
  if (!options.logger) return { logger: false, logController };
  const overrides = typeof options.logger === 'object' ? (options.logger as LoggerOptions) : {};
  return { loggerInstance: createLogger(options.level, options.destination, overrides), logController, childLoggerFactory: requestLogger };
}

/** Echoes the request id (a sane `X-Request-Id` from the client, else our own) and prepares the request line. */
export function registerRequestLogging(app: FastifyInstance): void {
  registerRequestInfo(app);
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
}

/**
 * Logs each error a client sees masked as INTERNAL_SERVER_ERROR, with its request id (Apollo's
 * formatError has no context to give it). Errors of context creation are logged where they occur.
 */
export function internalErrorLogging(log: FastifyBaseLogger, isInternal: (error: GraphQLError) => boolean): ApolloServerPlugin<{ requestId: string }> {
  // One listener for every request: Apollo passes the hook the request's context.
  const listener: GraphQLRequestListener<{ requestId: string }> = {
    async didEncounterErrors({ errors, contextValue }) {
      for (const error of errors) {
        if (isInternal(error)) log.error({ requestId: contextValue.requestId, err: unwrapResolverError(error), path: error.path }, 'internal error');
      }
    },
  };
  return { requestDidStart: async () => listener };
}
