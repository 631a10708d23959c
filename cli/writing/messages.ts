/**
 * The lines kubectl's writing verbs print, as pure functions, and kubectl's way of reporting the
 * failures of a run over many objects (`apply -f dir/`): each object's error is kept, the others go
 * on, and at the end one error prints as kubectl's `CheckErr` would print it alone, several as one
 * `Error from server (...)` line each.
 *
 *   deployment.apps/web created            refLine(type, 'web', 'created')
 *   deployment.apps/web created (server dry run)
 *   pod "web" deleted                      deletedLine(type, 'web')
 *   The Deployment "web" is invalid:       failureText([invalidErr])  (one bad field: one line)
 *   * spec.replicas: Invalid value: -1: must be greater than or equal to 0
 *   * spec.template.spec.containers[0].image: Required value
 */
import { ApiError } from '../../protocol/errors.js';
import type { ResourceType } from '../../protocol/resources/registry.js';
import { errorLine } from '../output/errors.js';
import { kindPrefix } from '../resources.js';

/** `--dry-run`: none, client (nothing is sent) or server (validated, not stored). */
export type DryRun = 'none' | 'client' | 'server';

/** Parses `--dry-run` as kubectl does (a bare `--dry-run` was `client`; `true`/`false` kept for old scripts). */
export function parseDryRun(value: string | undefined): DryRun {
  if (value === undefined || value === 'none' || value === 'false') return 'none';
  if (value === 'client' || value === 'true' || value === '') return 'client';
  if (value === 'server') return 'server';
  throw new Error(`Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
}

/** `deployment.apps/web`: kubectl's name of an object in success lines and `-o name`. */
export function refName(type: ResourceType, name: string): string {
  return `${kindPrefix(type)}/${name}`;
}

/** `deployment.apps/web configured`, with kubectl's dry-run suffix. */
export function refLine(type: ResourceType, name: string, action: string, dryRun: DryRun = 'none'): string {
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  return `${refName(type, name)} ${action}${suffix}`;
}

/** `pod "web" deleted`, `deployment.apps "web" deleted` (kubectl 1.32's words). */
export function deletedLine(type: ResourceType, name: string, dryRun: DryRun = 'none'): string {
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  return `${kindPrefix(type)} "${name}" deleted${suffix}`;
}

/**
 * kubectl's `AddSourceToErr`: a server error about an object read from a file names the file,
 * `error when creating "web.yaml": deployments "web" already exists`, keeping its reason.
 */
export function withSource(verb: string, source: string, err: unknown): unknown {
  // A transport failure is not about the file.
  if (!(err instanceof ApiError) || isTransportFailure(err) || source === '') return err;
  const message = `error when ${verb} "${source}": ${err.message}`;
  const wrapped = new ApiError(err.reason, message, err.status.details, { cause: err.cause });
  return wrapped;
}

/**
 * True for a failure to reach the server (then kubectl's connection line, from errorLine, is the
 * whole answer). The transport's own errors carry a cause, but ApiClient rebuilds them from their
 * Status without it, so the transport's wording is recognised as well.
 */
export function isTransportFailure(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.cause !== undefined) return true;
  return (
    (err.reason === 'ServiceUnavailable' || err.reason === 'Timeout') &&
    /^(the API server at \S+ (refused the connection|did not answer)|cannot reach the API server at )/.test(
      err.message,
    )
  );
}

/**
 * The text (one or more lines, no trailing newline) kubectl prints for the errors of a run:
 * one error as `CheckErr` prints it (an Invalid one lists every bad field with its path), several
 * as one line each.
 */
export function failureText(errors: readonly unknown[]): string {
  if (errors.length === 1) return singleFailure(errors[0]);
  return errors.map(multiFailure).join('\n');
}

/** One error alone: an Invalid Status with causes lists them, `* field: message`, one per line. */
function singleFailure(err: unknown): string {
  if (err instanceof ApiError && err.reason === 'Invalid') {
    const details = err.status.details;
    const head =
      details?.kind || details?.name
        ? `The ${details.kind ?? ''} "${details.name ?? ''}" is invalid`
        : 'The request is invalid';
    const causes = details?.causes ?? [];
    if (causes.length === 0) return head;
    const lines = causes.map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
    if (lines.length === 1) return `${head}: ${lines[0]}`;
    return [`${head}:`, ...lines.map((l) => `* ${l}`)].join('\n');
  }
  return errorLine(err);
}

/** One error among several: kubectl's `Error from server (Reason): message` for every Status. */
function multiFailure(err: unknown): string {
  if (err instanceof ApiError && !isTransportFailure(err)) {
    return `Error from server (${err.reason}): ${err.message}`;
  }
  return errorLine(err);
}
