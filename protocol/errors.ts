/**
 * Typed API errors and their one mapping to Kubernetes `Status` objects.
 *
 * Every failure that crosses the bus or the HTTP face is an `ApiError`; its `status` is the exact
 * object a Kubernetes client expects (`reason`, `code`, `details.causes`). Clients map reasons to
 * exit codes and retry policy from this file alone.
 */
import type { FieldError } from './validation/field-errors.js';

/** The reasons Skiff uses, with the HTTP code each one maps to (Kubernetes `StatusReason`). */
export const StatusReasons = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const;

export type StatusReason = keyof typeof StatusReasons;

/** One cause inside `Status.details.causes`; `field` is the path of the bad field, when there is one. */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** The Kubernetes `Status` object (meta/v1). */
export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** An API failure carrying the `Status` a client will see. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: Status;

  constructor(reason: StatusReason, message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code: StatusReasons[reason],
    };
  }

  get reason(): StatusReason {
    return this.status.reason ?? 'InternalError';
  }

  get code(): number {
    return this.status.code;
  }

  /** True for failures a client may retry unchanged (server-side trouble, not a bad request). */
  get retryable(): boolean {
    return (
      this.reason === 'InternalError' ||
      this.reason === 'ServiceUnavailable' ||
      this.reason === 'Timeout' ||
      this.reason === 'TooManyRequests'
    );
  }
}

/** Rebuilds an `ApiError` from a `Status` received over the wire. */
export function errorFromStatus(status: Status): ApiError {
  const reason: StatusReason =
    status.reason && status.reason in StatusReasons ? status.reason : reasonForCode(status.code);
  return new ApiError(reason, status.message ?? reason, status.details);
}

/** The reason Kubernetes clients assume for a bare HTTP code. */
export function reasonForCode(code: number): StatusReason {
  for (const [reason, c] of Object.entries(StatusReasons) as [StatusReason, number][]) {
    if (c === code) return reason;
  }
  return code >= 500 ? 'InternalError' : 'BadRequest';
}

/** Returns true when `err` is an ApiError with the given reason. */
export function isReason(err: unknown, reason: StatusReason): err is ApiError {
  return err instanceof ApiError && err.reason === reason;
}

/** A successful `Status`, as DELETE returns when the object is gone at once. */
export function successStatus(details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code: 200,
  };
}

// ---------------------------------------------------------------------------------------------
// Constructors, with the messages Kubernetes prints, so users recognise them.

/** `pods "web" not found` */
export function notFound(resource: string, name: string): ApiError {
  return new ApiError('NotFound', `${resource} "${name}" not found`, { name, kind: resource });
}

