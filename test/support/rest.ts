import { assertMatchesOpenApi } from './openapi';

export interface RestResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/**
 * One HTTP request as a legacy script sends it; the raw text is kept for byte-level checks. A shim
 * response that docs/openapi.json does not describe throws (see support/openapi.ts).
 */
export async function rest(baseUrl: string, method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<RestResult> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else if (options.raw !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  // Every shim response the suite receives is held to docs/openapi.json.
  assertMatchesOpenApi({ method, path, status: response.status, header: (name) => response.headers.get(name), text });
  return { status: response.status, headers: response.headers, text, body };
}
