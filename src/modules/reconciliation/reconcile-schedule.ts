import type { ReconcileOutcome } from '../../db/entities/code-host-account.entity';

export interface ScheduleLimits {
  minIntervalSeconds: number;
  maxIntervalSeconds: number;
}

export interface RunSummary {
  outcome: ReconcileOutcome;
  /** The interval the schedule had reached (null before the first run). */
  previousIntervalSeconds: number | null;
  /** Repositories whose stored facts or marks the run changed. */
  changes: number;
  /** The latest activity the host showed on the account's stored repositories (pushed_at, last_activity_at, updated_on). */
  latestActivity: Date | null;
  now: Date;
}

/** The interval to store and when the next run is due, in seconds from now. */
export interface NextRun {
  intervalSeconds: number;
  inSeconds: number;
}

/**
 * When an account is reconciled next (docs/decisions.md, "Reconciliation"):
 *
 * - a COMPLETE run that changed something: the shortest interval (its repositories are moving, and
 *   a webhook was probably missed);
 * - a COMPLETE run that changed nothing while the host shows activity within the current interval
 *   (a push since about the last run): the interval halves, down to the shortest;
 * - a COMPLETE run that changed nothing and no recent activity: the interval doubles, up to the
 *   longest (a day by default) — accounts whose repositories rarely change cost a listing a day;
 * - a listing cut short or a failing credential: the interval stays, the next try comes after the
 *   shortest interval (whatever was wrong may pass; nothing was marked meanwhile);
 * - STOPPED: due at once, which matters only once the account is ACTIVE again (until then it is
 *   not due at all: only ACTIVE accounts are).
 */
export function nextRun(run: RunSummary, limits: ScheduleLimits): NextRun {
  const clamp = (s: number) => Math.min(limits.maxIntervalSeconds, Math.max(limits.minIntervalSeconds, Math.round(s)));
  const previous = clamp(run.previousIntervalSeconds ?? limits.minIntervalSeconds);
  switch (run.outcome) {
    case 'stopped':
      return { intervalSeconds: previous, inSeconds: 0 };
    case 'partial_listing':
    case 'credential_failing':
      return { intervalSeconds: previous, inSeconds: limits.minIntervalSeconds };
    case 'complete': {
      let interval: number;
      if (run.changes > 0) interval = limits.minIntervalSeconds;
      else if (run.latestActivity !== null && run.now.getTime() - run.latestActivity.getTime() < previous * 1000) interval = clamp(previous / 2);
      else interval = clamp(previous * 2);
      return { intervalSeconds: interval, inSeconds: interval };
    }
  }
}
