/**
 * The DaemonSet controller: one pod per eligible node (see plan.ts and eligibility.ts).
 *
 *   daemonsets informer ── add / update ───────────▶ its key ─────┐
 *   pods informer ──────── add / update / delete ──▶ owner's key ─┼──▶ work queue ──▶ syncDaemonSet
 *   nodes informer ─────── add / update / delete ──▶ every key ───┘                  (sync.ts)
 */
import { objectKeyOf } from '../../../protocol/client/informer.js';
import { controllerKeyOf, controllerUidIndex, orphanNamespaceIndex } from '../../../protocol/owners.js';
import type { DaemonSet } from '../../../protocol/resources/daemonset.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { ControllerExpectations } from '../../kernel/expectations.js';
import { podsToAdopt } from './plan.js';
import { BY_CONTROLLER_UID, ORPHANS_BY_NAMESPACE, syncDaemonSet } from './sync.js';

/** Timings of the DaemonSet controller. */
export interface DaemonSetControllerSettings {
  /** Concurrent syncs (default 2). */
  readonly workers?: number;
  /** How long unmet expectations block a DaemonSet (default 5 minutes, as Kubernetes). */
  readonly expectationsTtlMs?: number;
}

/** The DaemonSet controller as a controller definition. */
export function daemonSetController(settings: DaemonSetControllerSettings = {}): ControllerDefinition {
  return {
    name: 'daemonset',
    workers: settings.workers ?? 2,
    wire(ctx, queue) {
      const daemonSets = ctx.informers.informer<DaemonSet>('daemonsets');
      const nodes = ctx.informers.informer<Node>('nodes');
      const pods = ctx.informers.informer<Pod>('pods', {
        [BY_CONTROLLER_UID]: controllerUidIndex,
        [ORPHANS_BY_NAMESPACE]: orphanNamespaceIndex,
      });
      const expectations = new ControllerExpectations({
        clock: ctx.clock,
        log: ctx.log,
        ...(settings.expectationsTtlMs !== undefined ? { ttlMs: settings.expectationsTtlMs } : {}),
      });
      const all = () => {
        for (const ds of daemonSets.list()) queue.add(objectKeyOf(ds));
      };
      daemonSets.on({
        add: (ds) => queue.add(objectKeyOf(ds)),
        update: (_, ds) => queue.add(objectKeyOf(ds)),
        delete: (ds) => expectations.delete(objectKeyOf(ds)),
      });
      nodes.on({
        add: all,
        // Heartbeats update nodes every few seconds; only labels, taints and readiness matter.
        update: (old, node) => {
          if (
            JSON.stringify(old.metadata.labels) !== JSON.stringify(node.metadata.labels) ||
            JSON.stringify(old.spec) !== JSON.stringify(node.spec)
          ) {
            all();
          }
        },
        delete: all,
      });
      // An orphan that a DaemonSet's selector matches is that DaemonSet's to adopt.
      const adopters = (pod: Pod) => {
        for (const ds of daemonSets.list()) {
          if (podsToAdopt(ds, [pod]).length > 0) queue.add(objectKeyOf(ds));
        }
      };
      pods.on({
        add: (pod) => {
          const key = controllerKeyOf(pod, 'apps/v1', 'DaemonSet');
          if (!key) {
            if (orphanNamespaceIndex(pod).length > 0) adopters(pod);
            return;
          }
          if (!pod.metadata.deletionTimestamp) expectations.creationObserved(key);
          queue.add(key);
        },
        update: (old, pod) => {
          const key = controllerKeyOf(pod, 'apps/v1', 'DaemonSet');
          if (!key) {
            if (orphanNamespaceIndex(pod).length > 0) adopters(pod);
            return;
          }
          if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
            expectations.deletionObserved(key, pod.metadata.uid as string);
          }
          queue.add(key);
        },
        delete: (pod) => {
          const key = controllerKeyOf(pod, 'apps/v1', 'DaemonSet');
          if (!key) return;
          expectations.deletionObserved(key, pod.metadata.uid as string);
          queue.add(key);
        },
      });
      const deps = {
        client: ctx.client,
        recorder: ctx.recorder,
        clock: ctx.clock,
        log: ctx.log,
        daemonSets,
        nodes,
        pods,
        expectations,
        requeueAfter: (key: string, ms: number) => queue.addAfter(key, ms),
      };
      return { sync: (key) => syncDaemonSet(deps, key) };
    },
  };
}
