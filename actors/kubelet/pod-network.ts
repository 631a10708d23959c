/**
 * The kubelet's pod-network publication: which pods run on this node and, for each one with a
 * network namespace of its own (Podman), the PID holding it. The node's proxy reads it to open
 * every Service's listeners inside each pod (BLUEPRINT.md, Networking model).
 *
 *   runtime events (start/exit) ──debounce──▶ read sandboxes ──changed?──▶ publish skiff.node.<n>.pods
 *   refresh timer (10 s) ─────────────────▶ read sandboxes ──────────────▶ publish (always)
 *   request on skiff.node.<n>.pods.get ────▶ reply with the last set read (read first if none yet)
 *
 * The set is read from the runtime, not from the API: what matters to the proxy is which network
 * namespaces exist on this node right now, whatever the API says the pods should be.
 */
import { randomBytes } from 'node:crypto';
import type { Bus, Subscription } from '../../protocol/bus.js';
import type { Timer } from '../../protocol/clock.js';
import { type NodePodNetworks, POD_NETWORK_REFRESH_MS, type PodNetwork } from '../../protocol/pod-network.js';
import type { Subjects } from '../../protocol/subjects.js';
import type { ActorLogic } from '../kernel/actor.js';
import type { ContainerRuntime, EventSubscription } from './runtimes/runtime.js';

export interface PodNetworkDeps {
  readonly node: string;
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly runtime: ContainerRuntime;
  /** Publish although nothing changed this often (default `POD_NETWORK_REFRESH_MS`). */
  readonly refreshMs?: number;
  /** Runtime events arriving within this window cause one read (default 100 ms). */
  readonly debounceMs?: number;
}

export type PodNetworkMsg =
  | { readonly type: 'read'; readonly publish: 'always' | 'if-changed' }
  | { readonly type: 'runtime-event' };

/** The actor publishing this node's pod set; one instance per kubelet. */
export function podNetworkActor(deps: PodNetworkDeps): () => ActorLogic<PodNetworkMsg> {
  // Kept across restarts of the actor, so a reader's "newer than" check holds.
  const instance = randomBytes(6).toString('hex');
  let seq = 0;
  return () => {
    let last: NodePodNetworks | undefined;
    let events: EventSubscription | undefined;
    let request: Subscription | undefined;
    let refresh: Timer | undefined;
    let debounce: Timer | undefined;

    const read = async (now: number): Promise<NodePodNetworks> => ({
      node: deps.node,
      instance,
      seq: ++seq,
      time: new Date(now).toISOString(),
      pods: await readPodNetworks(deps.runtime),
    });

    return {
      start: async (ctx) => {
        // Answering first: a proxy starting now asks at once.
        request = deps.bus.subscribe(deps.subjects.nodePodsGet(deps.node), async (msg) => {
          try {
            last ??= await read(ctx.clock.now());
            msg.respond(JSON.stringify(last));
          } catch (err) {
            // No reply: the proxy's request times out and it relies on the next publication.
            ctx.log.warn({ err }, 'reading the pod network set for a request failed');
          }
        });
        try {
          events = await deps.runtime.events(() => ctx.self.send({ type: 'runtime-event' }));
        } catch (err) {
          request.unsubscribe(); // this instance fails to start: the next one subscribes again
          throw err;
        }
        ctx.self.send({ type: 'read', publish: 'always' });
      },
      receive: async (msg, ctx) => {
        if (msg.type === 'runtime-event') {
          // A start or exit changes sandboxes only now and then, and comes in bursts: one read per burst.
          debounce ??= ctx.clock.setTimeout(() => {
            debounce = undefined;
            ctx.self.send({ type: 'read', publish: 'if-changed' });
          }, deps.debounceMs ?? 100);
          return;
        }
        refresh?.cancel();
        // Scheduled before reading, so a failing runtime is asked again at the next refresh.
        refresh = ctx.clock.setTimeout(
          () => ctx.self.send({ type: 'read', publish: 'always' }),
          deps.refreshMs ?? POD_NETWORK_REFRESH_MS,
        );
        const next = await read(ctx.clock.now());
        const changed = last === undefined || !samePods(last.pods, next.pods);
        last = next;
        if (changed || msg.publish === 'always') {
          deps.bus.publish(deps.subjects.nodePods(deps.node), JSON.stringify(next));
        }
        if (changed) ctx.log.debug({ pods: next.pods.length }, 'pod network set changed');
      },
      stop: async () => {
        refresh?.cancel();
        debounce?.cancel();
        await request?.drain();
        await events?.close();
      },
    };
  };
}

/** The pods whose sandboxes are ready, with the PID holding each namespace where there is one. */
export async function readPodNetworks(runtime: ContainerRuntime): Promise<PodNetwork[]> {
  const sandboxes = (await runtime.listPodSandboxes()).filter((s) => s.state === 'ready');
  const pods = await Promise.all(
    sandboxes.map(async (s): Promise<PodNetwork> => {
      const network = await runtime.sandboxNetwork?.(s.id);
      return {
        namespace: s.namespace,
        name: s.name,
        uid: s.podUid,
        ...(network ? { netnsPid: network.pid } : {}),
      };
    }),
  );
  return pods.sort((a, b) => a.uid.localeCompare(b.uid));
}

/** True when both sets name the same pods with the same namespace holders (both sorted by uid). */
function samePods(a: readonly PodNetwork[], b: readonly PodNetwork[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.uid === b[i]?.uid && p.netnsPid === b[i]?.netnsPid && p.name === b[i]?.name)
  );
}
