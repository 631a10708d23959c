/**
 * Fault injection for the in-process log, reached as `memoryBus.faults`: chosen appends fail, time
 * out, or complete out of order, the ways a JetStream publish goes wrong, so that tests of relays,
 * watches and writers can exercise their recovery without a real server and without sleeping.
 *
 * ```
 *   const fault = bus.faults.logAppend({ kind: 'timeout', lose: 'ack', subject: 'ev.>', times: 2 });
 *   await expect(log.append(subj('ev.a'), 'x')).rejects.toBeInstanceOf(RequestTimeoutError); // after clock.advance(5_000)
 *   expect(fault.lost).toEqual([{ seq: 1, duplicate: false }]); // stored all the same
 * ```
 *
 * The faults, and the JetStream failure each stands for:
 *
 *   kind      option               what the caller sees             what the log holds
 *   fail      error?               `error` (a BusError) at once     nothing
 *   timeout   lose: 'request'      RequestTimeoutError after        nothing (lost on the way in)
 *                                  `afterMs` on the bus's clock
 *   timeout   lose: 'ack'          the same                         the entry (only the ack was lost)
 *   hold      hold: 'storage'      the result once released         the entry, stored at release:
 *                                                                   appends made meanwhile come first
 *   hold      hold: 'ack'          the result once released         the entry, stored at once:
 *                                                                   later appends may be acked first
 *
 * A fault applies to the next `times` appends (default 1) that match its `log` and `subject`; the
 * oldest fault with uses left wins. Each bus has its own faults (no global state); they are for
 * tests, and a bus nobody configures behaves exactly as before. Validation (subject, headers, size)
 * runs first, so a faulty append still fails the way a wrong one would; de-duplication and fencing
 * run when the entry is actually stored, so a held fenced append can lose its race honestly.
 */

import { type AppendResult, subjectMatches } from '../../../protocol/bus.js';
import type { Clock, Timer } from '../../../protocol/clock.js';
import { BusError, RequestTimeoutError } from '../../../protocol/errors.js';
import { assertPattern } from './validate.js';

/** How long a `timeout` fault waits by default: `NatsBus`'s default JetStream timeout. */
export const DEFAULT_FAULT_TIMEOUT_MS = 5_000;

/** What goes wrong with a matching append. */
export type AppendFault =
  /** Fails at once with `error` (default: a `BusError` naming the append); nothing is stored. */
  | { readonly kind: 'fail'; readonly error?: BusError }
  /**
   * Rejects with `RequestTimeoutError` after `afterMs` (default 5,000) on the bus's clock. `lose`
   * says what was lost: the `request` (nothing stored) or the `ack` (stored; see `lost`).
   */
  | { readonly kind: 'timeout'; readonly lose: 'request' | 'ack'; readonly afterMs?: number }
  /**
   * Holds the append until `release()` (or `releaseAfterMs` on the bus's clock): `hold: 'storage'`
   * stores it only then, after anything appended meanwhile; `hold: 'ack'` stores it at once and only
   * delays the answer.
   */
  | { readonly kind: 'hold'; readonly hold: 'storage' | 'ack'; readonly releaseAfterMs?: number };

/** Which appends a fault applies to. */
export interface AppendFaultMatch {
  /** Only appends to the log of this name (default: any log of the bus). */
  readonly log?: string;
  /** Only appends whose subject matches this pattern (default: any subject). */
  readonly subject?: string;
  /** How many matching appends suffer the fault (default 1; `Infinity` until `cancel()`). */
  readonly times?: number;
}

/** The argument of `faults.logAppend`: what goes wrong, and with which appends. */
export type AppendFaultSpec = AppendFault & AppendFaultMatch;

/** A fault in place: what it did so far, and the handles a test steers it with. */
export interface InjectedAppendFault {
  /** Appends this fault has taken so far. */
  readonly hits: number;
  /** Matching appends it will still take. */
  readonly remaining: number;
  /** Appends it holds right now (`hold` faults). */
  readonly held: number;
  /**
   * What the log did with appends whose answer the caller never got (`timeout` with `lose: 'ack'`):
   * the result, or the error (a fenced append can still have been refused), in order.
   */
  readonly lost: readonly (AppendResult | Error)[];
  /**
   * Releases every held append in the order held; resolves once each has been stored or refused
   * (await the append's own promise for its answer).
   */
  release(): Promise<void>;
  /** Takes no further appends. Appends already held stay held until released or the bus closes. */
  cancel(): void;
}

/** The append a fault intercepts: where it goes, and how to perform it. */
export interface InterceptedAppend {
  readonly log: string;
  readonly subject: string;
  /** Performs the append now (de-duplication, fencing, storage); throws as the log would. */
  commit(): AppendResult;
}

/** The fault-injection controls of one `MemoryBus`. */
export class MemoryFaults {
  private faults: AppendFaultEntry[] = [];
  private closedBy: Error | undefined;

  constructor(private readonly clock: Clock) {}

