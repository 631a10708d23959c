/**
 * Fixture builders for pods and nodes:
 * `makePod('web-1').namespace('default').node('n1').labels({app: 'web'}).requests({cpu: '100m'}).obj()`,
 * `makeNode('n1').capacity({cpu: '4', memory: '8Gi', pods: '110'}).taint({key: 'k', effect: 'NoSchedule'}).obj()`.
 */
import type { ContainerInput, ContainerPortInput } from '../resources/container.js';
import { type Node, NodeSchema, type NodeStatusInput } from '../resources/node.js';
import { type Pod, PodSchema, type PodSpecInput } from '../resources/pod.js';
import type { PodPhase, PodStatusInput } from '../resources/pod-status.js';
import type {
  AffinityInput,
  TaintInput,
  TolerationInput,
  TopologySpreadConstraintInput,
} from '../resources/scheduling.js';
import type { VolumeInput } from '../resources/volume.js';
import { FIXTURE_TIME, ObjectBuilder } from './builder-base.js';

/** The image fixtures run unless told otherwise (local: no registry is reachable in tests). */
export const FIXTURE_IMAGE = 'localhost/skiff-test:1.0';

type Resources = Record<string, string>;

/** Container setters shared by pods and pod templates; each applies to the first container. */
export class PodSpecDraft {
  spec: PodSpecInput = { containers: [{ name: 'main', image: FIXTURE_IMAGE }] };

  /** Applies `edit` to the first container. */
  editMain(edit: (c: ContainerInput) => ContainerInput): void {
    const [main, ...rest] = this.spec.containers ?? [];
    this.spec = { ...this.spec, containers: [edit(main ?? { name: 'main', image: FIXTURE_IMAGE }), ...rest] };
  }

  /** Merges resource requests into the first container. */
  requests(requests: Resources): void {
    this.editMain((c) => ({
      ...c,
      resources: { ...c.resources, requests: { ...c.resources?.requests, ...requests } },
    }));
  }

  /** Merges resource limits into the first container. */
  limits(limits: Resources): void {
    this.editMain((c) => ({
      ...c,
      resources: { ...c.resources, limits: { ...c.resources?.limits, ...limits } },
    }));
  }

  /** Adds container ports (numbers, or full port objects) to the first container. */
  ports(ports: readonly (number | ContainerPortInput)[]): void {
    const added = ports.map((p) => (typeof p === 'number' ? { containerPort: p } : p));
    this.editMain((c) => ({ ...c, ports: [...(c.ports ?? []), ...added] }));
  }
}

/** Builds a Pod; by default one container `main` running FIXTURE_IMAGE, in namespace `default`. */
export class PodBuilder extends ObjectBuilder<Pod> {
  private readonly draft = new PodSpecDraft();
  private status: PodStatusInput | undefined;

  constructor(name: string) {
    super(PodSchema, 'Pod', name, 'default');
  }

