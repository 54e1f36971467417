import cluster from 'node:cluster';
import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before the
 * next one starts: the limit becomes live × (1 + percent / 100), plus V8's own minimum step and the
 * young generation's size.
 *
 * Left to itself, V8 picks a factor of up to 4 (from how fast objects are promoted against how fast
 * it marks). Our requests promote their short-lived rows and result trees (they wait for the
 * database across young collections), so the old generation filled with dead objects: with about
 * 45 MB live it grew to about 180 MB before a full collection, and the process peaked at 265–316 MB
 * resident under the benchmark. At 2× it peaks near 200 MB; the extra full collections cost about
 * 1.5% of the CPU per request (docs/decisions.md, "Memory").
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The same factor on Node 24 and later: 1.5×. Node 24 carries ~40 MB more than Node 20 before the
 * old generation is counted (its binary's resident code ~10 MB, V8 13.6's trusted space ~6 MB, a
 * heavier runtime: the bare baseline server of the bench peaks 30–120 MB higher on 24 than on 20),
 * so at 2× the bench's sustained load took it to 261–280 MB. At 1.5× it peaked at 227 MB on the
 * same fixed load, for a few more full collections (docs/decisions.md, "Node 24's memory").
 */
export const HEAP_GROWING_PERCENT_NODE_24 = 50;

/** The growing factor for this runtime (by its major version): Node 24's is tighter. */
export function heapGrowingPercent(nodeVersion = process.versions.node): number {
  return Number(nodeVersion.split('.')[0]) >= 24 ? HEAP_GROWING_PERCENT_NODE_24 : HEAP_GROWING_PERCENT;
}

/**
 * The largest semi-space of V8's young generation, in MB (the young generation holds two, plus
 * their pages in use). Node 20 (V8 11.3) grows it to 16 MB by itself; Node 24 (V8 13.6, built
 * without pointer compression) to 64 MB, which added up to ~100 MB of resident memory under the
 * bench (a young generation of 128 MB against 32) and took the process past 250 MB. 16 MB is
 * Node 20's young generation on either runtime (docs/decisions.md, "Node 24").
 */
export const MAX_SEMI_SPACE_MB = 16;

const OWN_GROWTH = /--heap[-_]growing[-_]percent/;
/** An operator who sizes the young generation or the whole heap sizes it: theirs stands. */
const OWN_YOUNG = /--(max[-_]semi[-_]space[-_]size|max[-_]heap[-_]size|semi[-_]space[-_]growth[-_]factor)/;

const givenFlags = () => [...process.execArgv, process.env.NODE_OPTIONS ?? ''];

/**
 * Sets V8's heap growing factor for this process, unless the operator already chose one
 * (`NODE_OPTIONS=--heap-growing-percent=…` or the same flag on the command line): then theirs stands.
 * V8 reads the flag at each full collection, so setting it at run time takes effect from the next one.
 * Returns the percent in force, or null when the operator's own flag is kept.
 */
export function boundHeapGrowth(percent = heapGrowingPercent(), given = givenFlags()): number | null {
  if (given.some((arg) => OWN_GROWTH.test(arg))) return null;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

/**
 * The `node` flags that bound the young generation, unless the operator gave their own. Unlike the
 * growing factor, V8 sizes the young generation once, when the heap is set up: the flag must be on
 * the command line (`v8.setFlagsFromString` afterwards changes nothing; measured on Node 24).
 */
export function youngGenerationFlags(given = givenFlags()): string[] {
  return given.some((arg) => OWN_YOUNG.test(arg)) ? [] : [`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`];
}

export interface Restart {
  /** `process.execve`, absent before Node 22.15. */
  execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => void;
  isClusterWorker: boolean;
}

const processExecve = (process as { execve?: Restart['execve'] }).execve?.bind(process);

/**
 * Bounds the young generation of this process by starting it again in place with the flag:
 * `process.execve` (Node 22.15+, so Node 24) replaces the program and keeps the process id, its
 * standard streams and its environment, so `npm start`, a container's `node dist/src/main.js` and
 * a supervisor's signals still see one process. Call it first thing, before the server's modules
 * load (a restart costs one start of `node`, ~40 ms). Nothing happens when the operator sized the
 * heap themselves, on Node 20 (no execve; its young generation is 16 MB already), or in a cluster
 * worker (replacing the program would cut the worker's IPC channel to its primary; a primary
 * passes the flags with `cluster.setupPrimary({ execArgv })`). On a restart it does not return.
 */
export function boundYoungGeneration(restart: Restart = { execve: processExecve, isClusterWorker: cluster.isWorker }): 'restarted' | 'operator' | 'unsupported' | 'cluster worker' {
  const flags = youngGenerationFlags();
  if (flags.length === 0) return 'operator';
  if (typeof restart.execve !== 'function') return 'unsupported';
  if (restart.isClusterWorker) return 'cluster worker';
  restart.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], process.env);
  return 'restarted';
}
