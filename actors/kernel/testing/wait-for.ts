/**
 * Test-only: wait for a condition by polling, on real time, with a timeout that explains itself.
 * Production code never imports this folder.
 *
 * Tests drive simulated time with `SimulatedClock.advance`; `waitFor` only waits for the promise
 * continuations and I/O that follow, which real time must carry. It never replaces advancing the
 * clock, and a test never sleeps for a fixed time instead of it.
 */

/** How long and how often to poll. */
export interface WaitForOptions {
  /** Give up after this long (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Poll this often (default 5 ms). */
  readonly intervalMs?: number;
  /** Shown in the timeout message. */
  readonly description?: string;
}

/**
 * A check: a predicate (false means "not yet") or an assertion (a throw means "not yet"). Returning
 * anything else, `undefined` included, means done.
 */
export type Check<T> = () => T | Promise<T>;

/** Raised when a condition did not hold in time; `cause` is the last assertion failure, if any. */
export class WaitForTimeoutError extends Error {
  override name = 'WaitForTimeoutError';
}

/** Polls `check` until it passes (returning its value) or the timeout expires (throwing `WaitForTimeoutError`). */
export async function waitFor<T>(check: Check<T>, options: WaitForOptions = {}): Promise<Exclude<T, false>> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const intervalMs = options.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  let lastFailure: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const result = await check();
      // TypeScript does not narrow a generic by `!== false`; the check above is what makes it true.
      if (result !== false) return result as Exclude<T, false>;
      lastFailure = undefined;
    } catch (error) {
      // Remembered, not swallowed: it becomes the timeout's cause and message.
      lastFailure = error;
    }
    if (Date.now() >= deadline) throw timeoutError(options.description, timeoutMs, attempts, lastFailure);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function timeoutError(description: string | undefined, timeoutMs: number, attempts: number, last: unknown) {
  const what = description ?? 'condition';
  const why =
    last === undefined
      ? 'the predicate kept returning false'
      : `last failure: ${last instanceof Error ? last.message : String(last)}`;
  return new WaitForTimeoutError(`${what} not met after ${timeoutMs} ms (${attempts} attempts); ${why}`, {
    cause: last,
  });
}
