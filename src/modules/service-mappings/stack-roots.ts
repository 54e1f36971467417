import { UserErrorCode, userError, type UserError } from '../../errors';
import { isValidPathPrefix } from '../../lib/validation';

/**
 * Code mappings after Sentry's: a frame whose path starts with `stackRoot` is the file at
 * `sourceRoot` + the rest of the path in the repository. A stack root may hold globs: `*` inside a
 * segment, `**` as a whole segment for any number of segments (`/app/**\/src/`).
 */
export interface StackRoot {
  stackRoot: string;
  sourceRoot: string;
}

export const MAX_STACK_ROOTS = 20;

/**
 * Segments of a stack root; the trailing "/" only says it is a directory, so it is dropped. Roots
 * are read as frame paths are (`webpack:///./` is `webpack:/`), so matching, specificity and ties agree.
 */
function segments(root: string): string[] {
  if (root === '') return [];
  const parts = normalizeFramePath(root).split('/');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const isGlob = (segment: string) => segment.includes('*');

/** How specific a root is: literal segments first, then literal characters. More wins. */
export function specificity(root: string): [number, number] {
  const parts = segments(root);
  return [parts.filter((p) => !isGlob(p)).length, parts.reduce((n, p) => n + p.replace(/\*/g, '').length, 0)];
}

const compare = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

function segmentMatches(pattern: string, segment: string): boolean {
  if (!isGlob(pattern)) return pattern === segment;
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return regex.test(segment);
}

/** The number of path segments a root consumes as a prefix of the path, or null. Longest match for `**`. */
function matchPrefix(root: string[], path: string[]): number | null {
  let best: number | null = null;
  const walk = (i: number, j: number) => {
    if (i === root.length) {
      if (j < path.length && (best === null || j > best)) best = j; // something must remain: the file
      return;
    }
    if (root[i] === '**') {
      for (let k = j; k <= path.length; k++) walk(i + 1, k);
      return;
    }
    if (j < path.length && segmentMatches(root[i], path[j])) walk(i + 1, j + 1);
  };
  walk(0, 0);
  return best;
}

/** Whether two segment globs (only `*`) can match one same string. */
function segmentsOverlap(p: string, q: string): boolean {
  const memo = new Map<string, boolean>();
  const f = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (memo.has(key)) return memo.get(key)!;
    let result = false;
    if (i === p.length && j === q.length) result = true;
    if (!result && i < p.length && p[i] === '*') result = f(i + 1, j) || (j < q.length && f(i, j + 1));
    if (!result && j < q.length && q[j] === '*') result = f(i, j + 1) || (i < p.length && f(i + 1, j));
    if (!result && i < p.length && j < q.length && p[i] !== '*' && q[j] !== '*') result = p[i] === q[j] && f(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return f(0, 0);
}

/** Whether some frame path could start with both roots (a product of the two patterns over segments). */
export function rootsOverlap(a: string, b: string): boolean {
  const x = segments(a);
  const y = segments(b);
  const seen = new Set<string>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === x.length || j === y.length) return true; // one is a prefix match; the path can go on to satisfy the other
    if (x[i] === '**') stack.push([i + 1, j]);
    if (y[j] === '**') stack.push([i, j + 1]);
    const compatible = x[i] === '**' || y[j] === '**' || segmentsOverlap(x[i], y[j]);
    if (compatible) stack.push([x[i] === '**' ? i : i + 1, y[j] === '**' ? j : j + 1]);
  }
  return false;
}

const joinPath = (...parts: string[]) => parts.filter((p) => p !== '').map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, ''))).join('/');

export interface StackRootMatch {
  root: StackRoot | null;
  /** Path of the file inside the repository. */
  path: string;
  reason: string;
}

/**
 * A frame path as the roots see it: Windows separators (`C:\\app\\src\\x.cs`) become `/`, and `.`
 * segments and doubled separators (`/app/./src//x.py`, `./src/x.py`) are dropped, as the file
 * system reads them. Stack roots are written with `/` only.
 */
export function normalizeFramePath(framePath: string): string {
  const parts = framePath.replace(/\\/g, '/').split('/');
  const out: string[] = [];
  parts.forEach((p, i) => {
    if (p === '.' || (p === '' && i !== 0 && i !== parts.length - 1)) return;
    // `a/../b` is `b`; a `..` with nothing before it to climb out of stays (and is refused later).
    if (p === '..' && out.length > 0 && out[out.length - 1] !== '..' && !(out.length === 1 && out[0] === '')) out.pop();
    else out.push(p);
  });
  return out.join('/');
}

