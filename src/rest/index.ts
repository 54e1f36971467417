import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { heimdallFailure, registerHeimdallRoutes } from './heimdall.routes';
import { registerOpenApiRoute } from './openapi';
import type { Failure } from './rest-errors';
import { RestExecutor, sendRest, type FailureEnvelope, type RestDeps } from './rest-executor';
import { registerSigSentryRoutes, sigsentryFailure } from './sigsentry.routes';

/** Which legacy API a path belongs to, for answering in its envelope. */
export function envelopeFor(url: string): FailureEnvelope | null {
  if (url.startsWith('/v1/')) return sigsentryFailure;
  if (url.startsWith('/api/')) return heimdallFailure;
  return null;
}

/** Transport failures (malformed JSON, a body too large, an unknown route) in the legacy envelopes too: never a 500. */
export function restTransportFailure(error: FastifyError): Failure {
  if (error.statusCode === 413) return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large', details: [] };
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { code: 'BAD_USER_INPUT', message: 'Content-Type must be application/json', details: [{ field: null, message: 'Content-Type must be application/json' }] };
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'BAD_USER_INPUT', message: 'The request body is not valid JSON', details: [{ field: null, message: 'The request body is not valid JSON' }] };
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', details: [] };
}

export function registerRestShim(app: FastifyInstance, deps: RestDeps): void {
  const rest = new RestExecutor(deps);
  registerSigSentryRoutes(app, rest);
  registerHeimdallRoutes(app, rest);
  registerOpenApiRoute(app);
}

export function restErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  const envelope = envelopeFor(request.url);
  if (!envelope) return null;
  const failure = restTransportFailure(error);
  if (failure.code === 'INTERNAL_SERVER_ERROR') request.log.error({ err: error }, 'REST shim failure');
  return sendRest(reply, envelope(failure));
}

export function restNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  const envelope = envelopeFor(request.url);
  if (!envelope) return null;
  return sendRest(reply, envelope({ code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}`, details: [] }));
}
