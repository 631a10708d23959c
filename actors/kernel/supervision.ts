/**
 * The supervision policy and its one pure decision: a child failed at `now`, having run since
 * `runningSince`; restart it after how long, or give up (escalate)?
 *
 *   failure ──▶ ran ≥ stableAfterMs? ──yes──▶ forget history (attempt 0, empty window)
 *                     │
 *                     ▼
 *        failures in window > maxRestarts? ──yes──▶ escalate: stop the child, tell the supervisor
 *                     │ no
 *                     ▼
 *        restart after backoffDelay(attempt), attempt + 1
 */
import { type BackoffPolicy, backoffDelay, supervisionBackoff } from '../../protocol/backoff.js';

/** How a child is restarted, and when its supervisor gives up on it. */
export interface SupervisionPolicy {
  /** Delay before each restart; grows with consecutive failures. */
  readonly backoff: BackoffPolicy;
  /** More failures than this inside `windowMs` escalate; 0 escalates on the first failure. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /**
   * An instance that ran this long without failing was healthy: its next failure starts from the
   * first backoff step and an empty window again.
   */
  readonly stableAfterMs: number;
}

/**
 * Defaults: 100 ms doubling to 30 s; a sixth failure within a minute escalates. The window is
 * deliberately small in count: with exponential backoff, a child that crashes at once on every
 * start fails six times in about 3 s, while "10 per minute" could never trigger (the delays alone
 * add up to more than a minute by then).
 */
export const defaultSupervisionPolicy: SupervisionPolicy = {
  backoff: supervisionBackoff,
  maxRestarts: 5,
  windowMs: 60_000,
  stableAfterMs: 30_000,
};

/** Partial overrides, with the backoff itself overridable field by field. */
export type SupervisionOverrides = Partial<Omit<SupervisionPolicy, 'backoff'>> & {
  readonly backoff?: Partial<BackoffPolicy>;
};

/** Merges overrides over a base policy. */
export function supervisionPolicy(
  base: SupervisionPolicy,
  overrides: SupervisionOverrides = {},
): SupervisionPolicy {
  return { ...base, ...overrides, backoff: { ...base.backoff, ...overrides.backoff } };
}

/**
 * The policy of a component's long-lived pieces (loops, informers, electors, binders): restart
 * forever, with the default backoff capped at 30 s. A component must never give up for good
 * because of a transient fault (an API outage outlasting six restarts would otherwise stop it in
 * silence); the restart counter and the log say when a piece keeps failing.
 */
export const restartForever: SupervisionOverrides = { maxRestarts: Number.POSITIVE_INFINITY };

/** What the runtime remembers about a child's recent failures. */
export interface RestartHistory {
  /** Times of failures, oldest first, pruned to the window. */
  readonly failures: readonly number[];
  /** Consecutive failures since the last stable period: the backoff attempt for the next restart. */
  readonly attempt: number;
}

/** The history of a child that never failed. */
export const emptyHistory: RestartHistory = { failures: [], attempt: 0 };

/** A failure as the decision sees it. */
export interface Failure {
  readonly now: number;
  /** When the failed instance finished starting; undefined when it failed in its start hook. */
  readonly runningSince: number | undefined;
}

/** The verdict, with the history to keep for next time. */
export type RestartDecision =
  | {
      readonly type: 'restart';
      readonly delayMs: number;
      readonly restarts: number;
      readonly history: RestartHistory;
    }
  | { readonly type: 'escalate'; readonly restarts: number; readonly history: RestartHistory };

/** Decides whether a failed child restarts (and after how long) or escalates; `random` is a draw in [0, 1). */
export function decideRestart(
  history: RestartHistory,
  failure: Failure,
  policy: SupervisionPolicy,
  random: number,
): RestartDecision {
  const stable =
    failure.runningSince !== undefined && failure.now - failure.runningSince >= policy.stableAfterMs;
  const previous = stable ? emptyHistory : history;
  const failures = [...previous.failures.filter((at) => failure.now - at < policy.windowMs), failure.now];
  const restarts = failures.length;
  if (restarts > policy.maxRestarts) {
    return { type: 'escalate', restarts, history: { failures, attempt: previous.attempt + 1 } };
  }
  const delayMs = backoffDelay(policy.backoff, previous.attempt, random);
  return { type: 'restart', delayMs, restarts, history: { failures, attempt: previous.attempt + 1 } };
}
