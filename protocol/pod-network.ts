/**
 * Which pods run on a node and what holds each one's network namespace: the kubelet publishes it on
 * `skiff.node.<node>.pods` (on change and periodically) and answers it on `skiff.node.<node>.pods.get`;
 * the node's proxy reads it to open a Service's listeners inside every pod that has a namespace of
 * its own (BLUEPRINT.md, Networking model).
 *
 * A Podman pod's namespace is held by its infra container: `netnsPid` is that process's PID on the
 * node, so `/proc/<netnsPid>/ns/net` is the namespace. Process and hollow pods share the node's
 * loopback and carry no `netnsPid`.
 */
import { z } from 'zod';

/** One pod on the node. */
export const PodNetworkSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  /** The PID of the process holding the pod's network namespace; absent: the node's own network. */
  netnsPid: z.number().int().positive().optional(),
});
export type PodNetwork = z.infer<typeof PodNetworkSchema>;

/** A node's whole pod set, as one message. */
export const NodePodNetworksSchema = z.object({
  node: z.string(),
  /**
   * Identifies the kubelet instance; with `seq` (counting up within one instance) a reader keeps
   * only the newest set when a reply and a publication cross.
   */
  instance: z.string(),
  seq: z.number().int().nonnegative(),
  /** When the set was read from the runtime (RFC 3339). */
  time: z.string(),
  pods: z.array(PodNetworkSchema),
});
export type NodePodNetworks = z.infer<typeof NodePodNetworksSchema>;

/** How often a kubelet publishes its pod set although nothing changed. */
export const POD_NETWORK_REFRESH_MS = 10_000;

/**
 * True when `next` supersedes `current`: another kubelet instance (a restart), or a later
 * sequence number of the same one.
 */
export function isNewerPodSet(current: NodePodNetworks | undefined, next: NodePodNetworks): boolean {
  if (current === undefined || current.instance !== next.instance) return true;
  return next.seq > current.seq;
}
