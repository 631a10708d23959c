/**
 * How a writing verb runs: connect as the flags say, do the work, print what failed in kubectl's
 * words on stderr with exit 1, and always close the connection (an open HTTP pool would keep the
 * process alive after the answer).
 */
import { type Connection, connect } from '../client.js';
import { printApiError } from '../output/errors.js';
import { failureText } from './messages.js';

/** Runs `body` with a connection; a thrown error becomes kubectl's error line and exit 1. */
export async function withConnection(
  flags: { readonly server?: string | undefined; readonly namespace?: string | undefined },
  body: (conn: Connection) => Promise<void>,
): Promise<void> {
  let conn: Connection | undefined;
  try {
    conn = connect(flags);
    await body(conn);
  } catch (err) {
    printApiError(err);
  } finally {
    await conn?.close();
  }
}

/** Prints the errors a run over many objects collected (kubectl prints them last) and sets exit 1. */
export function reportFailures(errors: readonly unknown[]): void {
  if (errors.length === 0) return;
  process.stderr.write(`${failureText(errors)}\n`);
  process.exitCode = 1;
}

/** Prints server warnings as kubectl does. */
export function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`Warning: ${w}\n`);
}

/** Resolves after `ms` (polling steps of the waiting verbs). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A kubectl duration (`30s`, `5m`, `1h`, `500ms`, `1m30s`; a bare number is seconds) in
 * milliseconds; 0 means "no limit" where kubectl says so.
 */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration "${text}" (use 30s, 5m, 1h)`);
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}
