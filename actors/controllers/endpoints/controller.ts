/**
 * The endpoints controller: keeps, for every Service with a selector, an Endpoints object of the
 * same name listing the ready and not-ready addresses of the pods it selects (`plan.ts`).
 *
 *   services ──add/update/delete──────────────────────────────▶ key of the Service
 *   pods ──add/update/delete──▶ Services of its namespace whose selector matched (before or after)
 *   endpoints ──add/update/delete──▶ key of the Service (someone else changed it: put it right)
 *                                   │
 *                      syncService(key): calculateSubsets ──▶ create / update / delete Endpoints
 *
 * A Service without a selector is left alone: its Endpoints are the user's (Kubernetes' rule).
 * Event-driven, so a readiness change reaches the Endpoints in one sync (well under a second).
 */
import type { Informer } from '../../../protocol/client/informer.js';
import { objectKeyOf } from '../../../protocol/client/informer.js';
import { isReason } from '../../../protocol/errors.js';
import type { Endpoints } from '../../../protocol/resources/endpoints.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { Service } from '../../../protocol/resources/service.js';
import type { ControllerContext, ControllerDefinition } from '../../kernel/controllers.js';
import type { WorkQueue } from '../../kernel/workqueue.js';
import { calculateSubsets, selects } from './plan.js';

/** The controller's name: its actor, queue and metrics. */
export const ENDPOINTS_CONTROLLER = 'endpoints';
/** Index of pods and services by namespace. */
const BY_NAMESPACE = 'byNamespace';
const namespaceOf = (obj: { metadata: { namespace?: string } }) => [obj.metadata.namespace ?? ''];

/** Settings of the endpoints controller. */
export interface EndpointsSettings {
  /** Concurrent syncs (default 4, as kube-controller-manager's `--concurrent-endpoint-syncs` 5). */
  readonly workers?: number;
}

/** The endpoints controller's definition. */
export function endpointsController(settings: EndpointsSettings = {}): ControllerDefinition {
  return {
    name: ENDPOINTS_CONTROLLER,
    workers: settings.workers ?? 4,
    wire(ctx, queue) {
      const services = ctx.informers.informer<Service>('services', { [BY_NAMESPACE]: namespaceOf });
      const pods = ctx.informers.informer<Pod>('pods', { [BY_NAMESPACE]: namespaceOf });
      const endpoints = ctx.informers.informer<Endpoints>('endpoints');
      wireEvents(services, pods, endpoints, queue);
      return { sync: (key) => syncService(ctx, { services, pods, endpoints }, key) };
    },
  };
}

/** Turns informer events into Service keys. */
function wireEvents(
  services: Informer<Service>,
  pods: Informer<Pod>,
  endpoints: Informer<Endpoints>,
  queue: WorkQueue<string>,
): void {
  const enqueue = (obj: { metadata: { namespace?: string; name?: string } }) => queue.add(objectKeyOf(obj));
  services.on({ add: enqueue, update: (_, svc) => enqueue(svc), delete: enqueue });
  // A pod concerns the Services that select it now or selected it before the change.
  const podChanged = (...versions: Readonly<Pod>[]) => {
    const namespace = versions[0]?.metadata.namespace ?? '';
    for (const svc of services.byIndex(BY_NAMESPACE, namespace)) {
      if (versions.some((pod) => selects(svc.spec.selector, pod.metadata.labels))) enqueue(svc);
    }
  };
  pods.on({
    add: (p) => podChanged(p),
    update: (old, p) => podChanged(old, p),
    delete: (p) => podChanged(p),
  });
  endpoints.on({ add: enqueue, update: (_, ep) => enqueue(ep), delete: enqueue });
}

interface Listers {
  readonly services: Informer<Service>;
  readonly pods: Informer<Pod>;
  readonly endpoints: Informer<Endpoints>;
}

/** Makes the Endpoints of the Service under `key` match its pods. */
export async function syncService(ctx: ControllerContext, listers: Listers, key: string): Promise<void> {
  const [namespace = '', name = ''] = key.split('/');
  const service = listers.services.get(namespace, name);
  const current = listers.endpoints.get(namespace, name);
  if (!service) {
    // The Service is gone: so are the Endpoints it had (the garbage collector would too, later).
    if (current) await ignoreNotFound(ctx.client.delete('endpoints', namespace, name));
    return;
  }
  if (!service.spec.selector || Object.keys(service.spec.selector).length === 0) return;

  const subsets = calculateSubsets(service, listers.pods.byIndex(BY_NAMESPACE, namespace));
  const labels = { ...service.metadata.labels };
  if (current && sameJson(current.subsets ?? [], subsets) && sameJson(current.metadata.labels ?? {}, labels))
    return;
  const next: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...(current?.metadata ?? {}),
      namespace,
      name,
      labels,
    } as Endpoints['metadata'],
    ...(subsets.length > 0 ? { subsets } : {}),
  };
  try {
    if (current) await ctx.client.update('endpoints', next);
    else await ctx.client.create('endpoints', next);
  } catch (err) {
    // Someone (a previous sync whose answer we have not seen yet) got there first: the informer
    // brings the newer object and the update handler queues this Service again.
    if (isReason(err, 'Conflict') || isReason(err, 'AlreadyExists')) return;
    throw err;
  }
  ctx.log.debug({ service: key, subsets: subsets.length }, 'endpoints updated');
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isReason(err, 'NotFound')) throw err;
  }
}