/** `pods "web" already exists` */
export function alreadyExists(resource: string, name: string): ApiError {
  return new ApiError('AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
}

/** The stale-resourceVersion conflict of optimistic concurrency. */
export function conflict(resource: string, name: string, why?: string): ApiError {
  const reason =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${reason}`, {
    name,
    kind: resource,
  });
}

/** `Pod "web" is invalid: [a: Required value, b: Invalid value: ...]`, one cause per field error. */
export function invalid(kind: string, name: string, errors: readonly FieldError[]): ApiError {
  const rendered = errors.map((e) => e.message);
  const list = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  return new ApiError('Invalid', `${kind} "${name}" is invalid: ${list}`, {
    name,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detailMessage, field: e.field })),
  });
}

/** A malformed request (undecodable body, unknown selector field). */
export function badRequest(message: string, causes?: readonly StatusCause[]): ApiError {
  return new ApiError('BadRequest', message, causes ? { causes } : undefined);
}

/** A watch position older than the retained history; the client must relist. */
export function expired(message: string): ApiError {
  return new ApiError('Expired', message);
}

/** A body or object over the size limits. */
export function tooLarge(message: string): ApiError {
  return new ApiError('RequestEntityTooLarge', message);
}

/** The caller may not do this. */
export function forbidden(message: string): ApiError {
  return new ApiError('Forbidden', message);
}

/** A dependency (store, bus) is down; the caller may retry. */
export function unavailable(message: string, cause?: unknown): ApiError {
  return new ApiError('ServiceUnavailable', message, { retryAfterSeconds: 1 }, { cause });
}

/** The work did not finish in time (504). */
export function timedOut(message: string): ApiError {
  return new ApiError('Timeout', message);
}

/** A bug or an unexpected failure; never the client's fault. */
export function internal(message: string, cause?: unknown): ApiError {
  return new ApiError('InternalError', message, undefined, { cause });
}

/** Turns anything thrown into an ApiError, keeping ApiErrors as they are. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internal(`Internal error occurred: ${message}`, err);
}

// ---------------------------------------------------------------------------------------------
// Bus failures (`protocol/bus.ts`): one class per failure, each with a `cause` where there is one.

/** Base class for bus failures. */
export class BusError extends Error {
  override name = 'BusError';
}

/** Nobody subscribes to the subject a request went to. */
export class NoRespondersError extends BusError {
  override name = 'NoRespondersError';
  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`no responders for ${subject}`, options);
  }
}

/** A request got no answer in time. */
export class RequestTimeoutError extends BusError {
  override name = 'RequestTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`request to ${subject} timed out after ${timeoutMs} ms`, options);
  }
}

/** The bus was closed. */
export class BusClosedError extends BusError {
  override name = 'BusClosedError';
  constructor(options?: { cause?: unknown }) {
    super('bus is closed', options);
  }
}

/** A log reader's position is older than the retained history: the reader must start again. */
export class LogExpiredError extends BusError {
  override name = 'LogExpiredError';
  constructor(
    readonly wantedSeq: number,
    readonly firstSeq: number,
  ) {
    super(`log position ${wantedSeq} is older than the oldest retained entry ${firstSeq}`);
  }
}

/** A fenced append found the log somewhere else than expected; nothing was stored. */
export class LogSequenceMismatchError extends BusError {
  override name = 'LogSequenceMismatchError';
  constructor(
    readonly log: string,
    readonly expectedLastSeq: number,
    options?: { cause?: unknown },
  ) {
    super(
      `log ${log} does not end at sequence ${expectedLastSeq}: another writer appended, or entries were lost`,
      options,
    );
  }
}

/** A message larger than the bus carries (`maxPayload`); nothing was sent. */
export class PayloadTooLargeError extends BusError {
  override name = 'PayloadTooLargeError';
  constructor(
    readonly size: number,
    readonly maxPayload: number,
    options?: { cause?: unknown },
  ) {
    super(`message of ${size} bytes exceeds the bus limit of ${maxPayload} bytes`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Failures inside components, kept here so every error class has one home (STYLE.md). The API
// maps those that reach a client to a Status in one place (`statusOfError`).

/** A text that is not a quantity; `input` is the text. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';

  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}

/** The store could not be reached or did not answer; the operation may or may not have happened. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(operation: string, options: { cause: unknown }) {
    super(
      `store unavailable during ${operation}: ${(options.cause as Error)?.message ?? String(options.cause)}`,
      options,
    );
  }
}

/** Raised when the store is not durable and the server was told to require it. */
export class NonDurableStoreError extends Error {
  override name = 'NonDurableStoreError';
}

/** Raised when a body is over the limit; the face answers 413 and closes the connection. */
export class BodyTooLargeError extends ApiError {
  constructor(limit: number) {
    super('RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  }
}

/** A store or log call that did not answer in time. */
export class RelayCallTimeoutError extends Error {
  override name = 'RelayCallTimeoutError';
}

/** A call given up because the store or bus reconnected meanwhile: the relay syncs again at once. */
export class RelayInterruptedError extends Error {
  override name = 'RelayInterruptedError';
}

/** Thrown on a second spawn with a name still in use, a spawn after `stop`, or a bad pool size. */
export class SpawnError extends Error {
  override name = 'SpawnError';
}

/** Misuse of the cache by its caller (assuming a pod twice): a bug, not a cluster condition. */
export class SchedulerCacheError extends Error {
  override readonly name = 'SchedulerCacheError';
}

/** A profile that names an unknown plugin, names one twice, or gives a bad weight. */
export class FrameworkConfigError extends Error {
  override readonly name = 'FrameworkConfigError';
}

/** A container runtime failed at something (the cause says what); the kubelet retries with backoff. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** An image that is not in the local store and could not be pulled: `ErrImagePull`, then `ImagePullBackOff`. */
export class ImagePullError extends RuntimeError {
  override name = 'ImagePullError';
  constructor(
    readonly image: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`failed to pull image "${image}": ${reason}`, options);
  }
}

/** A container or sandbox the runtime does not have (removed, or never created). */
export class RuntimeObjectNotFoundError extends RuntimeError {
  override name = 'RuntimeObjectNotFoundError';
  constructor(
    readonly kind: 'container' | 'sandbox',
    readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
  }
}

/** An exec that did not finish within its time limit (the command may still be running). */
export class ExecTimeoutError extends RuntimeError {
  override name = 'ExecTimeoutError';
  constructor(
    readonly command: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(`command ${JSON.stringify(command)} did not finish within ${timeoutMs} ms`);
  }
}

/**
 * A container's configuration cannot be made (a ConfigMap or Secret, or a key in one, is missing):
 * the kubelet shows `CreateContainerConfigError` and tries again.
 */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
}

/**
 * A failure the CLI finds itself (bad arguments, an unknown type, a timeout while waiting), printed
 * as `error: message`: the CLI's counterpart of kubectl's `cmdutil.CheckErr` on a plain error. It
 * never crosses the API; it is here because every error class is (one place to find them all).
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    /** The process exit code (1 as kubectl; usage errors too). */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
