/**
 * Test-only: fluent builders for the objects the patch tests read, so that a test states only
 * what it is about (`makeDeployment('web').container(makeContainer('app', 'nginx:1.25')).obj()`),
 * and `deepFreeze`, which proves the patch functions never write to their inputs.
 */
import type { JsonObject, JsonValue } from '../json.js';

/** Builds one container of a pod spec. */
export interface ContainerBuilder {
  port(containerPort: number, name?: string): ContainerBuilder;
  env(name: string, value: string): ContainerBuilder;
  mount(mountPath: string, name: string): ContainerBuilder;
  args(...args: string[]): ContainerBuilder;
  obj(): JsonObject;
}

/** Starts a container with a name and an image. */
export function makeContainer(name: string, image: string): ContainerBuilder {
  const c: JsonObject = { name, image };
  const list = (field: string): JsonValue[] => {
    const existing = c[field];
    if (Array.isArray(existing)) return existing;
    const created: JsonValue[] = [];
    c[field] = created;
    return created;
  };
  const builder: ContainerBuilder = {
    port(containerPort, portName) {
      list('ports').push(portName ? { name: portName, containerPort } : { containerPort });
      return builder;
    },
    env(envName, value) {
      list('env').push({ name: envName, value });
      return builder;
    },
    mount(mountPath, volume) {
      list('volumeMounts').push({ name: volume, mountPath });
      return builder;
    },
    args(...args) {
      c.args = args;
      return builder;
    },
    obj: () => structuredClone(c),
  };
  return builder;
}

/** Builds a workload (Deployment by default) or, with `.pod()`, a Pod with the same pod spec. */
export interface WorkloadBuilder {
  replicas(n: number): WorkloadBuilder;
  labels(labels: Record<string, string>): WorkloadBuilder;
  annotations(annotations: Record<string, string>): WorkloadBuilder;
  finalizers(...finalizers: string[]): WorkloadBuilder;
  container(container: ContainerBuilder): WorkloadBuilder;
  initContainer(container: ContainerBuilder): WorkloadBuilder;
  volume(name: string, source: JsonObject): WorkloadBuilder;
  tolerations(...tolerations: JsonObject[]): WorkloadBuilder;
  strategy(strategy: JsonObject): WorkloadBuilder;
  /** The Deployment. */
  obj(): JsonObject;
  /** A Pod with the same metadata and pod spec. */
  pod(): JsonObject;
}

/** Starts a Deployment named `name` in namespace `default`, with no containers yet. */
export function makeDeployment(name: string): WorkloadBuilder {
  const metadata: JsonObject = { name, namespace: 'default' };
  const podSpec: JsonObject = {};
  const spec: JsonObject = {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: podSpec },
  };
  const push = (field: string, item: JsonValue): void => {
    const existing = podSpec[field];
    podSpec[field] = Array.isArray(existing) ? [...existing, item] : [item];
  };
  const builder: WorkloadBuilder = {
    replicas(n) {
      spec.replicas = n;
      return builder;
    },
    labels(labels) {
      metadata.labels = { ...labels };
      return builder;
    },
    annotations(annotations) {
      metadata.annotations = { ...annotations };
      return builder;
    },
    finalizers(...finalizers) {
      metadata.finalizers = finalizers;
      return builder;
    },
    container(c) {
      push('containers', c.obj());
      return builder;
    },
    initContainer(c) {
      push('initContainers', c.obj());
      return builder;
    },
    volume(volumeName, source) {
      push('volumes', { name: volumeName, ...source });
      return builder;
    },
    tolerations(...tolerations) {
      podSpec.tolerations = tolerations;
      return builder;
    },
    strategy(strategy) {
      spec.strategy = strategy;
      return builder;
    },
    obj: () => structuredClone({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec }),
    pod: () => structuredClone({ apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec }),
  };
  return builder;
}

/** Freezes a value and everything inside it, so that any write by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
