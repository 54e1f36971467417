import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentStore } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { FastifyRequest } from 'fastify';
import type { DocumentNode } from 'graphql';
import type { TrustedDocumentsMode } from '../config';

/** The repository root, from src/ (ts-jest) or dist/src/ (npm start) alike. */
const ROOT = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

/** The manifests codegen writes (`persistedDocuments`): `"sha256:<hex>"` → the document's text. */
export const TRUSTED_DOCUMENT_MANIFESTS: readonly string[] = [
  path.join(ROOT, 'dashboard', 'src', 'gql', 'persisted-documents.json'),
  path.join(ROOT, 'client', 'src', 'gql', 'persisted-documents.json'),
];

/** The `extensions.code` of a refused request. */
export const TrustedDocumentCode = {
  /** A document id (or an Apollo `sha256Hash`) that no manifest holds. Apollo's own code for it. */
  NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** A document that is not trusted, from a request that may run only trusted ones. */
  REQUIRED: 'TRUSTED_DOCUMENT_REQUIRED',
  BAD_REQUEST: 'BAD_REQUEST',
} as const;

export interface Refusal {
  status: number;
  body: { errors: [{ message: string; extensions: { code: string } }] };
}

interface PostBody {
  query?: unknown;
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } | null } | null;
}

const SESSION_COOKIE = /(?:^|;)\s*session=/;
const SHA256_ID = /^sha256:[0-9a-f]{64}$/;

/** The request's body with the document's text in place of its id (Apollo refuses keys present but undefined). */
function withText(body: PostBody, query: string, extensions: unknown): Record<string, unknown> {
  const rewritten: Record<string, unknown> = { query };
  if (body.operationName !== undefined) rewritten.operationName = body.operationName;
  if (body.variables !== undefined) rewritten.variables = body.variables;
  if (extensions !== undefined) rewritten.extensions = extensions;
  return rewritten;
}

function refusal(code: string, message: string): Refusal {
  return { status: 400, body: { errors: [{ message, extensions: { code } }] } };
}

/**
 * The trusted documents: every operation the dashboard and the client (`client/`) can send, from the
 * manifests codegen writes. A request names one by its id, the GraphQL-over-HTTP persisted-documents
 * convention (`{"documentId": "sha256:<hex>", "variables": …}`) or Apollo's
 * (`extensions.persistedQuery.sha256Hash`), and runs the manifest's text. Depending on the mode, a
 * request signed in by the session cookie (or every request) may run nothing else.
 *
 * Each trusted document is parsed and validated by Apollo once, on its first use, and then kept for
 * good in Apollo's document store (`documentStore()`), so graphql-jit's compiled query, cached per
 * parsed document (src/graphql/jit-gateway.ts), is kept with it. Other documents share a bounded LRU
 * (Apollo's default, the same size).
 */
export class TrustedDocuments {
  /** `sha256:<hex>` → text. */
  private readonly byId: ReadonlyMap<string, string>;
  private readonly texts: ReadonlySet<string>;
  /** The hex digest of each trusted text: the end of Apollo's document-store key for it. */
  private readonly digests: ReadonlySet<string>;
  private readonly kept = new Map<string, DocumentNode>();

  constructor(
    readonly mode: TrustedDocumentsMode,
    manifest: ReadonlyMap<string, string>,
  ) {
    this.byId = manifest;
    this.texts = new Set(manifest.values());
    this.digests = new Set([...manifest.keys()].map((id) => id.slice('sha256:'.length)));
  }

  /**
   * Reads the manifests (once, at start). An id that is not the SHA-256 of its text stops the start:
   * the file was edited by hand, and `npm run codegen` writes it anew.
   */
  static load(mode: TrustedDocumentsMode, files: readonly string[] = TRUSTED_DOCUMENT_MANIFESTS): TrustedDocuments {
    const manifest = new Map<string, string>();
    for (const file of files) {
      let entries: Record<string, unknown>;
      try {
        entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`The trusted documents' manifest ${path.relative(ROOT, file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); run npm run codegen`);
      }
      for (const [id, text] of Object.entries(entries)) {
        if (typeof text !== 'string' || !SHA256_ID.test(id) || id !== `sha256:${createHash('sha256').update(text).digest('hex')}`) {
          throw new Error(`The trusted documents' manifest ${path.relative(ROOT, file)} holds "${id.slice(0, 80)}", which is not the SHA-256 of its document; run npm run codegen`);
        }
        manifest.set(id, text);
      }
    }
    return new TrustedDocuments(mode, manifest);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Apollo's document store (parsed and validated documents by the SHA-256 of their text): a trusted
   * document, once validated, is kept for good; any other goes to an LRU as Apollo's default does.
   */
  documentStore(): DocumentStore {
    const others = new InMemoryLRUCache<DocumentNode>();
    const { kept, digests } = this;
    // Apollo's key is a prefix (the schema's hash) followed by the document's 64-digit SHA-256.
    return {
      get: (key) => {
        const document = kept.get(key.slice(-64));
        return document !== undefined ? Promise.resolve(document) : others.get(key);
      },
      set: (key, document, options) => {
        const digest = key.slice(-64);
        if (!digests.has(digest)) return others.set(key, document, options);
        kept.set(digest, document);
        return Promise.resolve();
      },
      delete: (key) => {
        kept.delete(key.slice(-64));
        return others.delete(key);
      },
    };
  }

