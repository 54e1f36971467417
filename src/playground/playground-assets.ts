import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { acceptsGzip, matchesEtag } from './content-negotiation';
import { playgroundBootScript } from './playground-boot-script';
import { PLAYGROUND_CSS } from './playground-styles';

/**
 * The playground's static files: the browser bundles come from npm packages (graphiql@3 UMD build +
 * React 18 UMD builds), located with `require.resolve`; GraphiQL's CSS inlines its fonts as `data:`
 * URLs, so nothing is fetched from a CDN. The page's own script and styles are generated and served
 * as files too, so the page needs no inline script. Each file is read on first use and kept in memory.
 */

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

interface PlaygroundAsset {
  name: string;
  contentType: string;
  body: Buffer;
  /** Content hash: the `?v=` of the page's links and the ETag. */
  version: string;
  gzipped?: Buffer;
}

/** A file of an installed package; `package.json` is resolved because these packages' `exports` hide their UMD files. */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** Drops a trailing `sourceMappingURL` comment: the maps are not served, so a browser's devtools would only ask for a 404. */
function withoutSourceMap(text: string): string {
  return text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/\n?\/\*# sourceMappingURL=\S+ \*\/\s*$/, '\n');
}

interface AssetSpec {
  contentType: string;
  load(): string;
}

/** The allow-list: exactly these files are served, nothing else under the prefix. */
const ASSET_SPECS: Readonly<Record<string, AssetSpec>> = {
  'react.production.min.js': { contentType: JS, load: () => readFileSync(packageFile('react', 'umd/react.production.min.js'), 'utf8') },
  'react-dom.production.min.js': {
    contentType: JS,
    load: () => readFileSync(packageFile('react-dom', 'umd/react-dom.production.min.js'), 'utf8'),
  },
  'graphiql.min.js': { contentType: JS, load: () => withoutSourceMap(readFileSync(packageFile('graphiql', 'graphiql.min.js'), 'utf8')) },
  'graphiql.min.css': { contentType: CSS, load: () => withoutSourceMap(readFileSync(packageFile('graphiql', 'graphiql.min.css'), 'utf8')) },
  'playground.css': { contentType: CSS, load: () => PLAYGROUND_CSS },
  'boot.js': { contentType: JS, load: playgroundBootScript },
};

export const PLAYGROUND_ASSET_NAMES: readonly string[] = Object.keys(ASSET_SPECS);

const loaded = new Map<string, PlaygroundAsset>();

/**
 * One asset, read on its first use and then kept (all six are about 2.4 MB). Nothing is read at
 * startup: a server whose playground nobody opens (production, where introspection is off) never
 * holds the bundles.
 */
function asset(name: string): PlaygroundAsset | undefined {
  let found = loaded.get(name);
  if (!found && Object.prototype.hasOwnProperty.call(ASSET_SPECS, name)) {
    const spec = ASSET_SPECS[name];
    const body = Buffer.from(spec.load(), 'utf8');
    found = { name, contentType: spec.contentType, body, version: createHash('sha256').update(body).digest('hex').slice(0, 16) };
    loaded.set(name, found);
  }
  return found;
}

/** Where an asset is served: `name` under `assetsPrefix` (trailing slashes of the prefix dropped). */
export function assetPath(assetsPrefix: string, name: string): string {
  return `${assetsPrefix.replace(/\/+$/, '')}/${name}`;
}

/** An asset's link in the page: its path with its content hash, so it can be cached for good. */
export function assetUrl(assetsPrefix: string, name: string): string {
  const found = asset(name);
  if (!found) throw new Error(`not a playground asset: ${name}`);
  return `${assetPath(assetsPrefix, name)}?v=${found.version}`;
}

/**
 * Sends one allow-listed asset: `Cache-Control: immutable` (the page links it with a content hash),
 * gzip when the client takes it, and 304 on a matching `If-None-Match`.
 */
export function sendAsset(request: FastifyRequest, reply: FastifyReply, name: string): FastifyReply {
  const file = asset(name)!;
  const etag = `"${file.version}"`;
  void reply
    .header('content-type', file.contentType)
    .header('cache-control', 'public, max-age=31536000, immutable')
    .header('etag', etag)
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
  if (acceptsGzip(request.headers['accept-encoding'])) {
    file.gzipped ??= gzipSync(file.body);
    return reply.header('content-encoding', 'gzip').send(file.gzipped);
  }
  return reply.send(file.body);
}
