/**
 * The garbage collector: acts on `ownerReferences` and the deletion finalizers the API server sets
 * for `propagationPolicy` (see sync.ts for what one sync does, plan.ts for the decisions).
 *
 *   informer per resource (indexes: by uid, by owner uid)
 *     add / update (references or finalizers changed) ──▶ the object's key
 *     delete ─────────────────────────────────────────▶ its dependents' and owners' keys
 *                                                        │
 *                                        work queue ──▶ syncGarbage(key)
 *
 * Keys are `<plural>/<namespace>/<name>`, one queue for every resource.
 */
import type { AnyObject } from '../../../protocol/resources/registry.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { deletionMode } from './plan.js';
import { BY_OWNER_UID, BY_UID, dependentsOf, graphKey, isServed, objectByUid, syncGarbage } from './sync.js';

/** Every resource that can own or be owned in Skiff, as Kubernetes' GC watches every deletable kind. */
export const GC_RESOURCES: readonly string[] = [
  'pods',
  'replicasets',
  'deployments',
  'daemonsets',
  'jobs',
  'services',
  'endpoints',
  'configmaps',
  'secrets',
];

/** Timings and scope of the garbage collector. */
export interface GarbageCollectorSettings {
  /** Resources (plural) in the ownership graph (default GC_RESOURCES). */
  readonly resources?: readonly string[];
  /** Concurrent syncs (default 4, as the deletions are independent). */
  readonly workers?: number;
  /** How long a key waits before retrying while the informers have not listed yet (default 100 ms). */
  readonly notSyncedRetryMs?: number;
}

/** The garbage collector as a controller definition. */
export function garbageCollectorController(settings: GarbageCollectorSettings = {}): ControllerDefinition {
  const resources = settings.resources ?? GC_RESOURCES;
  for (const r of resources)
    if (!isServed(r)) throw new TypeError(`garbage collector: unknown resource ${r}`);
  return {
    name: 'garbagecollector',
    workers: settings.workers ?? 4,
    wire(ctx, queue) {
      const informers = new Map(
        resources.map((plural) => [
          plural,
          ctx.informers.informer<AnyObject>(plural, {
            [BY_UID]: (o) => (o.metadata.uid ? [o.metadata.uid] : []),
            [BY_OWNER_UID]: (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid),
          }),
        ]),
      );
      for (const [plural, informer] of informers) {
        informer.on({
          add: (obj) => {
            if (inGraphWork(obj)) queue.add(graphKey(plural, obj));
          },
          update: (old, obj) => {
            if (graphChanged(old, obj) && inGraphWork(obj)) queue.add(graphKey(plural, obj));
          },
          delete: (obj) => {
            // An owner gone: its dependents may be garbage now. A dependent gone: its waiting
            // owner may be unblocked.
            const uid = obj.metadata.uid;
            if (uid) for (const d of dependentsOf(informers, uid)) queue.add(d.key);
            for (const ref of obj.metadata.ownerReferences ?? []) {
              const owner = objectByUid(informers, ref.uid);
              if (owner) queue.add(owner.key);
            }
          },
        });
      }
      const retryMs = settings.notSyncedRetryMs ?? 100;
      const deps = { client: ctx.client, informers, log: ctx.log, enqueue: (key: string) => queue.add(key) };
      return {
        async sync(key) {
          // Before every informer has listed, "owner not in the cache" means nothing: wait, rather
          // than verify every owner with a GET.
          if (![...informers.values()].every((i) => i.hasSynced)) {
            queue.addAfter(key, retryMs);
            return;
          }
          await syncGarbage(deps, key);
        },
      };
    },
  };
}

/** True when the collector has something to check on `obj`: owners, or a deletion finalizer. */
function inGraphWork(obj: AnyObject): boolean {
  return (obj.metadata.ownerReferences ?? []).length > 0 || deletionMode(obj) !== undefined;
}

/** True when an update touched what the collector reads (most pod updates touch only status). */
function graphChanged(old: AnyObject, obj: AnyObject): boolean {
  return (
    JSON.stringify(old.metadata.ownerReferences) !== JSON.stringify(obj.metadata.ownerReferences) ||
    old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp ||
    JSON.stringify(old.metadata.finalizers) !== JSON.stringify(obj.metadata.finalizers) ||
    old.metadata.uid !== obj.metadata.uid
  );
}
