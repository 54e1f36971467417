import type { DataSource } from 'typeorm';
import { isRetryableTransactionError } from '../../db/transaction';
import { RateLimitStore } from './rate-limit.store';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

export interface RateLimitOptions {
  /**
   * The most hits of one caller a process holds without writing them to the database (M). Every
   * process may admit at most this many hits the others have not seen yet, so N processes admit
   * at most `limit + (N - 1) * M` requests of one caller in one window (docs/decisions.md).
   */
  batch?: number;
  /** How often local hits are written back even when the batch is not full, in milliseconds. */
  flushMs?: number;
}

/** One caller's count in one window, as this process knows it. */
interface Counter {
  principal: string;
  windowStart: number;
  /** The window's count in the database when this process last wrote to it (every process's hits). */
  shared: number;
  /** Whether `shared` was read in this window at all. */
  read: boolean;
  /** Hits taken here and not yet written. */
  pending: number;
  /** Hits taken here so far (a sequence number) and the last one a finished write covers. */
  taken: number;
  written: number;
  flushing: Promise<Written | null> | null;
}

/** A finished write: the window's total after it, and the last local hit it covers. */
interface Written {
  total: number;
  upTo: number;
}

/**
 * A fixed one-minute window per caller, shared by every server process through
 * `rate_limit_windows`, without a database write per request: each process counts hits locally and
 * adds them to the shared row in batches, one upsert that also reads back the total of all
 * processes (LAST_INSERT_ID(expr), the same on MySQL and MariaDB). A decision is taken against the
 * shared total last read plus the local hits. A process writes at once (and waits) on its first hit
 * of a window, when `batch` of its hits are not yet covered by a finished write, and in the last
 * `batch` hits before the limit, where decisions are therefore exact as seen from this process.
 * Otherwise half a batch is written in the background (the request does not wait), and a timer
 * writes every `flushMs`. Once the shared total alone is past the limit, refusals are local too.
 */
export class RateLimitService {
  private readonly counters = new Map<string, Counter>();
  private readonly batch: number;
  private readonly flushMs: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The newest window seen: a new one schedules a sweep that forgets the counters of ended windows. */
  private newestWindow = 0;

  private readonly store: RateLimitStore;

  constructor(
    dataSource: DataSource,
    private readonly perMinute: number | null,
    options: RateLimitOptions = {},
  ) {
    this.store = new RateLimitStore(dataSource);
    this.batch = Math.max(1, options.batch ?? 20);
    this.flushMs = Math.max(10, options.flushMs ?? 250);
  }

  async hit(principal: string, now = Date.now()): Promise<RateLimitDecision> {
    const windowStart = Math.floor(now / 60_000) * 60_000;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000));
    const limit = this.perMinute;
    if (limit === null) return { allowed: true, limit: Infinity, remaining: Infinity, retryAfterSeconds };

    if (windowStart > this.newestWindow) {
      if (this.newestWindow !== 0) this.schedule();
      this.newestWindow = windowStart;
    }
    const key = `${windowStart}|${principal}`;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = { principal, windowStart, shared: 0, read: false, pending: 0, taken: 0, written: 0, flushing: null };
      this.counters.set(key, counter);
    }
    counter.pending += 1;
    counter.taken += 1;
    const mine = counter.taken;
    const refusedAlready = counter.read && counter.shared >= limit;
    // Hits taken here that no finished write covers yet (pending, or in a write still in flight):
    // never `batch` or more (the bound).
    const unconfirmed = counter.taken - counter.written;
    const mustWrite = !counter.read || unconfirmed >= this.batch || counter.shared + unconfirmed > limit - this.batch;
    if (!refusedAlready && (mustWrite || this.closed)) {
      // The write that covers this hit tells its place among every process's hits of the window:
      // its hits are the last ones of the total it reads back. Exact, even when one write carries
      // several concurrent requests of this process across the limit.
      let place: number | null = null;
      while (counter.written < mine) {
        const written = await this.flush(counter);
        if (written !== null && written.upTo >= mine) place = written.total - (written.upTo - mine);
      }
      if (place !== null) return { allowed: place <= limit, limit, remaining: Math.max(0, limit - place), retryAfterSeconds };
    } else if (!refusedAlready && counter.pending >= Math.ceil(this.batch / 2) && counter.flushing === null) {
      // Half a batch waiting: write it now, without making this request wait for the write, so
      // the batch is written before it fills and no request pays for the round trip (a failed
      // write keeps its hits pending for the next one).
      void this.flush(counter).catch(() => this.schedule());
    } else {
      this.schedule();
    }
    const count = counter.shared + counter.taken - counter.written;
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), retryAfterSeconds };
  }

  /** Writes a counter's pending hits in one upsert and reads back the window's total; one write at a time per counter. */
  private async flush(counter: Counter): Promise<Written | null> {
    if (counter.flushing) return counter.flushing;
    const run = async () => {
      const hits = counter.pending;
      const upTo = counter.taken;
      if (hits === 0) return null;
      counter.pending -= hits;
      try {
        const result = await this.upsert(counter, hits);
        // A fresh row (affectedRows 1) holds our hits; an update (affectedRows 2) reports the new total.
        counter.shared = result.affectedRows === 1 ? hits : Number(result.insertId ?? hits);
        counter.read = true;
        counter.written = upTo;
        return { total: counter.shared, upTo };
      } catch (error) {
        counter.pending += hits; // written next time: no hit is lost to a failed write
        throw error;
      }
    };
    counter.flushing = run().finally(() => {
      counter.flushing = null;
    });
    return counter.flushing;
  }

  /**
   * One autocommit upsert. Two processes adding to one row on different Galera nodes can lose
   * certification (1213): nothing was written, so it runs again, a few times with jitter.
   */
  private async upsert(counter: Counter, hits: number): Promise<{ insertId?: number; affectedRows?: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.add(counter.principal, counter.windowStart, hits);
      } catch (error) {
        if (attempt >= 4 || !isRetryableTransactionError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
      }
    }
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushAll().catch(() => undefined);
    }, this.flushMs);
    this.timer.unref();
  }

  /** Writes every pending hit, and forgets the counters of windows that have ended. */
  async flushAll(now = Date.now()): Promise<void> {
    const current = Math.floor(now / 60_000) * 60_000;
    const failures: unknown[] = [];
    for (const [key, counter] of this.counters) {
      try {
        while (counter.pending > 0) await this.flush(counter);
      } catch (error) {
        failures.push(error);
        continue;
      }
      if (counter.windowStart < current && counter.pending === 0 && counter.flushing === null) this.counters.delete(key);
    }
    if ([...this.counters.values()].some((c) => c.pending > 0)) this.schedule();
    if (failures.length > 0) throw failures[0];
  }

  /** On shutdown: no more timers, every counted hit written. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushAll();
  }

  async purgeOld(now = Date.now()): Promise<void> {
    await this.store.purgeBefore(new Date(now - 3600_000));
  }
}
