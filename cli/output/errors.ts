/**
 * Failures as kubectl prints them: one line on stderr, exit 1.
 *
 *   Error from server (NotFound): pods "x" not found          the server's Status
 *   The Pod "x" is invalid: spec.containers: Required value   an Invalid Status (kubectl's form)
 *   The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?
 *   Unable to connect to the server: …                        any other transport failure
 *   error: the server doesn't have a resource type "foo"      the CLI's own (CommandError)
 */
import { ApiError, CommandError } from '../../protocol/errors.js';

export { CommandError } from '../../protocol/errors.js';

/** The one line kubectl prints for `err` (without the newline). */
export function errorLine(err: unknown): string {
  if (err instanceof CommandError) return `error: ${err.message}`;
  if (err instanceof ApiError) {
    const connection = connectionFailure(err);
    if (connection) return connection;
    if (err.reason === 'Invalid') return `The ${err.message}`;
    return `Error from server (${err.reason}): ${err.message}`;
  }
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

/** Writes kubectl's error line to stderr and sets the exit code (1 unless the error says otherwise). */
export function printApiError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`${errorLine(err)}\n`);
  process.exitCode = err instanceof CommandError ? err.exitCode : 1;
}

/**
 * The transport's failures, in the words the SDK's HTTP transport gives them (the SDK passes them
 * on as Statuses, so the cause is not always there): a refused connection is kubectl's "The
 * connection to the server … was refused" line, naming the address; any other failure to reach
 * the server is "Unable to connect to the server: …".
 */
function connectionFailure(err: ApiError): string | undefined {
  const address = /the API server at (https?:\/\/\S+)/.exec(err.message)?.[1];
  const code = (err.cause as { code?: string } | undefined)?.code;
  if (address === undefined && err.cause === undefined) return undefined;
  if (code === 'ECONNREFUSED' || /refused the connection/.test(err.message)) {
    const host = address?.replace(/^https?:\/\//, '') ?? 'the API server';
    return `The connection to the server ${host} was refused - did you specify the right host or port?`;
  }
  if (err.reason !== 'ServiceUnavailable' && err.reason !== 'Timeout') return undefined;
  return `Unable to connect to the server: ${err.message}`;
}
