import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApolloServer } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLFormattedError } from 'graphql';
import { bearerToken, onTransaction, type GraphQLContext } from '../context';
import { credentialKind, UNAUTHENTICATED_MESSAGES } from '../modules/auth/auth.service';
import { AppError } from '../errors';
import type { ContextFactory } from '../http/graphql-route';
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_PROBLEM, type IdempotencyService } from '../modules/idempotency/idempotency.service';
import { readFromReplicas } from '../db/replicas';
import { FAILURES, failureFromGraphQLErrors, type Failure, type FailureCode } from './rest-errors';

/** The shim's static operations, read once (beside this file, or in src/ when running from dist/). */
const OPERATIONS = readFileSync(
  [path.join(__dirname, 'operations.graphql'), path.resolve(__dirname, '..', '..', '..', 'src', 'rest', 'operations.graphql')].find(existsSync)!,
  'utf8',
);

export interface RestResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The failure an envelope reports (absent on a success): what the idempotency rule judges. */
  failure?: FailureCode;
}

export type Outcome<T> = { ok: true; data: T } | { ok: false; failure: Failure };

export interface RestDeps {
  apollo: ApolloServer<GraphQLContext>;
  contextFor: ContextFactory;
  idempotency: IdempotencyService;
}

/** Sends a shim response: its status, headers and JSON body (a body already serialized is sent as it is). */
export function sendRest(reply: FastifyReply, r: RestResponse): FastifyReply {
  for (const [name, value] of Object.entries(r.headers ?? {})) void reply.header(name, value);
  return reply.code(r.status).header('content-type', 'application/json; charset=utf-8').send(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
}

/** An API's envelope for a failure (SigSentry and Heimdall shape them differently). */
export type FailureEnvelope = (failure: Failure) => RestResponse;

export class RestExecutor {
  constructor(private readonly deps: RestDeps) {}

  /** Runs one static operation through Apollo, with the request's own context. */
  async run<TData>(ctx: GraphQLContext, operationName: string, variables: Record<string, unknown>): Promise<Outcome<TData>> {
    const response = await this.deps.apollo.executeOperation<TData>({ query: OPERATIONS, operationName, variables }, { contextValue: ctx });
    if (response.body.kind !== 'single') throw new Error('The shim runs no incremental operation');
    const { data, errors } = response.body.singleResult;
    if (errors?.length) return { ok: false, failure: failureFromGraphQLErrors(errors as GraphQLFormattedError[]) };
    return { ok: true, data: data as TData };
  }

  /**
   * Authenticates, then runs `work` — inside the idempotency record's transaction when the request
   * carries an Idempotency-Key (POST/PUT), so the work and its stored response commit together.
   */
  async handle(
    request: FastifyRequest,
    reply: FastifyReply,
    envelope: FailureEnvelope,
    work: (ctx: GraphQLContext) => Promise<RestResponse>,
  ): Promise<FastifyReply> {
    // A GET reads from the replicas when there are any; everything else runs on the primary.
    if (request.method === 'GET') return readFromReplicas(() => this.handleOnPrimaryOrReplica(request, reply, envelope, work));
    return this.handleOnPrimaryOrReplica(request, reply, envelope, work);
  }

  private async handleOnPrimaryOrReplica(
    request: FastifyRequest,
    reply: FastifyReply,
    envelope: FailureEnvelope,
    work: (ctx: GraphQLContext) => Promise<RestResponse>,
  ): Promise<FastifyReply> {
    const send = (r: RestResponse) => sendRest(reply, r);
    let ctx: GraphQLContext;
    const credential = credentialKind(bearerToken(request.headers));
    try {
      ctx = await this.deps.contextFor(request.headers, request.id);
    } catch (error) {
      return send(envelope({ ...failureFromContextError(error), credential }));
    }
    if (ctx.viewer === null) return send(envelope({ code: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGES.none, details: [], credential }));

    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !['POST', 'PUT'].includes(request.method)) return send(await work(ctx));
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      return send(envelope({ code: 'BAD_USER_INPUT', message: `Idempotency-Key ${IDEMPOTENCY_KEY_PROBLEM}`, details: [{ field: ['Idempotency-Key'], message: IDEMPOTENCY_KEY_PROBLEM }] }));
    }
    const answer = await this.deps.idempotency.run({
      scope: ctx.viewer.principal,
      key,
      fingerprint: { transport: 'rest', method: request.method, url: request.url, body: request.body ?? null },
      execute: async (db) => {
        const result = await work(onTransaction(ctx, db));
        const body = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
        return { status: result.status, body, failures: restFailures(result), headers: result.headers };
      },
    });
    switch (answer.kind) {
      case 'executed':
        return send({ status: answer.execution.status, body: answer.execution.body, headers: answer.execution.headers });
      case 'replayed':
        return send({ status: answer.status, body: answer.body, headers: { 'idempotent-replayed': 'true' } });
      case 'refused':
        return send(envelope({ code: answer.code, message: answer.message, details: [] }));
    }
  }
}

/** What a shim response came to, for the idempotency rule (`isStoredOutcome`): its envelope's failure; none below 400. */
function restFailures(response: RestResponse): FailureCode[] {
  if (response.failure !== undefined) return [response.failure];
  return response.status < 400 ? [] : ['INTERNAL_SERVER_ERROR'];
}

export function failureFromContextError(error: unknown): Failure {
  if (error instanceof AppError) {
    const code = String(error.extensions.code);
    const retry = Number(error.extensions.retryAfterSeconds);
    if (code in FAILURES) return { code: code as Failure['code'], message: error.message, details: [], ...(Number.isFinite(retry) && { retryAfterSeconds: retry }) };
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', details: [] };
}
