import type { GraphQLFormattedError } from 'graphql';
import type { CredentialKind } from '../modules/auth/auth.service';

/** One code for every failure the shim can answer, GraphQL's and the mutations' alike. */
export type FailureCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'QUOTA_EXCEEDED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface FieldProblem {
  field: string[] | null;
  message: string;
}

export interface Failure {
  code: FailureCode;
  message: string;
  details: FieldProblem[];
  retryAfterSeconds?: number;
  /** For a 401: what the request sent, so the message can name it. */
  credential?: CredentialKind;
}

/** The one table: the HTTP status, and SigSentry's `error.code`, of each failure. */
export const FAILURES: Record<FailureCode, { status: number; sigsentry: string }> = {
  BAD_USER_INPUT: { status: 400, sigsentry: 'VALIDATION_ERROR' },
  UNAUTHENTICATED: { status: 401, sigsentry: 'UNAUTHORIZED' },
  FORBIDDEN: { status: 403, sigsentry: 'FORBIDDEN' },
  QUOTA_EXCEEDED: { status: 403, sigsentry: 'QUOTA_EXCEEDED' },
  NOT_FOUND: { status: 404, sigsentry: 'NOT_FOUND' },
  CONFLICT: { status: 409, sigsentry: 'CONFLICT' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, sigsentry: 'IDEMPOTENCY_KEY_IN_USE' },
  PAYLOAD_TOO_LARGE: { status: 413, sigsentry: 'PAYLOAD_TOO_LARGE' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, sigsentry: 'IDEMPOTENCY_KEY_REUSED' },
  RATE_LIMITED: { status: 429, sigsentry: 'RATE_LIMITED' },
  SERVICE_UNAVAILABLE: { status: 503, sigsentry: 'SERVICE_UNAVAILABLE' },
  INTERNAL_SERVER_ERROR: { status: 500, sigsentry: 'INTERNAL_ERROR' },
};

const KNOWN = new Set(Object.keys(FAILURES));

/** A GraphQL error as a shim failure: unknown codes (parse/validation of our own static operations) are internal. */
export function failureFromGraphQLErrors(errors: readonly GraphQLFormattedError[]): Failure {
  const first = errors[0];
  const code = String(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  if (code === 'BAD_USER_INPUT') return validationFailure(errors.map((e) => ({ field: (e.extensions?.field as string[] | undefined) ?? null, message: e.message })));
  if (!KNOWN.has(code)) return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', details: [] };
  const retry = Number(first.extensions?.retryAfterSeconds);
  return { code: code as FailureCode, message: first.message, details: [], ...(Number.isFinite(retry) && { retryAfterSeconds: retry }) };
}

/** A mutation's user errors as a shim failure. */
export function failureFromUserErrors(userErrors: readonly { code: string; field: readonly string[] | null; message: string }[]): Failure {
  const code = userErrors[0].code as FailureCode;
  if (code === 'BAD_USER_INPUT') return validationFailure(userErrors.map((e) => ({ field: e.field ? [...e.field] : null, message: e.message })));
  return { code, message: userErrors[0].message, details: [] };
}

/** Invalid input, from GraphQL's own checks or the mutations' alike: one failure listing every field. */
function validationFailure(details: FieldProblem[]): Failure {
  return { code: 'BAD_USER_INPUT', message: 'A field failed validation', details };
}

/** ["serviceMappings", "0", "repo"] → "serviceMappings[0].repo" */
export function fieldPath(field: readonly string[] | null, rename: (name: string) => string = (n) => n): string | null {
  if (!field || field.length === 0) return null;
  return field.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${rename(part)}` : rename(part)), '');
}
