/**
 * Writing answers: JSON bodies (stored JSON passed through as it is), Kubernetes `Status` objects
 * for every failure, and handler warnings as `Warning: 299 - "<text>"` headers, as Kubernetes
 * sends them.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, internal, type Status } from '../../../protocol/errors.js';
import { RawJson } from '../objects.js';

/** The Status Kubernetes answers for a path it does not serve. */
export function pathNotFound(): ApiError {
  return new ApiError('NotFound', 'the server could not find the requested resource', {});
}

/** Sends `body` as JSON with `code`; RawJson is written without a parse and re-encode. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  warnings: readonly string[] = [],
): void {
  const text = body instanceof RawJson ? body.json : JSON.stringify(body ?? null);
  if (warnings.length > 0) res.setHeader('Warning', warnings.map(warningHeader));
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** Sends a failure Status with its code (and Retry-After when the Status carries one). */
export function sendStatus(res: ServerResponse, status: Status): void {
  const retry = status.details?.retryAfterSeconds;
  if (retry !== undefined) res.setHeader('Retry-After', String(retry));
  sendJson(res, status.code, status);
}

/** The Status of anything thrown while serving: ApiErrors as they are, anything else a 500. */
export function statusOfError(err: unknown): Status {
  if (err instanceof ApiError) return err.status;
  const message = err instanceof Error ? err.message : String(err);
  return internal(`Internal error occurred: ${message}`, err).status;
}

/**
 * `299 - "text"` (RFC 7234 warn-code, agent, quoted text). Header values must be single-line
 * Latin-1, so control characters become spaces and anything outside Latin-1 becomes `?`;
 * quotes and backslashes are escaped as the quoted-string grammar requires.
 */
export function warningHeader(text: string): string {
  let safe = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) safe += ' ';
    else if (code > 0xff) safe += '?';
    else if (ch === '"' || ch === '\\') safe += `\\${ch}`;
    else safe += ch;
  }
  return `299 - "${safe}"`;
}
