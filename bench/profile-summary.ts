/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, as `BENCH_PROFILE=<folder> npm run bench` writes
 * them): where the process spent its time while it served requests, by function (self time) and by
 * package, in ms and, given the number of requests served, in µs per request.
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile> [--requests N] [--top 40] [--from <function name>]
 *
 * Samples before the first one whose stack holds `--from` (default: `executeHTTPGraphQLRequest`, the
 * first GraphQL request; the shim's requests enter the same way) are left out, so the server's start
 * does not count; idle samples are counted apart.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from: a package of node_modules, the project's own code, Node itself, or V8's pseudo-frames. */
export function origin(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node';
  const own = /\/dist\/(src|bench)\/(.*)\.js$/.exec(url);
  if (own) return `${own[1]}/${own[2].split('/').slice(0, own[1] === 'src' && own[2].startsWith('modules/') ? 2 : 1).join('/')}`;
  return url;
}

export interface Summary {
  /** ms of samples in the window, idle excluded. */
  busyMs: number;
  idleMs: number;
  byFunction: { name: string; origin: string; ms: number }[];
  byOrigin: { origin: string; ms: number }[];
}

export function summarise(profile: CpuProfile, from = 'executeHTTPGraphQLRequest'): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hasFrame = new Map<number, boolean>();
  const holds = (id: number): boolean => {
    const known = hasFrame.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const p = parent.get(id);
    const result = node.callFrame.functionName === from || (p !== undefined && holds(p));
    hasFrame.set(id, result);
    return result;
  };
  let started = false;
  let idleMs = 0;
  const fn = new Map<string, { name: string; origin: string; ms: number }>();
  const org = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    // A sample's time is the delta to the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!started) {
      if (!holds(id)) continue;
      started = true;
    }
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const o = origin(frame);
    const key = `${frame.functionName || '(anonymous)'} ${frame.url}:${frame.lineNumber + 1}`;
    const entry = fn.get(key) ?? { name: `${frame.functionName || '(anonymous)'} (${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${frame.lineNumber + 1})`, origin: o, ms: 0 };
    entry.ms += ms;
    fn.set(key, entry);
    org.set(o, (org.get(o) ?? 0) + ms);
  }
  const busyMs = [...org.values()].reduce((s, x) => s + x, 0);
  return {
    busyMs,
    idleMs,
    byFunction: [...fn.values()].sort((a, b) => b.ms - a.ms),
    byOrigin: [...org.entries()].map(([origin, ms]) => ({ origin, ms })).sort((a, b) => b.ms - a.ms),
  };
}

if (require.main === module) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { requests: { type: 'string' }, top: { type: 'string', default: '40' }, from: { type: 'string' } } });
  if (positionals.length !== 1) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [--requests N] [--top 40] [--from <function name>]\n');
    process.exit(2);
  }
  const s = summarise(JSON.parse(fs.readFileSync(positionals[0], 'utf8')) as CpuProfile, values.from);
  const requests = values.requests ? Number(values.requests) : null;
  const per = (ms: number) => (requests ? `${((ms * 1000) / requests).toFixed(0).padStart(6)} µs/req` : '');
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)}%`;
  process.stdout.write(`busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms${requests ? `, ${requests} requests: ${((s.busyMs * 1000) / requests).toFixed(0)} µs busy per request` : ''}\n\nby origin:\n`);
  for (const o of s.byOrigin.slice(0, 25)) process.stdout.write(`${pct(o.ms)} ${o.ms.toFixed(0).padStart(7)} ms ${per(o.ms)}  ${o.origin}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const f of s.byFunction.slice(0, Number(values.top))) process.stdout.write(`${pct(f.ms)} ${f.ms.toFixed(0).padStart(7)} ms ${per(f.ms)}  ${f.name}  [${f.origin}]\n`);
}
