import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48-bit unix milliseconds, then random bits. Ids are made in the application so
 * an INSERT never needs a reload SELECT, and time-ordered so InnoDB appends to the primary key.
 * Within one millisecond a counter in the random field keeps ids of one process strictly increasing.
 */
let lastMs = 0;
let counter = 0;

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time, not 16 at a time: one call to the
 * generator per 256 ids instead of one per id (connectRepos makes 16 ids; the per-call cost showed
 * in its CPU profile). Each id still gets 16 fresh bytes that no other id sees.
 */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function random16(): Buffer {
  if (poolAt + 16 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const bytes = Buffer.from(POOL.subarray(poolAt, poolAt + 16));
  poolAt += 16;
  return bytes;
}

export function uuidv7(now: number = Date.now()): string {
  const bytes = random16();
  if (now <= lastMs) {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    counter = bytes.readUInt16BE(6) & 0x7ff;
  }
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A time-ordered id with a type prefix, e.g. `rc_01936d2f8c4e7890b123456789abcdef`. */
export function prefixedId(prefix: 'rc' | 'sm' | 'key' | 'ses'): string {
  return `${prefix}_${uuidv7().replace(/-/g, '')}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
