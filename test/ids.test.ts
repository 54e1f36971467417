import { UUID_PATTERN, prefixedId, uuidv7 } from '../src/lib/ids';

describe('ids', () => {
  it('are UUIDv7, unique and strictly increasing within one process, across many refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    for (const id of ids) {
      expect(id).toMatch(UUID_PATTERN);
      expect(id[14]).toBe('7'); // version
      expect('89ab').toContain(id[19]); // RFC 9562 variant
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carry random bits that differ between ids made in the same millisecond', () => {
    const now = Date.now() + 60_000;
    const [a, b] = [uuidv7(now), uuidv7(now)];
    // The last 62 bits are random: two ids of one millisecond share them only by a 2^-62 chance.
    expect(a.slice(24)).not.toBe(b.slice(24));
  });

  it('prefixed ids keep their type prefix and 32 hex digits', () => {
    expect(prefixedId('rc')).toMatch(/^rc_[0-9a-f]{32}$/);
  });
});
