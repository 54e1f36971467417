import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { HEAP_GROWING_PERCENT, HEAP_GROWING_PERCENT_NODE_24, MAX_SEMI_SPACE_MB, boundHeapGrowth, boundYoungGeneration, heapGrowingPercent, youngGenerationFlags } from '../src/boot/heap';
import { ROOT, buildDist } from './support/build';

describe('the heap growth bound set at startup', () => {
  it('keeps the operator’s own --heap-growing-percent from NODE_OPTIONS or the command line', () => {
    expect(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--heap-growing-percent=300'])).toBeNull();
    expect(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--max-old-space-size=512 --heap_growing_percent=20'])).toBeNull();
  });

  it('sets the project’s bound when the operator chose none', () => {
    expect(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--enable-source-maps', ''])).toBe(HEAP_GROWING_PERCENT);
  });

  it('lets the old generation grow to 2× what is live on Node 20 and 22, 1.5× from Node 24 on (a heavier runtime under the same 250 MB)', () => {
    expect(HEAP_GROWING_PERCENT_NODE_24).toBeLessThan(HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent('20.19.0')).toBe(HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent('22.15.1')).toBe(HEAP_GROWING_PERCENT);
    expect(heapGrowingPercent('24.22.3')).toBe(HEAP_GROWING_PERCENT_NODE_24);
    expect(heapGrowingPercent('26.0.0')).toBe(HEAP_GROWING_PERCENT_NODE_24);
    expect(boundHeapGrowth(undefined, [''])).toBe(heapGrowingPercent(process.versions.node));
  });
});

describe('the young generation bound (V8 sizes it at startup: Node 24 would grow it to 128 MB)', () => {
  it('asks for Node 20’s 16 MB semi-spaces unless the operator sized the young generation or the heap', () => {
    expect(youngGenerationFlags(['--enable-source-maps', ''])).toEqual([`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`]);
    expect(youngGenerationFlags(['', '--max-semi-space-size=64'])).toEqual([]);
    expect(youngGenerationFlags(['--max_heap_size=400'])).toEqual([]);
  });

  it('restarts the program in place with the flag where the runtime can, and never in a cluster worker', () => {
    const calls: string[][] = [];
    const execve = (file: string, args: string[]) => void calls.push([file, ...args]);
    expect(boundYoungGeneration({ execve: undefined, isClusterWorker: false })).toBe('unsupported');
    expect(boundYoungGeneration({ execve, isClusterWorker: true })).toBe('cluster worker');
    expect(calls).toEqual([]);
    expect(boundYoungGeneration({ execve, isClusterWorker: false })).toBe('restarted');
    expect(calls).toEqual([[process.execPath, process.execPath, `--max-semi-space-size=${MAX_SEMI_SPACE_MB}`, ...process.execArgv, ...process.argv.slice(1)]]);
  });

  it('runs on as the same process (same pid) bounded to 16 MB where the runtime has process.execve, and leaves Node 20 as it is', () => {
    buildDist();
    const heap = path.join(ROOT, 'dist', 'src', 'boot', 'heap.js');
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        // The first program notes its pid in the environment, which a restart keeps.
        `process.env.FIRST_PID ??= String(process.pid); require(${JSON.stringify(heap)}).boundYoungGeneration(); ` +
          `console.log(JSON.stringify({ first: Number(process.env.FIRST_PID), pid: process.pid, execArgv: process.execArgv }));`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(child.stderr).toBe('');
    const seen = JSON.parse(child.stdout.trim());
    expect(seen.pid).toBe(seen.first);
    const canRestart = typeof (process as { execve?: unknown }).execve === 'function';
    expect(seen.execArgv.filter((a: string) => a.startsWith('--max-semi-space-size'))).toEqual(canRestart ? [`--max-semi-space-size=${MAX_SEMI_SPACE_MB}`] : []);
  });
});
