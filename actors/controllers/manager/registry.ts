/**
 * The controllers the manager runs, as one literal list (no registration by import side effect).
 * Each controller's settings arrive under its name, so tests and flags shorten its timings.
 */
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { type DaemonSetControllerSettings, daemonSetController } from '../daemonset/controller.js';
import { type DeploymentControllerSettings, deploymentController } from '../deployment/controller.js';
import { type EndpointsSettings, endpointsController } from '../endpoints/controller.js';
import { type GarbageCollectorSettings, garbageCollectorController } from '../garbagecollector/controller.js';
import { type JobControllerSettings, jobController } from '../job/controller.js';
import { type NamespaceSettings, namespaceController } from '../namespace/controller.js';
import { type NodeLifecycleSettings, nodeLifecycleController } from '../nodelifecycle/controller.js';
import { type ReplicaSetControllerSettings, replicaSetController } from '../replicaset/controller.js';

/** Settings per controller, by controller name. */
export interface ControllerSettings {
  readonly nodelifecycle?: NodeLifecycleSettings;
  readonly namespace?: NamespaceSettings;
  readonly endpoints?: EndpointsSettings;
  readonly garbagecollector?: GarbageCollectorSettings;
  readonly job?: JobControllerSettings;
  readonly daemonset?: DaemonSetControllerSettings;
  readonly replicaset?: ReplicaSetControllerSettings;
  readonly deployment?: DeploymentControllerSettings;
}

/** Every controller the manager runs, with its settings. */
export function controllerRegistry(settings: ControllerSettings = {}): readonly ControllerDefinition[] {
  return [
    nodeLifecycleController(settings.nodelifecycle),
    namespaceController(settings.namespace),
    endpointsController(settings.endpoints),
    garbageCollectorController(settings.garbagecollector),
    jobController(settings.job),
    daemonSetController(settings.daemonset),
    replicaSetController(settings.replicaset),
    deploymentController(settings.deployment),
  ];
}
