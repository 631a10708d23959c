/**
 * Log plumbing the process and hollow runtimes share: choosing the lines a `LogOptions` asks for,
 * and the `LogStream` handed to a reader that may follow.
 */
import type { LogOptions, LogStream } from './runtime.js';

/** One log line and when it was written (ms since the epoch). */
export interface LogEntry {
  readonly at: number;
  readonly line: string;
}

/** The entries `options` asks for: those at or after `sinceMs`, then the last `tailLines` of them. */
export function selectLogLines(entries: readonly LogEntry[], options: LogOptions): LogEntry[] {
  const since = options.sinceMs;
  const recent = since === undefined ? entries : entries.filter((e) => e.at >= since);
  const tail = options.tailLines;
  if (tail === undefined) return [...recent];
  return tail <= 0 ? [] : recent.slice(-tail);
}

/**
 * A reader following a log: `push` forwards lines until `end` (the container exited) or `close`
 * (the reader gave up); `done` settles once either happened, and `onEnd` runs once, so the runtime
 * forgets the follower in either case.
 */
export class LogFollower implements LogStream {
  readonly done: Promise<void>;
  private ended = false;
  private resolveDone!: () => void;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onEnd: (follower: LogFollower) => void,
  ) {
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Forwards a line, unless the stream has ended. */
  push(line: string): void {
    if (!this.ended) this.onLine(line);
  }

  /** Ends the stream: the log has no more lines. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    this.resolveDone();
  }

  async close(): Promise<void> {
    this.end();
  }
}

/** A stream that has already delivered everything: a read without `follow`. */
export function finishedLogStream(): LogStream {
  return { done: Promise.resolve(), close: async () => undefined };
}
