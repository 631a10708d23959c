/**
 * The reader of the in-process log: delivers entries to one handler, one at a time, from a start
 * position, then live, and ends with the reason its log gives it (trimmed, closed).
 */

import type { LogEntry, LogReader } from '../../../protocol/bus.js';
import { BusError } from '../../../protocol/errors.js';

/** What a reader asks its log for. */
export interface ReaderSource {
  /** The next entry at or after `reader.position` matching its filter; moves the position past it. */
  nextFor(reader: MemoryLogReader): LogEntry | undefined;
}

type EntryHandler = (entry: LogEntry) => void | Promise<void>;

/** Delivers a log's entries to one handler, one at a time, from a start position, then live. */
export class MemoryLogReader implements LogReader {
  /** The next sequence this reader has not yet looked at. */
  position: number;
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;
  private stopped = false;
  private running = false;
  private reason: Error | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly owner: ReaderSource,
    private readonly handler: EntryHandler,
    startSeq: number,
    readonly filter: string | undefined,
    private readonly detach: () => void,
  ) {
    this.position = startSeq;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Starts the delivery loop on a later turn, so no handler runs inside `read`. */
  start(): void {
    setImmediate(() => {
      this.loop().then(
        () => this.resolveClosed(this.reason),
        (err: unknown) => this.resolveClosed(asError(err)),
      );
    });
  }

  async close(): Promise<void> {
    this.stop(undefined);
  }

  /** Ends the reader with `reason`; the entry being handled (if any) completes first. */
  fail(reason: Error): void {
    this.stop(reason);
  }

  /** Called by the log after an append: there may be something new to deliver. */
  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private stop(reason: Error | undefined): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.detach();
    if (this.wakeUp) this.wake();
    else if (!this.running) this.resolveClosed(reason);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const entry = this.owner.nextFor(this);
        if (this.stopped) break;
        if (!entry) {
          await new Promise<void>((resolve) => {
            this.wakeUp = resolve;
          });
          continue;
        }
        try {
          await this.handler(entry);
        } catch (err) {
          this.stop(asError(err));
        }
      }
    } finally {
      this.running = false;
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new BusError('log reader handler failed', { cause: err });
}
