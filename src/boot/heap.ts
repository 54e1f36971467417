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
 * Sets V8's heap growing factor for this process, unless the operator already chose one
 * (`NODE_OPTIONS=--heap-growing-percent=…` or the same flag on the command line): then theirs stands.
 * V8 reads the flag at each full collection, so setting it at run time takes effect from the next one.
 * Returns the percent in force, or null when the operator's own flag is kept.
 */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT, given = [...process.execArgv, process.env.NODE_OPTIONS ?? '']): number | null {
  if (given.some((arg) => /--heap[-_]growing[-_]percent/.test(arg))) return null;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
