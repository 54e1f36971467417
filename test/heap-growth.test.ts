import { HEAP_GROWING_PERCENT, boundHeapGrowth } from '../src/boot/heap';

describe('the heap growth bound set at startup', () => {
  it('keeps the operator’s own --heap-growing-percent from NODE_OPTIONS or the command line', () => {
    expect(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--heap-growing-percent=300'])).toBeNull();
    expect(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--max-old-space-size=512 --heap_growing_percent=20'])).toBeNull();
  });

  it('sets the project’s bound when the operator chose none', () => {
    expect(boundHeapGrowth(HEAP_GROWING_PERCENT, ['--enable-source-maps', ''])).toBe(HEAP_GROWING_PERCENT);
  });
});
