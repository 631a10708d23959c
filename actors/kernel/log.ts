/**
 * Structured logs (pino). Every component logs JSON lines carrying `component` and `pid`; actors
 * add their own name through child loggers. Tests get a silent logger, or a captured one whose
 * records they can assert on, without touching stdout.
 */
import { type DestinationStream, type Level, type Logger, pino } from 'pino';

/** Re-exported so components depend on the kernel's logging, not on pino directly. */
export type { Logger } from 'pino';

/** How a component's logger is built. */
export interface LoggerOptions {
  /** The component name that tags every line: `apiserver`, `scheduler`, `kubelet`, ... */
  readonly component: string;
  /** Minimum level; default `info`. */
  readonly level?: Level | 'silent';
  /** Where lines go; default stdout. */
  readonly destination?: DestinationStream;
}

/** Creates a component's root logger with base fields `{component, pid}`. */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { component: options.component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(component = 'test'): Logger {
  return createLogger({ component, level: 'silent' });
}

/** One parsed log line. */
export type LogRecord = Readonly<Record<string, unknown>> & { readonly level: number; readonly msg?: string };

/** A logger whose lines are kept in memory, parsed, for assertions. */
export interface CapturedLogger {
  readonly log: Logger;
  /** Every line written so far, oldest first. */
  readonly records: readonly LogRecord[];
  /** Records whose `msg` contains `text`. */
  find(text: string): LogRecord[];
}

/** Creates a logger that captures every line (default level `trace`) instead of printing it. */
export function captureLogger(options: { component?: string; level?: Level } = {}): CapturedLogger {
  const records: LogRecord[] = [];
  const destination: DestinationStream = {
    write(line: string) {
      // pino writes exactly one JSON object per call; anything else is a bug worth seeing at once.
      const parsed: unknown = JSON.parse(line);
      if (!isRecord(parsed)) throw new TypeError(`pino wrote a non-object line: ${line}`);
      records.push(parsed);
    },
  };
  const log = createLogger({
    component: options.component ?? 'test',
    level: options.level ?? 'trace',
    destination,
  });
  return {
    log,
    records,
    find: (text) => records.filter((r) => typeof r.msg === 'string' && r.msg.includes(text)),
  };
}

function isRecord(value: unknown): value is LogRecord {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'level') === 'number';
}

/** A short description of a message for logs: its `type` when it has one, else its JS type. */
export function describeMessage(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null) {
    const type: unknown = Reflect.get(msg, 'type');
    if (typeof type === 'string') return type;
  }
  return typeof msg;
}
