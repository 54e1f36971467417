import type { DataSource } from 'typeorm';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

/**
 * A fixed one-minute window per caller, counted in the database so that every server process
 * behind a load balancer shares it. One statement per request: the upsert returns the new count
 * through LAST_INSERT_ID(expr), which works the same on MySQL and MariaDB.
 */
export class RateLimitService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly perMinute: number | null,
  ) {}

  async hit(principal: string, now = Date.now()): Promise<RateLimitDecision> {
    const windowStart = Math.floor(now / 60_000) * 60_000;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000));
    if (this.perMinute === null) return { allowed: true, limit: Infinity, remaining: Infinity, retryAfterSeconds };
    const result = (await this.dataSource.query(
      `INSERT INTO rate_limit_windows (principal, window_start, request_count) VALUES (?, ?, 1)
       ON DUPLICATE KEY UPDATE request_count = LAST_INSERT_ID(request_count + 1)`,
      [principal, new Date(windowStart)],
    )) as { insertId?: number; affectedRows?: number };
    // A fresh row (affectedRows 1) counts 1; an update (affectedRows 2) reports the new count.
    const count = result.affectedRows === 1 ? 1 : Number(result.insertId ?? 1);
    return { allowed: count <= this.perMinute, limit: this.perMinute, remaining: Math.max(0, this.perMinute - count), retryAfterSeconds };
  }

  async purgeOld(now = Date.now()): Promise<void> {
    await this.dataSource.query('DELETE FROM rate_limit_windows WHERE window_start < ? LIMIT 10000', [new Date(now - 3600_000)]);
  }
}
