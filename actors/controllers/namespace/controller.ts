/**
 * The namespace controller: deleting a namespace marks it Terminating with the `kubernetes`
 * finalizer (the API server does that); this controller deletes everything in it, waits until it
 * is gone, and removes the finalizer, which lets the API server delete the namespace for good.
 */
import type { Namespace } from '../../../protocol/resources/namespace.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { syncNamespace } from './sync.js';

export { CONTENT_FAILURE, CONTENT_REMAINING } from './status.js';

export const NAMESPACE_CONTROLLER = 'namespace';

/** Timings; tests shorten them. */
export interface NamespaceSettings {
  /** How long to wait before looking again at content still terminating (default 2 s). */
  readonly recheckMs?: number;
}

/** The namespace controller with `settings`. */
export function namespaceController(settings: NamespaceSettings = {}): ControllerDefinition {
  const recheckMs = settings.recheckMs ?? 2_000;
  return {
    name: NAMESPACE_CONTROLLER,
    wire(ctx, queue) {
      const namespaces = ctx.informers.informer<Namespace>('namespaces');
      const enqueue = (ns: Namespace) => {
        if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name as string);
      };
      namespaces.on({ add: enqueue, update: (_, ns) => enqueue(ns) });
      return { sync: (name) => syncNamespace({ ctx, queue, namespaces, recheckMs }, name) };
    },
  };
}
