/**
 * The bus face of the API server: a pool of request workers (actors), each handling one request
 * at a time, fed by a queue-group subscription on `skiff.api.>`. Several API server replicas
 * subscribe in the same queue group, so NATS spreads requests over them.
 */
import { match } from 'ts-pattern';
import { type ApiRequest, isSubresource, parseRequestBody, STATUS_CODE_HEADER } from '../../protocol/api.js';
import type { BusMessage } from '../../protocol/bus.js';
import { ApiError, badRequest, type Status, tooLarge } from '../../protocol/errors.js';
import type { ApiVerb, Subjects } from '../../protocol/subjects.js';
import type { ActorLogic } from '../kernel/actor.js';
import type { Limits } from './deps.js';
import type { Handler, HandlerResult } from './handler.js';
import { RawJson } from './objects.js';

const VERBS: readonly string[] = [
  'create',
  'get',
  'list',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'apply',
];

/** A request worker's only message. */
export type RequestMessage = { readonly type: 'request'; readonly msg: BusMessage };

/** The logic of one request worker. */
export function requestWorker(deps: {
  readonly subjects: Subjects;
  readonly handler: Handler;
  readonly limits: Limits;
}): ActorLogic<RequestMessage> {
  return {
    receive: (message) =>
      match(message)
        .with({ type: 'request' }, async ({ msg }) => {
          const decoded = decodeRequest(deps.subjects, deps.limits, msg);
          const result = decoded instanceof ApiError ? failure(decoded.status) : await deps.handler(decoded);
          reply(msg, result);
        })
        .exhaustive(),
  };
}

/** Decodes and validates a bus request, or returns the error to answer with. */
export function decodeRequest(subjects: Subjects, limits: Limits, msg: BusMessage): ApiRequest | ApiError {
  if (msg.data.byteLength > limits.maxRequestBytes) {
    return tooLarge(`Request entity too large: limit is ${limits.maxRequestBytes}`);
  }
  const route = subjects.parseApi(msg.subject);
  if (!route || !VERBS.includes(route.verb)) return badRequest(`not an API subject: ${msg.subject}`);
  if (route.subresource !== undefined && !isSubresource(route.subresource)) {
    return new ApiError(
      'NotFound',
      `the server could not find the requested resource (${route.subresource})`,
    );
  }
  let json: unknown;
  try {
    json = msg.data.byteLength === 0 ? {} : JSON.parse(msg.text());
  } catch (err) {
    return badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  const body = parseRequestBody(json);
  if (!body.ok) return badRequest(`malformed request: ${body.message}`);
  return {
    ...body.body,
    verb: route.verb as ApiVerb,
    resource: route.resource,
    ...(route.subresource !== undefined && isSubresource(route.subresource)
      ? { subresource: route.subresource }
      : {}),
  };
}

function failure(status: Status): HandlerResult {
  return { ok: false, status };
}

/** Writes the reply: stored JSON goes out as it is, without a parse and re-encode. */
function reply(msg: BusMessage, result: HandlerResult): void {
  const code = result.ok ? result.code : result.status.code;
  const headers = new Map([[STATUS_CODE_HEADER, String(code)]]);
  const encoded = encodeResult(result);
  try {
    msg.respond(encoded, { headers });
  } catch (err) {
    // Most likely larger than the bus allows (NATS max_payload): say so rather than go silent,
    // which the client would only see as a timeout.
    const status = tooLarge(
      `the response (${Buffer.byteLength(encoded)} bytes) could not be sent on the bus: ${(err as Error).message}; ` +
        'list with limit/continue to page it',
    ).status;
    msg.respond(encodeResult(failure(status)), {
      headers: new Map([[STATUS_CODE_HEADER, String(status.code)]]),
    });
  }
}

/** `{"ok":true,"body":…,"warnings":[…]}` or `{"ok":false,"status":…}`. */
export function encodeResult(result: HandlerResult): string {
  if (!result.ok) return `{"ok":false,"status":${JSON.stringify(result.status)}}`;
  const body = result.body instanceof RawJson ? result.body.json : JSON.stringify(result.body ?? null);
  const warnings = result.warnings.length > 0 ? `,"warnings":${JSON.stringify(result.warnings)}` : '';
  return `{"ok":true,"body":${body}${warnings}}`;
}
