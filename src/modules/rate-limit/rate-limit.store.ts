import type { DataSource } from 'typeorm';
import { runStatement } from '../../db/driver';

/**
 * The SQL of `rate_limit_windows`: one autocommit upsert per batch of hits (on the primary key
 * (principal, window_start)), and the purge through ix_rate_limit_windows_start.
 */
export class RateLimitStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds `hits` to a caller's window and reads back the window's total of every process
   * (LAST_INSERT_ID(expr), the same on MySQL and MariaDB): a fresh row (affectedRows 1) holds our
   * hits; an update (affectedRows 2) reports the new total as insertId.
   */
  async add(principal: string, windowStart: number, hits: number): Promise<{ insertId?: number; affectedRows?: number }> {
    return runStatement<{ insertId?: number; affectedRows?: number }>(
      this.dataSource.manager,
      `INSERT INTO rate_limit_windows (principal, window_start, request_count) VALUES (?, ?, ?)
           ON DUPLICATE KEY UPDATE request_count = LAST_INSERT_ID(request_count + ?)`,
      [principal, new Date(windowStart), hits, hits],
    );
  }

  /** Deletes windows that started before `before`, oldest first, in index order (never a table scan). */
  async purgeBefore(before: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM rate_limit_windows WHERE window_start < ? ORDER BY window_start LIMIT 10000', [before]);
  }
}
