/** The request headers the playground answers by: `Accept` (the page or an operation), `Accept-Encoding` and `If-None-Match` (its files). */

/** A header as one string (repeated headers joined by commas); '' when absent. */
export function headerValue(value: unknown): string {
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(',');
  return typeof value === 'string' ? value : '';
}

/** Whether a comma-separated list such as `Accept` or `Accept-Encoding` names `token` with q > 0. */
function listAccepts(list: string, token: string): boolean {
  return list.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name.trim() !== token) return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

/** Whether an Accept header takes text/html (a media range `text/html` with q > 0). */
export const acceptsHtml = (accept: unknown): boolean => listAccepts(headerValue(accept), 'text/html');

/** Whether an Accept-Encoding header takes gzip (with q > 0). */
export const acceptsGzip = (acceptEncoding: unknown): boolean => listAccepts(headerValue(acceptEncoding), 'gzip');

/** Whether an If-None-Match header names `etag` (weak or strong). */
export function matchesEtag(ifNoneMatch: unknown, etag: string): boolean {
  const value = headerValue(ifNoneMatch);
  return value !== '' && value.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