  /**
   * Lets a /graphql request in or refuses it. A request that names a trusted document gets its body
   * rewritten to carry that document's text (so Apollo, the idempotency fingerprint and the logs see
   * one operation, however it was sent). Nothing else is touched: a request without an id, from a
   * caller who may send any document, costs a few property reads.
   */
  admit(request: FastifyRequest): Refusal | null {
    const body = request.body as PostBody | null | undefined;
    if (request.method === 'POST' && typeof body === 'object' && body !== null && !Array.isArray(body)) {
      if (body.documentId !== undefined) return this.byDocumentId(request, body);
      const hash = typeof body.extensions === 'object' && body.extensions !== null ? body.extensions.persistedQuery?.sha256Hash : undefined;
      if (typeof hash === 'string') return this.byApolloHash(request, body, hash);
      if (this.mode === 'off' || !this.restricted(request)) return null;
      return typeof body.query === 'string' && this.texts.has(body.query) ? null : this.required();
    }
    // A GET (its document in the address) or a body that is not one operation: free-form, if anything.
    if (this.mode === 'off' || request.method === 'OPTIONS' || !this.restricted(request)) return null;
    return this.required();
  }

  /** Whether this request may run only trusted documents. */
  private restricted(request: FastifyRequest): boolean {
    if (this.mode === 'all') return true;
    if (this.mode === 'off') return false;
    // Authenticated by the cookie: the Authorization header, when there is one, wins (src/context.ts).
    const authorization = request.headers.authorization;
    if (authorization !== undefined && authorization.trim() !== '') return false;
    const cookie = request.headers.cookie;
    return cookie !== undefined && SESSION_COOKIE.test(cookie);
  }

  private required(): Refusal {
    const who = this.mode === 'all' ? 'This server runs' : 'A request signed in with the session cookie may run';
    return refusal(
      TrustedDocumentCode.REQUIRED,
      `${who} only the trusted documents of the dashboard and of @repolink/client: send {"documentId": "sha256:…"} (REPOLINK_TRUSTED_DOCUMENTS=${this.mode}). Scripts and the playground authenticate with an Authorization header and may send any document.`,
    );
  }

  private byDocumentId(request: FastifyRequest, body: PostBody): Refusal | null {
    const id = body.documentId;
    if (typeof id !== 'string' || !SHA256_ID.test(id)) {
      return refusal(TrustedDocumentCode.BAD_REQUEST, '`documentId` must be "sha256:" followed by the 64 lower-case hex digits of the document\'s SHA-256');
    }
    if (body.query !== undefined && body.query !== null) return refusal(TrustedDocumentCode.BAD_REQUEST, 'Send either `documentId` or `query`, not both');
    const text = this.byId.get(id);
    if (text === undefined) return refusal(TrustedDocumentCode.NOT_FOUND, `No trusted document has the id ${id}: the dashboard or client that sent it is newer or older than this server`);
    request.body = withText(body, text, body.extensions);
    return null;
  }

  private byApolloHash(request: FastifyRequest, body: PostBody, hash: string): Refusal | null {
    const text = this.byId.get(`sha256:${hash}`);
    if (text !== undefined) {
      if (typeof body.query === 'string' && body.query !== text) return refusal(TrustedDocumentCode.BAD_REQUEST, 'provided sha does not match query');
      // Run as the text itself: Apollo's automatic persisted queries need not store what the manifest holds.
      const { persistedQuery: _sent, ...extensions } = body.extensions!;
      request.body = withText(body, text, extensions);
      return null;
    }
    if (this.mode === 'off' || !this.restricted(request)) return null; // Apollo's automatic persisted queries, as before.
    return typeof body.query === 'string' ? this.required() : refusal(TrustedDocumentCode.NOT_FOUND, 'PersistedQueryNotFound');
  }
}
