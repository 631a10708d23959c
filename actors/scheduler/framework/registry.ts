/**
 * The registry: every plugin Skiff ships, as one literal list. A plugin is added by writing its
 * line here, never by an import side effect, so this file is the complete list: the registry map
 * and the default profile (profile.ts) are both read from it.
 *
 * The list's order is the default Filter order (the first rejection names the node's reason, and
 * the cheap, most selective checks come first); `weight` is the default Score weight.
 */
import * as BalancedAllocation from '../plugins/balanced-allocation/balanced-allocation.js';
import * as InterPodAffinity from '../plugins/inter-pod-affinity/inter-pod-affinity.js';
import * as NodeAffinity from '../plugins/node-affinity/node-affinity.js';
import * as NodeName from '../plugins/node-name/node-name.js';
import * as NodePorts from '../plugins/node-ports/node-ports.js';
import * as NodeResourcesFit from '../plugins/node-resources-fit/node-resources-fit.js';
import * as NodeUnschedulable from '../plugins/node-unschedulable/node-unschedulable.js';
import * as PodTopologySpread from '../plugins/pod-topology-spread/pod-topology-spread.js';
import * as SelectorSpread from '../plugins/selector-spread/selector-spread.js';
import * as TaintToleration from '../plugins/taint-toleration/taint-toleration.js';
import type { PluginFactory } from './types.js';

/** One in-tree plugin: its name, its factory, and its weight in the default profile. */
export interface InTreePlugin {
  readonly name: string;
  readonly create: PluginFactory;
  /** Score weight in the default profile (plugins that do not score leave it unset). */
  readonly weight?: number;
}

/** Every in-tree plugin, in default Filter order, with kube-scheduler's default weights. */
export const IN_TREE_PLUGINS: readonly InTreePlugin[] = [
  { name: NodeUnschedulable.NAME, create: NodeUnschedulable.create },
  { name: NodeName.NAME, create: NodeName.create },
  { name: TaintToleration.NAME, create: TaintToleration.create, weight: 3 },
  { name: NodeAffinity.NAME, create: NodeAffinity.create, weight: 2 },
  { name: NodePorts.NAME, create: NodePorts.create },
  { name: NodeResourcesFit.NAME, create: NodeResourcesFit.create, weight: 1 },
  { name: PodTopologySpread.NAME, create: PodTopologySpread.create, weight: 2 },
  { name: InterPodAffinity.NAME, create: InterPodAffinity.create },
  { name: BalancedAllocation.NAME, create: BalancedAllocation.create, weight: 1 },
  { name: SelectorSpread.NAME, create: SelectorSpread.create, weight: 2 },
];

/** Plugin factories by plugin name. */
export type Registry = Readonly<Record<string, PluginFactory>>;

/** The in-tree plugins by name. */
export function defaultRegistry(): Registry {
  return Object.fromEntries(IN_TREE_PLUGINS.map((p) => [p.name, p.create]));
}