/**
 * The file a frame path points at. The most specific matching root wins (ties cannot exist: they
 * are refused when the roots are written). Without roots, the path is taken as relative to the
 * mapping's `pathPrefix`.
 */
export function resolveFramePath(rawFramePath: string, roots: readonly StackRoot[], pathPrefix: string): StackRootMatch | { root: null; path: null; reason: string } {
  const framePath = normalizeFramePath(rawFramePath);
  const pathSegments = framePath.split('/');
  if (roots.length === 0) {
    const relative = framePath.replace(/^\/+/, '').replace(/^(\.\/)+/, '');
    if (relative.split('/').includes('..')) return { root: null, path: null, reason: 'The path climbs out of the repository with ".."' };
    const inRepo = pathPrefix === '' || relative === pathPrefix || relative.startsWith(`${pathPrefix.replace(/\/+$/, '')}/`) ? relative : joinPath(pathPrefix, relative);
    return { root: null, path: inRepo, reason: `The mapping has no stack roots: the path is taken as relative to its pathPrefix ${JSON.stringify(pathPrefix)}` };
  }
  const candidates = roots
    .map((root) => ({ root, consumed: matchPrefix(segments(root.stackRoot), pathSegments), score: specificity(root.stackRoot) }))
    .filter((c): c is { root: StackRoot; consumed: number; score: [number, number] } => c.consumed !== null)
    .sort((a, b) => compare(b.score, a.score));
  if (candidates.length === 0) {
    return { root: null, path: null, reason: `No stack root of the mapping matches the path (roots: ${roots.map((r) => JSON.stringify(r.stackRoot)).join(', ')})` };
  }
  const best = candidates[0];
  const rest = pathSegments.slice(best.consumed).join('/');
  if (rest.split('/').includes('..')) return { root: null, path: null, reason: `The path climbs out of stack root ${JSON.stringify(best.root.stackRoot)} with ".."` };
  const others = candidates.length - 1;
  return {
    root: best.root,
    path: joinPath(best.root.sourceRoot, rest),
    reason:
      `Stack root ${JSON.stringify(best.root.stackRoot)} matched (${best.score[0]} literal segments, ${best.score[1]} literal characters)` +
      (others > 0 ? ` and is more specific than the ${others} other matching root${others > 1 ? 's' : ''}` : '') +
      `; it maps to source root ${JSON.stringify(best.root.sourceRoot)}`,
  };
}

/** The write-time rules of a mapping's stack roots, ties included, as user errors under `stackRoots`. */
export function checkStackRoots(roots: readonly StackRoot[], field = 'stackRoots'): UserError[] {
  const errors: UserError[] = [];
  const bad = (path: (string | number)[], message: string) => errors.push(userError(UserErrorCode.BAD_USER_INPUT, [field, ...path], message));
  if (roots.length > MAX_STACK_ROOTS) {
    bad([], `A mapping has at most ${MAX_STACK_ROOTS} stack roots`);
    return errors;
  }
  roots.forEach((r, i) => {
    if (r.stackRoot.length > 512 || /[\x00-\x1f\\]/.test(r.stackRoot)) bad([i, 'stackRoot'], 'stackRoot must be at most 512 characters, without control characters or backslashes (write Windows roots with "/", as in C:/app/: frame paths are matched with their "\\" read as "/")');
    else if (segments(r.stackRoot).some((s) => s.includes('**') && s !== '**')) bad([i, 'stackRoot'], '"**" must be a whole segment (as in /app/**/src/)');
    if (r.sourceRoot.length > 1024 || !isValidPathPrefix(r.sourceRoot)) bad([i, 'sourceRoot'], 'sourceRoot must be relative to the repository root ("" is the root) with no ".." segment');
  });
  if (errors.length > 0) return errors;
  for (let j = 1; j < roots.length; j++) {
    for (let i = 0; i < j; i++) {
      const same = compare(specificity(roots[i].stackRoot), specificity(roots[j].stackRoot)) === 0;
      if (same && rootsOverlap(roots[i].stackRoot, roots[j].stackRoot)) {
        bad(
          [j, 'stackRoot'],
          `stackRoots[${j}] (${JSON.stringify(roots[j].stackRoot)}) and stackRoots[${i}] (${JSON.stringify(roots[i].stackRoot)}) can match the same path and are equally specific, so neither would win; make one more specific or remove one`,
        );
      }
    }
  }
  return errors;
}
