import { useCallback, useEffect, useRef, useState } from 'react';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { RepolinkClient, RepolinkError } from '@repolink/client';

/**
 * The dashboard talks to /graphql on its own origin with the typed client of client/. It never sees
 * a token: the session is the HttpOnly `session` cookie the sign-in link set, which the browser
 * sends with these same-origin requests. Requests are JSON POSTs, which a cross-site form cannot
 * forge (Apollo's CSRF prevention refuses the content types a form can send).
 */
export const client = new RepolinkClient({ url: '/graphql', credentials: 'same-origin', maxAttempts: 2 });

export { RepolinkError };

export interface UserError {
  code: string;
  field?: readonly string[] | null;
  message: string;
}

/** Words for a failed request, for people: the server's message, or what went wrong on the way. */
export function describeError(error: unknown): string {
  if (error instanceof RepolinkError) {
    if (error.code === 'NETWORK_ERROR') return 'The server could not be reached. Check that repolink is running, then try again.';
    if (error.code === 'UNAUTHENTICATED') return 'Your session has ended. Sign in again with a new link.';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function isSignedOut(error: unknown): boolean {
  return error instanceof RepolinkError && error.code === 'UNAUTHENTICATED';
}

/** Something that told the app its session is gone (any request may learn it). */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

export interface QueryState<TData> {
  data: TData | null;
  error: unknown;
  loading: boolean;
  refetch: () => Promise<void>;
}

/**
 * Runs a query and keeps its result. `pollMs(data)` > 0 polls again after that many milliseconds
 * (used while a sync is PENDING); the previous data stays on screen while a poll runs.
 */
export function useQuery<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  options: { pollMs?: (data: TData) => number; skip?: boolean } = {},
): QueryState<TData> {
  const [data, setData] = useState<TData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(!options.skip);
  const key = JSON.stringify(variables);
  const pollRef = useRef(options.pollMs);
  pollRef.current = options.pollMs;
  const generation = useRef(0);
  const timer = useRef<number | undefined>(undefined);

  const run = useCallback(async () => {
    const mine = ++generation.current;
    window.clearTimeout(timer.current);
    setLoading(true);
    try {
      const result = await (client.query as (d: TypedDocumentNode<TData, TVariables>, v: TVariables) => Promise<TData>)(document, JSON.parse(key) as TVariables);
      if (mine !== generation.current) return;
      setData(result);
      setError(null);
      const wait = pollRef.current?.(result) ?? 0;
      if (wait > 0) timer.current = window.setTimeout(() => void run(), wait);
    } catch (failure) {
      if (mine !== generation.current) return;
      if (isSignedOut(failure)) onSignedOut();
      setError(failure);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [document, key]);

  useEffect(() => {
    if (options.skip) return undefined;
    void run();
    return () => {
      generation.current++;
      window.clearTimeout(timer.current);
    };
  }, [run, options.skip]);

  return { data, error, loading, refetch: run };
}

/** Runs a mutation: its payload (with `userErrors`), or the failure of the whole request. */
export async function mutate<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData[keyof TData]> {
  try {
    return await client.mutate(document, variables);
  } catch (failure) {
    if (isSignedOut(failure)) onSignedOut();
    throw failure;
  }
}

/** Ends the session on the server (it clears the cookie); the page then shows the sign-in screen. */
export async function signOut(): Promise<void> {
  const response = await fetch('/dashboard/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (!response.ok && response.status !== 401) throw new Error(`Signing out failed (HTTP ${response.status})`);
}
