/**
 * Builds the dashboard (dashboard/src, React + TSX) into dist/dashboard with esbuild, only when its
 * sources changed: a SHA-256 over every source file, the generated documents, the typed client it
 * imports and the versions of esbuild and React is kept in dist/dashboard/stamp.json, and a start
 * whose stamp matches does nothing but hash (a few milliseconds). The result is swapped in with a
 * rename, so a server (or a parallel test) never reads a half-written folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root, from src/ (ts-jest) or dist/src/ (npm start) alike. */
export const ROOT = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');
export const DASHBOARD_SOURCE = path.join(ROOT, 'dashboard');
export const DASHBOARD_OUT = path.join(ROOT, 'dist', 'dashboard');
/** Where the built files are served from (the page links them under it). */
export const ASSETS_PATH = '/dashboard/assets';

export interface Stamp {
  hash: string;
  /** The entry script and stylesheet, by their content-hashed names under assets/. */
  script: string;
  style: string | null;
  builtAt: string;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`, { paths: [ROOT] }), 'utf8')) as { version: string }).version;
  } catch {
    return 'absent';
  }
}

/** What the bundle is made from: if none of it changed, the bundle has not either. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...filesUnder(path.join(DASHBOARD_SOURCE, 'src')),
    path.join(DASHBOARD_SOURCE, 'tsconfig.json'),
    path.join(ROOT, 'client', 'src', 'client.ts'),
  ].sort();
  for (const file of inputs) {
    hash.update(path.relative(ROOT, file)).update('\0');
    hash.update(existsSync(file) ? readFileSync(file) : Buffer.alloc(0)).update('\0');
  }
  for (const name of ['esbuild', 'react', 'react-dom', 'graphql']) hash.update(`${name}@${packageVersion(name)}\0`);
  return hash.digest('hex');
}

export function readStamp(dir = DASHBOARD_OUT): Stamp | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'stamp.json'), 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

/** The page: no inline script (the CSP says script-src 'self'), every URL on this server. */
export function indexHtml(stamp: Pick<Stamp, 'script' | 'style'>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>repolink</title>
<link rel="icon" href="data:,">
${stamp.style ? `<link rel="stylesheet" href="${ASSETS_PATH}/${stamp.style}">\n` : ''}<script type="module" src="${ASSETS_PATH}/${stamp.script}"></script>
</head>
<body>
<div id="root"><noscript>The repolink dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;
}

export type BuildOutcome = { built: true; ms: number; stamp: Stamp } | { built: false; stamp: Stamp | null; reason: 'up-to-date' | 'no-esbuild' | 'no-source' };

/**
 * Builds unless the stamp in dist/dashboard matches the sources. Without esbuild (an install that
 * omitted dev dependencies) an existing build is kept and served as it is.
 */
export async function ensureDashboardBuilt(options: { force?: boolean; outDir?: string } = {}): Promise<BuildOutcome> {
  const outDir = options.outDir ?? DASHBOARD_OUT;
  if (!existsSync(path.join(DASHBOARD_SOURCE, 'src', 'main.tsx'))) return { built: false, stamp: readStamp(outDir), reason: 'no-source' };
  const hash = sourceHash();
  const current = readStamp(outDir);
  if (!options.force && current?.hash === hash && existsSync(path.join(outDir, 'index.html'))) return { built: false, stamp: current, reason: 'up-to-date' };

  let esbuild: typeof import('esbuild');
  try {
    // Loaded only to build: a warm start never loads it.
    esbuild = require('esbuild') as typeof import('esbuild');
  } catch {
    return { built: false, stamp: current, reason: 'no-esbuild' };
  }
  const started = Date.now();
  const staging = `${outDir}.staging-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(path.join(staging, 'assets'), { recursive: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [path.join(DASHBOARD_SOURCE, 'src', 'main.tsx')],
      tsconfig: path.join(DASHBOARD_SOURCE, 'tsconfig.json'),
      outdir: path.join(staging, 'assets'),
      entryNames: '[name]-[hash]',
      bundle: true,
      minify: true,
      format: 'esm',
      target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'eof',
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
    const script = outputs.find((f) => f.endsWith('.js'));
    if (!script) throw new Error('esbuild wrote no script');
    const stamp: Stamp = { hash, script, style: outputs.find((f) => f.endsWith('.css')) ?? null, builtAt: new Date().toISOString() };
    writeFileSync(path.join(staging, 'index.html'), indexHtml(stamp));
    writeFileSync(path.join(staging, 'stamp.json'), `${JSON.stringify(stamp, null, 2)}\n`);
    swapIn(staging, outDir);
    return { built: true, ms: Date.now() - started, stamp: readStamp(outDir) ?? stamp };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Replaces outDir with staging by renames; a build that lost a race to an identical one keeps the winner's. */
function swapIn(staging: string, outDir: string): void {
  const old = `${outDir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(staging, outDir);
  } catch (error) {
    // Another process put its build there between our two renames: keep it.
    if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw error;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}
