/**
 * The registry: every plugin Skiff ships, by name, as one literal map. A plugin is added by
 * writing its line here, never by an import side effect, so this file is the complete list.
 */
import * as BalancedAllocation from '../plugins/balancedallocation/index.js';
import * as InterPodAffinity from '../plugins/interpodaffinity/index.js';
import * as NodeAffinity from '../plugins/nodeaffinity/index.js';
import * as NodeName from '../plugins/nodename/index.js';
import * as NodePorts from '../plugins/nodeports/index.js';
import * as NodeResourcesFit from '../plugins/noderesourcesfit/index.js';
import * as NodeUnschedulable from '../plugins/nodeunschedulable/index.js';
import * as PodTopologySpread from '../plugins/podtopologyspread/index.js';
import * as SelectorSpread from '../plugins/selectorspread/index.js';
import * as TaintToleration from '../plugins/tainttoleration/index.js';
import type { PluginFactory } from './types.js';

/** Plugin factories by plugin name. */
export type Registry = Readonly<Record<string, PluginFactory>>;

/** The in-tree plugins. */
export function defaultRegistry(): Registry {
  return {
    [NodeUnschedulable.NAME]: NodeUnschedulable.create,
    [NodeName.NAME]: NodeName.create,
    [TaintToleration.NAME]: TaintToleration.create,
    [NodeAffinity.NAME]: NodeAffinity.create,
    [NodePorts.NAME]: NodePorts.create,
    [NodeResourcesFit.NAME]: NodeResourcesFit.create,
    [PodTopologySpread.NAME]: PodTopologySpread.create,
    [InterPodAffinity.NAME]: InterPodAffinity.create,
    [BalancedAllocation.NAME]: BalancedAllocation.create,
    [SelectorSpread.NAME]: SelectorSpread.create,
  };
}