  /** Makes the next matching appends go wrong as `spec` says; returns the fault to steer and inspect. */
  logAppend(spec: AppendFaultSpec): InjectedAppendFault {
    const times = spec.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times >= 1))) {
      throw new BusError(`fault times must be an integer >= 1 or Infinity, not ${times}`);
    }
    if (spec.subject !== undefined) assertPattern(spec.subject);
    const fault = new AppendFaultEntry(spec, times, this.clock, () => this.closedBy);
    // Spent faults are dropped here; one still holding an append stays, so that close() fails it.
    this.faults = this.faults.filter((f) => !f.spent);
    this.faults.push(fault);
    return fault;
  }

  /** Cancels every fault (held appends stay held until released). */
  clear(): void {
    for (const fault of this.faults) fault.cancel();
  }

  /**
   * Runs `append` through the oldest matching fault with uses left, or commits it at once. Called by
   * the log for every append, synchronously, so appends without a fault keep their call order.
   */
  intercept(append: InterceptedAppend): Promise<AppendResult> {
    const fault = this.faults.find((f) => f.takes(append));
    if (!fault) {
      try {
        return Promise.resolve(append.commit());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return fault.run(append);
  }

  /** The bus closed: every held or waiting append fails with `reason`. */
  close(reason: Error): void {
    this.closedBy = reason;
    for (const fault of this.faults) fault.abort(reason);
  }
}

/** An append waiting for `release()`. */
interface Held {
  release(): void;
  fail(err: Error): void;
  /** Resolves once the held append was answered (whatever the answer). */
  readonly answered: Promise<void>;
}

class AppendFaultEntry implements InjectedAppendFault {
  hits = 0;
  remaining: number;
  readonly lost: (AppendResult | Error)[] = [];
  private readonly holding: Held[] = [];
  private readonly timers = new Set<{ timer: Timer; fail: (err: Error) => void }>();

  constructor(
    private readonly spec: AppendFaultSpec,
    times: number,
    private readonly clock: Clock,
    private readonly closedBy: () => Error | undefined,
  ) {
    this.remaining = times;
  }

  get held(): number {
    return this.holding.length;
  }

  /** True when it will take no more appends and has none in hand. */
  get spent(): boolean {
    return this.remaining === 0 && this.holding.length === 0 && this.timers.size === 0;
  }

  /** True, and one use spent, when this fault takes `append`. */
  takes(append: InterceptedAppend): boolean {
    if (this.remaining <= 0) return false;
    if (this.spec.log !== undefined && this.spec.log !== append.log) return false;
    if (this.spec.subject !== undefined && !subjectMatches(this.spec.subject, append.subject)) return false;
    this.remaining--;
    this.hits++;
    return true;
  }

  async run(append: InterceptedAppend): Promise<AppendResult> {
    const what = `append to log ${append.log} on ${append.subject}`;
    switch (this.spec.kind) {
      case 'fail':
        throw this.spec.error ?? new BusError(`${what}: injected failure`);
      case 'timeout': {
        const afterMs = this.spec.afterMs ?? DEFAULT_FAULT_TIMEOUT_MS;
        // The server stored it; the answer, success or refusal, is what never arrives.
        if (this.spec.lose === 'ack') this.lost.push(outcomeOf(append));
        await this.wait(afterMs);
        throw new RequestTimeoutError(what, afterMs);
      }
      case 'hold': {
        if (this.spec.hold === 'storage') return this.hold(() => append.commit());
        const outcome = outcomeOf(append);
        return this.hold(() => {
          if (outcome instanceof Error) throw outcome;
          return outcome;
        });
      }
    }
  }

  async release(): Promise<void> {
    const batch = this.holding.splice(0);
    for (const held of batch) held.release();
    await Promise.all(batch.map((h) => h.answered));
  }

  cancel(): void {
    this.remaining = 0;
  }

  /** Fails everything held or waiting with `reason` (the bus closed). */
  abort(reason: Error): void {
    this.remaining = 0;
    for (const held of this.holding.splice(0)) held.fail(reason);
    for (const waiting of [...this.timers]) {
      waiting.timer.cancel();
      waiting.fail(reason);
    }
    this.timers.clear();
  }

  /** Waits `ms` on the bus's clock; rejects when the bus closes first. */
  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const closed = this.closedBy();
      if (closed) {
        reject(closed);
        return;
      }
      const entry = {
        timer: this.clock.setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        fail: reject,
      };
      this.timers.add(entry);
    });
  }

  /** Parks the append until released, then answers with `answer()`. */
  private async hold(answer: () => AppendResult): Promise<AppendResult> {
    let release!: () => void;
    let fail!: (err: Error) => void;
    let answered!: () => void;
    const released = new Promise<void>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
    const held: Held = {
      release,
      fail,
      answered: new Promise<void>((resolve) => {
        answered = resolve;
      }),
    };
    const closed = this.closedBy();
    if (closed) throw closed;
    this.holding.push(held);
    const releaseAfterMs = this.spec.kind === 'hold' ? this.spec.releaseAfterMs : undefined;
    const timer =
      releaseAfterMs === undefined
        ? undefined
        : this.clock.setTimeout(() => {
            const at = this.holding.indexOf(held);
            if (at !== -1) this.holding.splice(at, 1);
            release();
          }, releaseAfterMs);
    try {
      await released;
      return answer();
    } finally {
      timer?.cancel();
      answered();
    }
  }
}

/** Performs the append and returns its result or its error, for answering later (or never). */
function outcomeOf(append: InterceptedAppend): AppendResult | Error {
  try {
    return append.commit();
  } catch (err) {
    return err instanceof Error ? err : new BusError(String(err));
  }
}
