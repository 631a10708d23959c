/**
 * Exponential backoff with jitter, as one pure function.
 *
 * Supervision (restart delays), the work queue (per-key retry delays) and reconnect loops all ask
 * the same question: "this is failure number `attempt`; how long do I wait?". The answer grows by
 * `factor` per attempt from `baseMs`, is capped at `maxMs`, and is then shortened by up to
 * `jitter` of itself. The random draw is a parameter, not a call to `Math.random`, so the function
 * stays pure and tables can pin the exact delay a test will see.
 *
 *   attempt:   0     1     2     3    ...   n
 *   delay:   base  2base 4base 8base  ...  min(max, base·factorⁿ) · (1 − jitter·random)
 */

/** How delays grow. */
export interface BackoffPolicy {
  /** Delay of the first retry (attempt 0), in milliseconds. */
  readonly baseMs: number;
  /** No delay exceeds this, whatever the attempt. */
  readonly maxMs: number;
  /** Growth per attempt; 2 doubles. */
  readonly factor: number;
  /**
   * Fraction (0..1) of the delay that randomness may take away. Jitter spreads the retries of many
   * actors that failed together (say, on a bus outage) so they do not all come back in lockstep.
   * It only ever shortens the delay, so `maxMs` stays a true ceiling.
   */
  readonly jitter: number;
}

/** Supervision's default: 100 ms doubling to 30 s, up to 20% shorter at random. */
export const supervisionBackoff: BackoffPolicy = { baseMs: 100, maxMs: 30_000, factor: 2, jitter: 0.2 };

/**
 * The work queue's default, as client-go's ItemExponentialFailureRateLimiter: 5 ms doubling to
 * 1000 s, without jitter (a controller's keys already fail at unrelated times).
 */
export const workQueueBackoff: BackoffPolicy = { baseMs: 5, maxMs: 1_000_000, factor: 2, jitter: 0 };

/** Returns the delay before retry number `attempt` (0-based), given a uniform `random` draw in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random = 0): number {
  // Clamp inputs rather than trust them: a negative attempt or an out-of-range draw must still
  // yield a delay inside [0, maxMs], never NaN (a NaN timer fires at once and spins).
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  const draw = Math.min(1, Math.max(0, Number.isFinite(random) ? random : 0));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  // `factor ** n` overflows to Infinity for large n, and `Math.min` then picks the cap: no loop,
  // no special case for "we reached the ceiling".
  const grown = Math.min(policy.maxMs, policy.baseMs * policy.factor ** n);
  return Math.max(0, Math.round(grown * (1 - jitter * draw)));
}

/** Merges a partial policy over a default, so callers override only what they care about. */
export function backoffPolicy(defaults: BackoffPolicy, overrides?: Partial<BackoffPolicy>): BackoffPolicy {
  return { ...defaults, ...overrides };
}
