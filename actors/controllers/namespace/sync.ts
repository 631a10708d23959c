/**
 * syncNamespace: a namespace with `deletionTimestamp` (phase Terminating) keeps the `kubernetes`
 * finalizer until everything in it is gone.
 *
 *   delete every namespaced object ──▶ conditions (failures, what remains) ──▶ all gone?
 *        ▲                                                                     │ no: recheck later
 *        └─────────────────────────────────────────────────────────────────────┘ yes: drop finalizer
 *
 * Content is listed from the API, not from informers: the controller would otherwise hold a cache
 * of every resource of every namespace only to empty a namespace now and then.
 */
import type { ApiClient } from '../../../protocol/client/api-client.js';
import type { Informer } from '../../../protocol/client/informer.js';
import { isReason } from '../../../protocol/errors.js';
import type { ObjectMeta } from '../../../protocol/meta.js';
import { NAMESPACE_FINALIZER, type Namespace } from '../../../protocol/resources/namespace.js';
import { resourceTypes } from '../../../protocol/resources/registry.js';
import type { ControllerContext } from '../../kernel/controllers.js';
import type { WorkQueue } from '../../kernel/workqueue.js';
import { type ContentOutcome, calculateConditions, contentGone } from './status.js';

/** What the sync reads and writes. */
export interface NamespaceDeps {
  readonly ctx: ControllerContext;
  readonly queue: WorkQueue<string>;
  readonly namespaces: Informer<Namespace>;
  /** How long to wait before looking again at content that is still terminating. */
  readonly recheckMs: number;
}

/** Empties one Terminating namespace, then lets it go. */
export async function syncNamespace(deps: NamespaceDeps, name: string): Promise<void> {
  const { ctx, queue } = deps;
  const ns = deps.namespaces.get('', name);
  if (!ns?.metadata.deletionTimestamp) return;
  if (!(ns.metadata.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;

  // 1. Ask every namespaced object to go, and count what is still there.
  const outcome = await deleteContent(ctx.client, name);

  // 2. Report it on the namespace (only when the conditions changed: a recheck writes nothing).
  let latest: Namespace = ns;
  const conditions = calculateConditions(ns.status.conditions, outcome, rfc3339(ctx.clock.now()));
  if (JSON.stringify(conditions) !== JSON.stringify(ns.status.conditions ?? [])) {
    latest = await ctx.client.updateStatus('namespaces', { ...ns, status: { ...ns.status, conditions } });
  }
  if (outcome.failures.length > 0) {
    throw new Error(`namespace ${name}: deleting its content failed: ${outcome.failures.join('; ')}`);
  }

  // 3. Pods with grace periods take time: look again later.
  if (!contentGone(outcome)) {
    queue.addAfter(name, deps.recheckMs);
    return;
  }

  // 4. Empty: drop our finalizer; the API server removes the namespace with its last finalizer.
  const finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
  await ctx.client.update('namespaces', { ...latest, metadata: { ...latest.metadata, finalizers } });
  ctx.log.info({ namespace: name }, 'namespace emptied and finalized');
}

/** Deletes every namespaced object in `namespace`; returns what remains and what failed. */
export async function deleteContent(client: ApiClient, namespace: string): Promise<ContentOutcome> {
  const remaining: Record<string, number> = {};
  const failures: string[] = [];
  for (const type of resourceTypes()) {
    if (!type.namespaced) continue;
    try {
      const items = (await client.listAll<{ metadata: ObjectMeta }>(type.plural, { namespace })).items;
      let left = 0;
      for (const item of items) {
        if (await deleteOne(client, type.plural, namespace, item.metadata)) left++;
      }
      remaining[type.plural] = left;
    } catch (err) {
      failures.push(`${type.plural}: ${(err as Error).message}`);
    }
  }
  return { remaining, failures };
}

/** Deletes one object; true when it is still there afterwards (terminating). */
async function deleteOne(
  client: ApiClient,
  resource: string,
  namespace: string,
  meta: ObjectMeta,
): Promise<boolean> {
  // Already terminating: deleting again could only shorten its grace period, which is its owner's call.
  if (meta.deletionTimestamp) return true;
  try {
    const result = (await client.delete(resource, namespace, meta.name as string, {
      preconditions: { uid: meta.uid as string },
    })) as { metadata?: ObjectMeta } | undefined;
    return Boolean(result?.metadata?.deletionTimestamp);
  } catch (err) {
    if (isReason(err, 'NotFound')) return false;
    throw err;
  }
}

/** An RFC 3339 timestamp in whole seconds. */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
