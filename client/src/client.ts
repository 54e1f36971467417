import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/**
 * A thin fetch-based client for repolink's GraphQL API. Every type comes from the documents
 * (src/gql/, generated from the schema): variables are checked, results and each mutation's
 * payload with its `userErrors` are typed. It adds only what a caller would otherwise write by
 * hand: authentication, an Idempotency-Key per logical mutation, and bounded retries of what is
 * safe to retry.
 */

export interface ClientOptions {
  /** The server (`https://repolink.example.com`) or its GraphQL endpoint (`…/graphql`). */
  url: string;
  /** An API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** A session token: as `Authorization: Bearer` (default) or, outside a browser, as the `session` cookie. */
  session?: string;
  sessionVia?: 'bearer' | 'cookie';
  /** `X-Project-Id`: the project, for a tenant-scoped key or a session. */
  projectId?: string;
  /** In a browser whose `session` cookie the server set: `'include'` sends it. */
  credentials?: RequestInit['credentials'];
  /**
   * How a document that carries its SHA-256 (every one of this package's, and any generated with
   * codegen's `persistedDocuments`) is sent. `'prefer'` (default): by id,
   * `{"documentId": "sha256:…"}`, and by its text if the server does not know the id (a server older
   * or newer than this client). `'only'`: by id alone, for a page whose server runs only trusted
   * documents for it (the dashboard). `'off'`: always the text. A document without a hash is always
   * sent as text.
   */
  persistedDocuments?: 'prefer' | 'only' | 'off';
  /** Send an Idempotency-Key with every mutation (default false: only with `{ idempotent: true }`). */
  idempotentMutations?: boolean;
  /** Attempts per call, the first included (default 3). */
  maxAttempts?: number;
  /** The longest wait before a retry; a longer Retry-After is not waited for, the error is returned (default 10 s). */
  maxRetryDelayMs?: number;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface MutateOptions {
  /** Send an Idempotency-Key: a new random one for this call, reused by its retries. */
  idempotent?: boolean;
  /** Your own Idempotency-Key for this logical call (reuse it to retry the call yourself later). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface QueryOptions {
  signal?: AbortSignal;
}

/** A request that failed as a whole: a GraphQL error (its `extensions.code`), an HTTP failure or a network error. */
export class RepolinkError extends Error {
  constructor(
    message: string,
    /** `extensions.code` (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, BAD_USER_INPUT, …), or NETWORK_ERROR / BAD_RESPONSE. */
    readonly code: string,
    /** The HTTP status (0 when no response arrived). */
    readonly status: number,
    /** The input field the error names, when it names one. */
    readonly field: readonly string[] | string | null = null,
    /** Seconds the server asked to wait (429). */
    readonly retryAfterSeconds: number | null = null,
    /** Every error of the response. */
    readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[] = [],
  ) {
    super(message);
    this.name = 'RepolinkError';
  }
}

/** The payload of a mutation's (single) root field: e.g. `{ repoConnection, userErrors }`. */
export type Payload<TData> = TData[keyof TData];

/** Variables may be left out when the operation needs none. */
type VariablesArgs<TVariables> = {} extends TVariables ? [variables?: TVariables, options?: QueryOptions] : [variables: TVariables, options?: QueryOptions];

/** What paginate() needs of a page: the connection shape every list of the schema has. */
interface PageOf<TNode> {
  edges: ReadonlyArray<{ node: TNode }>;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

interface Described {
  text: string;
  /** `sha256:<hex>` when the document carries its hash (`__meta__.hash`, codegen's persistedDocuments). */
  documentId: string | null;
  operationName: string | null;
  mutation: boolean;
}

const printed = new WeakMap<DocumentNode, Described>();

function describe(document: DocumentNode): Described {
  let known = printed.get(document);
  if (!known) {
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!operation) throw new TypeError('The document holds no operation');
    const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
    const documentId = typeof hash === 'string' && /^sha256:[0-9a-f]{64}$/.test(hash) ? hash : null;
    known = { text: print(document), documentId, operationName: operation.name?.value ?? null, mutation: operation.operation === 'mutation' };
    printed.set(document, known);
  }
  return known;
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
function retryAfterMs(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

/**
 * A random UUID v4. `crypto.randomUUID` exists only in secure contexts (https, localhost): a page
 * served over plain http on a LAN address has `getRandomValues` alone.
 */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type GraphQLBody = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

export class RepolinkClient {
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  /** Documents whose id the server answered PERSISTED_QUERY_NOT_FOUND to: sent as text from then on (`'prefer'`). */
  private readonly unknownToServer = new WeakSet<DocumentNode>();

  constructor(private readonly options: ClientOptions) {
    this.endpoint = /\/graphql\/?$/.test(options.url) ? options.url : `${options.url.replace(/\/+$/, '')}/graphql`;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Runs a query; resolves with its typed data, rejects with a RepolinkError. Retried on 429 and 503. */
  query<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, ...[variables, options]: VariablesArgs<TVariables>): Promise<TData> {
    return this.execute(document, variables, undefined, options?.signal);
  }

  /**
   * Runs a mutation and resolves with its payload (`{ repoConnection, userErrors }`, …): expected
   * outcomes such as CONFLICT or QUOTA_EXCEEDED are in `userErrors`, typed. Retried on 429 (nothing
   * ran); on 503, a lost connection or IDEMPOTENCY_KEY_IN_USE only when it carries an Idempotency-Key.
   */
  async mutate<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, options: MutateOptions = {}): Promise<Payload<TData>> {
    const wantsKey = options.idempotencyKey !== undefined || (options.idempotent ?? this.options.idempotentMutations ?? false);
    // One key per logical call: every retry below sends the same one.
    const key = options.idempotencyKey ?? (wantsKey ? newIdempotencyKey() : undefined);
    const data = await this.execute(document, variables, key, options.signal);
    const fields = Object.values(data as Record<string, unknown>);
    if (fields.length !== 1) throw new TypeError('mutate() returns the payload of one root field; this mutation selects several');
    return fields[0] as Payload<TData>;
  }

  /** Every node of a paginated list, page by page to the end (`after` is set from each page's endCursor). */
  async *paginate<TData, TVariables extends { after?: string | null }, TNode>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    page: (data: TData) => PageOf<TNode>,
    options: QueryOptions = {},
  ): AsyncGenerator<TNode, void, undefined> {
    let after = variables.after ?? null;
    for (;;) {
      const data = await this.execute(document, { ...variables, after }, undefined, options.signal);
      const current = page(data);
      for (const edge of current.edges) yield edge.node;
      if (!current.pageInfo.hasNextPage || !current.pageInfo.endCursor) return;
      after = current.pageInfo.endCursor;
    }
  }

  private headers(idempotencyKey: string | undefined): Record<string, string> {
    const { apiKey, session, sessionVia = 'bearer', projectId } = this.options;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.options.headers };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    else if (session && sessionVia === 'bearer') headers.authorization = `Bearer ${session}`;
    else if (session) headers.cookie = `session=${encodeURIComponent(session)}`;
    if (projectId) headers['x-project-id'] = projectId;
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    return headers;
  }

  private async execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables | undefined,
    idempotencyKey: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TData> {
    const { text, documentId, operationName, mutation } = describe(document);
    const mode = this.options.persistedDocuments ?? 'prefer';
    const asText = () => JSON.stringify({ query: text, operationName, variables: variables ?? {} });
    let byId = documentId !== null && mode !== 'off' && !(mode === 'prefer' && this.unknownToServer.has(document));
    let body = byId ? JSON.stringify({ documentId, operationName, variables: variables ?? {} }) : asText();
    const headers = this.headers(idempotencyKey);
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 3);
    const maxDelay = this.options.maxRetryDelayMs ?? 10_000;
    // A query, or a mutation with a key, may run again: the server answers a repeated key with the stored outcome.
    const repeatable = !mutation || idempotencyKey !== undefined;
    const backoff = (attempt: number) => Math.min(maxDelay, 250 * 2 ** (attempt - 1));

    for (let attempt = 1; ; attempt++) {
      const last = attempt >= maxAttempts;
      let response: Response;
      try {
        response = await this.fetch(this.endpoint, { method: 'POST', headers, body, credentials: this.options.credentials, signal });
      } catch (error) {
        if (signal?.aborted) throw error;
        if (repeatable && !last) {
          await sleep(backoff(attempt), signal);
          continue;
        }
        throw new RepolinkError(`The request did not reach the server: ${(error as Error).message}`, 'NETWORK_ERROR', 0);
      }

      if (response.status === 429 || response.status === 503) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoff(attempt);
        // 429: refused before anything ran. 503: the database was away; only a repeatable call may run again.
        if ((response.status === 429 || repeatable) && !last && wait <= maxDelay) {
          await response.body?.cancel().catch(() => undefined);
          await sleep(wait, signal);
          continue;
        }
      }

      const result = await readBody(response);
      if (byId && mode === 'prefer' && result.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
        // Nothing ran: the server does not know this document's id. Send its text instead, at once.
        this.unknownToServer.add(document);
        byId = false;
        body = asText();
        attempt--;
        continue;
      }
      if (result.errors?.length) throw errorFrom(result.errors, response);
      if (!result.data) throw new RepolinkError(`Unexpected response (HTTP ${response.status})`, 'BAD_RESPONSE', response.status);

      if (idempotencyKey !== undefined && !last && stillRunning(result.data)) {
        await sleep(backoff(attempt), signal);
        continue;
      }
      return result.data as TData;
    }
  }
}

