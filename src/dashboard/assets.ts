/**
 * The built dashboard (dist/dashboard, made by ./build.ts), read from disk on first use and kept in
 * memory: a server whose dashboard nobody opens never reads it. Built files have content-hashed
 * names, so each is served with `Cache-Control: immutable`; the page itself is `no-cache`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DASHBOARD_OUT, readStamp } from './build';

export interface DashboardFile {
  body: Buffer;
  contentType: string;
  etag: string;
  gzipped?: Buffer;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
/** Only names esbuild writes (`main-ABC123.js`): nothing a request names reaches another path. */
const ASSET_NAME = /^[A-Za-z0-9_-]{1,80}\.(?:js|css)$/;

export class DashboardAssets {
  private page: DashboardFile | null = null;
  private readonly files = new Map<string, DashboardFile>();

  constructor(private readonly dir = DASHBOARD_OUT) {}

  /** The page, or null when the dashboard has not been built. */
  index(): DashboardFile | null {
    if (this.page) return this.page;
    const stamp = readStamp(this.dir);
    if (!stamp) return null;
    try {
      const body = readFileSync(path.join(this.dir, 'index.html'));
      this.page = { body, contentType: 'text/html; charset=utf-8', etag: `"${stamp.hash.slice(0, 16)}"` };
    } catch {
      return null;
    }
    return this.page;
  }

  asset(name: string): DashboardFile | null {
    const known = this.files.get(name);
    if (known) return known;
    if (!ASSET_NAME.test(name)) return null;
    let body: Buffer;
    try {
      body = readFileSync(path.join(this.dir, 'assets', name));
    } catch {
      return null;
    }
    const file = { body, contentType: TYPES[path.extname(name)], etag: `"${name}"` };
    this.files.set(name, file);
    return file;
  }
}

export function gzipped(file: DashboardFile): Buffer {
  file.gzipped ??= gzipSync(file.body);
  return file.gzipped;
}

export function acceptsGzip(header: unknown): boolean {
  const value = Array.isArray(header) ? header.join(',') : typeof header === 'string' ? header : '';
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}