  protected document(): Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: this.meta,
      spec: this.draft.spec,
      ...(this.status ? { status: this.status } : {}),
    };
  }

  private spec(edit: Partial<PodSpecInput>): this {
    this.draft.spec = { ...this.draft.spec, ...edit };
    return this;
  }

  /** Binds the pod to a node. */
  node(nodeName: string): this {
    return this.spec({ nodeName });
  }

  /** Sets the first container's image. */
  image(image: string): this {
    this.draft.editMain((c) => ({ ...c, image }));
    return this;
  }

  /** Sets the first container's command. */
  command(...command: string[]): this {
    this.draft.editMain((c) => ({ ...c, command }));
    return this;
  }

  /** Merges resource requests into the first container: `.requests({cpu: '100m', memory: '64Mi'})`. */
  requests(requests: Resources): this {
    this.draft.requests(requests);
    return this;
  }

  /** Merges resource limits into the first container. */
  limits(limits: Resources): this {
    this.draft.limits(limits);
    return this;
  }

  /** Adds ports to the first container: `.ports(80, {containerPort: 53, protocol: 'UDP'})`. */
  ports(...ports: (number | ContainerPortInput)[]): this {
    this.draft.ports(ports);
    return this;
  }

  /** Adds a container. */
  container(container: ContainerInput): this {
    return this.spec({ containers: [...(this.draft.spec.containers ?? []), container] });
  }

  /** Adds an init container. */
  initContainer(container: ContainerInput): this {
    return this.spec({ initContainers: [...(this.draft.spec.initContainers ?? []), container] });
  }

  /** Adds a volume. */
  volume(volume: VolumeInput): this {
    return this.spec({ volumes: [...(this.draft.spec.volumes ?? []), volume] });
  }

  /** Sets the restart policy. */
  restartPolicy(restartPolicy: 'Always' | 'OnFailure' | 'Never'): this {
    return this.spec({ restartPolicy });
  }

  /** Sets the scheduler name. */
  schedulerName(schedulerName: string): this {
    return this.spec({ schedulerName });
  }

  /** Sets the priority. */
  priority(priority: number): this {
    return this.spec({ priority });
  }

  /** Merges a node selector. */
  nodeSelector(selector: Record<string, string>): this {
    return this.spec({ nodeSelector: { ...this.draft.spec.nodeSelector, ...selector } });
  }

  /** Adds a toleration. */
  tolerate(toleration: TolerationInput): this {
    return this.spec({ tolerations: [...(this.draft.spec.tolerations ?? []), toleration] });
  }

  /** Sets the affinity. */
  affinity(affinity: AffinityInput): this {
    return this.spec({ affinity });
  }

  /** Adds a topology spread constraint. */
  spread(constraint: TopologySpreadConstraintInput): this {
    return this.spec({
      topologySpreadConstraints: [...(this.draft.spec.topologySpreadConstraints ?? []), constraint],
    });
  }

  /** Uses the node's network (hostPort defaults to containerPort). */
  hostNetwork(): this {
    return this.spec({ hostNetwork: true });
  }

  /** Sets the termination grace period. */
  gracePeriod(seconds: number): this {
    return this.spec({ terminationGracePeriodSeconds: seconds });
  }

  /** Sets status.phase. */
  phase(phase: PodPhase): this {
    this.status = { ...this.status, phase };
    return this;
  }

  /** Marks the pod Running and Ready, with a ready status for each container. */
  ready(): this {
    const containerStatuses = (this.draft.spec.containers ?? []).map((c) => ({
      name: c.name ?? 'main',
      ready: true,
      restartCount: 0,
      image: c.image ?? FIXTURE_IMAGE,
      started: true,
      state: { running: { startedAt: FIXTURE_TIME } },
    }));
    this.status = {
      ...this.status,
      phase: 'Running',
      startTime: FIXTURE_TIME,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: FIXTURE_TIME }],
      containerStatuses,
    };
    return this;
  }

  /** Sets status.podIP (and podIPs). */
  podIP(ip: string): this {
    this.status = { ...this.status, podIP: ip, podIPs: [{ ip }] };
    return this;
  }

  /** Merges arbitrary status fields. */
  withStatus(status: PodStatusInput): this {
    this.status = { ...this.status, ...status };
    return this;
  }
}

/** A Pod fixture builder. */
export function makePod(name = 'pod'): PodBuilder {
  return new PodBuilder(name);
}

/** Builds a Node: by default Ready, 4 CPU, 8Gi, 110 pods, address 127.0.0.1. */
export class NodeBuilder extends ObjectBuilder<Node> {
  private taints: TaintInput[] = [];
  private unschedulable = false;
  private status: NodeStatusInput;

  constructor(name: string) {
    super(NodeSchema, 'Node', name, undefined);
    this.meta = { ...this.meta, labels: { 'kubernetes.io/hostname': name } };
    const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
    this.status = {
      capacity,
      allocatable: capacity,
      conditions: [
        { type: 'Ready', status: 'True', lastHeartbeatTime: FIXTURE_TIME, lastTransitionTime: FIXTURE_TIME },
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
    };
  }

  protected document(): Record<string, unknown> {
    const spec = {
      ...(this.taints.length ? { taints: this.taints } : {}),
      ...(this.unschedulable ? { unschedulable: true } : {}),
    };
    return { apiVersion: 'v1', kind: 'Node', metadata: this.meta, spec, status: this.status };
  }

  /** Sets capacity, and allocatable to the same unless `allocatable` is called. */
  capacity(capacity: Resources): this {
    const sameAllocatable = this.status.allocatable === this.status.capacity;
    this.status = { ...this.status, capacity, ...(sameAllocatable ? { allocatable: capacity } : {}) };
    return this;
  }

  /** Sets allocatable. */
  allocatable(allocatable: Resources): this {
    this.status = { ...this.status, allocatable };
    return this;
  }

  /** Adds a taint. */
  taint(taint: TaintInput): this {
    this.taints = [...this.taints, taint];
    return this;
  }

  /** Cordons the node. */
  cordoned(): this {
    this.unschedulable = true;
    return this;
  }

  /** Sets the Ready condition to False (or Unknown). */
  notReady(status: 'False' | 'Unknown' = 'False'): this {
    const conditions = (this.status.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status } : c));
    this.status = { ...this.status, conditions };
    return this;
  }

  /** Sets the InternalIP address. */
  address(ip: string): this {
    const others = (this.status.addresses ?? []).filter((a) => a.type !== 'InternalIP');
    this.status = { ...this.status, addresses: [{ type: 'InternalIP', address: ip }, ...others] };
    return this;
  }
}

/** A Node fixture builder. */
export function makeNode(name = 'node'): NodeBuilder {
  return new NodeBuilder(name);
}