async function readBody(response: Response): Promise<GraphQLBody> {
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLBody;
  } catch {
    throw new RepolinkError(`Unexpected response (HTTP ${response.status}): not JSON`, 'BAD_RESPONSE', response.status);
  }
}

function errorFrom(errors: NonNullable<GraphQLBody['errors']>, response: Response): RepolinkError {
  const first = errors[0];
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  const field = (first.extensions?.field as string[] | string | undefined) ?? null;
  const header = retryAfterMs(response.headers.get('retry-after'));
  const retry = typeof first.extensions?.retryAfterSeconds === 'number' ? first.extensions.retryAfterSeconds : header === null ? null : Math.ceil(header / 1000);
  return new RepolinkError(first.message, code, response.status, field, retry, errors);
}

/** Whether a mutation was refused because the first request with its key is still running. */
function stillRunning(data: Record<string, unknown>): boolean {
  return Object.values(data).some((payload) => {
    const userErrors = (payload as { userErrors?: { code?: string }[] } | null)?.userErrors;
    return Array.isArray(userErrors) && userErrors.some((e) => e.code === 'IDEMPOTENCY_KEY_IN_USE');
  });
}

/** A client for one caller: `createClient({ url, apiKey })`. */
export function createClient(options: ClientOptions): RepolinkClient {
  return new RepolinkClient(options);
}
