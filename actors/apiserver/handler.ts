/**
 * Routes a decoded request to its verb and turns every outcome into an answer: the body, or the
 * Kubernetes Status of the failure. Both faces (bus and HTTP) call this one function.
 */
import { match, P } from 'ts-pattern';
import type { ApiRequest } from '../../protocol/api.js';
import type { Status } from '../../protocol/errors.js';
import { ApiError, internal, StoreUnavailableError, toApiError, unavailable } from '../../protocol/errors.js';
import type { ApiDeps } from './deps.js';
import type { ApiMetrics } from './metrics.js';
import { remove, removeCollection } from './verbs/delete.js';
import { podExec, podLog } from './verbs/log.js';
import { get, list } from './verbs/read.js';
import { bind, getScale, writeScale } from './verbs/subresources.js';
import { apply, create, type Outcome, patch, update } from './verbs/write.js';

export type HandlerResult =
  | { readonly ok: true; readonly body: unknown; readonly warnings: readonly string[]; readonly code: number }
  | { readonly ok: false; readonly status: Status };

export type Handler = (req: ApiRequest) => Promise<HandlerResult>;

/** Builds the request handler over the given dependencies. */
export function createHandler(deps: ApiDeps, metrics: ApiMetrics): Handler {
  return async (req) => {
    const started = performance.now();
    const result = await serve(deps, req);
    const code = result.ok ? result.code : result.status.code;
    metrics.requestDuration.observe(
      { verb: req.verb, resource: req.resource, subresource: req.subresource ?? '', code: String(code) },
      (performance.now() - started) / 1000,
    );
    return result;
  };
}

async function serve(deps: ApiDeps, req: ApiRequest): Promise<HandlerResult> {
  try {
    const outcome = await route(deps, req);
    return { ok: true, body: outcome.body, warnings: outcome.warnings ?? [], code: outcome.code ?? 200 };
  } catch (err) {
    return { ok: false, status: statusOf(deps, req, err) };
  }
}

function route(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  return match([req.verb, req.subresource] as const)
    .with(['create', undefined], () => create(deps, req))
    .with(['create', 'binding'], () => bind(deps, req))
    .with(['get', P.union(undefined, 'status')], () => get(deps, req))
    .with(['get', 'scale'], () => getScale(deps, req))
    .with(['get', 'log'], () => podLog(deps, req))
    .with(['create', 'exec'], () => podExec(deps, req))
    .with(['list', undefined], () => list(deps, req))
    .with(['update', P.union(undefined, 'status')], () => update(deps, req))
    .with(['patch', P.union(undefined, 'status')], () => patch(deps, req))
    .with([P.union('update', 'patch'), 'scale'], () => writeScale(deps, req))
    .with(['delete', undefined], () => remove(deps, req))
    .with(['deletecollection', undefined], () => removeCollection(deps, req))
    .with(['apply', undefined], () => apply(deps, req))
    .otherwise(() => {
      const what = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
      throw new ApiError(
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource: ${req.verb} ${what}`,
      );
    });
}

/** The Status for a failure; the store being down is retryable (503), anything unexpected is 500. */
function statusOf(deps: ApiDeps, req: ApiRequest, err: unknown): Status {
  if (err instanceof ApiError) return err.status;
  if (err instanceof StoreUnavailableError) {
    deps.log.warn({ err: err.message, verb: req.verb, resource: req.resource }, 'store unavailable');
    return unavailable('the store is unavailable, try again', err).status;
  }
  deps.log.error({ err, verb: req.verb, resource: req.resource }, 'request failed unexpectedly');
  return (err instanceof Error ? internal(`Internal error occurred: ${err.message}`, err) : toApiError(err))
    .status;
}
