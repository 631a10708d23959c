/** The logger a bus uses when none is injected. */
import type { BusLogger } from '../../../protocol/bus.js';

/**
 * Logs to stderr as one JSON line per warning or error; debug and info are dropped. The default when
 * no logger is injected, so that a handler failure is never silent even in a bare test.
 */
export const stderrBusLogger: BusLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (fields, msg) => writeLine('warn', fields, msg),
  error: (fields, msg) => writeLine('error', fields, msg),
};

function writeLine(level: string, fields: object, msg: string | undefined): void {
  const flat: Record<string, unknown> = { level, msg };
  for (const [k, v] of Object.entries(fields)) flat[k] = v instanceof Error ? `${v.name}: ${v.message}` : v;
  let line: string;
  try {
    line = JSON.stringify(flat);
  } catch (err) {
    // A field that cannot be serialised (a cycle, a BigInt) must not hide the message itself.
    line = JSON.stringify({ level, msg, unserialisable: String(err) });
  }
  process.stderr.write(`${line}\n`);
}
