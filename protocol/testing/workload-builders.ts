/**
 * Fixture builders for workloads: `makeDeployment('web').replicas(3).image('nginx:1.25').obj()`,
 * `makeReplicaSet`, `makeDaemonSet`, `makeJob`. Each has a pod template with one container and the
 * labels `{app: <name>}`, and a selector matching them unless `.selector(...)` says otherwise.
 */
import type { z } from 'zod';
import type { KubeObject, LabelSelectorInput } from '../meta.js';
import type { ContainerPortInput } from '../resources/container.js';
import { type DaemonSet, DaemonSetSchema, type DaemonSetStatusInput } from '../resources/daemonset.js';
import { type Deployment, DeploymentSchema, type DeploymentStatusInput } from '../resources/deployment.js';
import type { IntOrString } from '../resources/fields.js';
import { generateJobSelector, type Job, JobSchema, type JobStatusInput } from '../resources/job.js';
import type { PodSpecInput } from '../resources/pod.js';
import { type ReplicaSet, ReplicaSetSchema, type ReplicaSetStatusInput } from '../resources/replicaset.js';
import type { TolerationInput } from '../resources/scheduling.js';
import { ObjectBuilder } from './builder-base.js';
import { PodSpecDraft } from './pod-builders.js';

type Resources = Record<string, string>;

/** Template and selector setters shared by every workload builder. */
abstract class WorkloadBuilder<Out extends KubeObject> extends ObjectBuilder<Out> {
  protected readonly draft = new PodSpecDraft();
  protected templateLabels: Record<string, string>;
  protected selectorInput: LabelSelectorInput | undefined;
  protected specFields: Record<string, unknown> = {};

  protected constructor(schema: z.ZodType<Out>, kind: string, name: string) {
    super(schema, kind, name, 'default');
    this.templateLabels = { app: name };
  }

  /** The spec as built: template, selector (matching the template labels by default), other fields. */
  protected spec(): Record<string, unknown> {
    return {
      ...this.specFields,
      selector: this.selectorInput ?? { matchLabels: { ...this.templateLabels } },
      template: { metadata: { labels: this.templateLabels }, spec: this.draft.spec },
    };
  }

  /** Replaces the pod template's labels (the default selector follows them). */
  podLabels(labels: Record<string, string>): this {
    this.templateLabels = { ...labels };
    return this;
  }

  /** Sets an explicit selector. */
  selector(selector: LabelSelectorInput): this {
    this.selectorInput = selector;
    return this;
  }

  /** Sets the template's first container image. */
  image(image: string): this {
    this.draft.editMain((c) => ({ ...c, image }));
    return this;
  }

  /** Merges resource requests into the template's first container. */
  requests(requests: Resources): this {
    this.draft.requests(requests);
    return this;
  }

  /** Merges resource limits into the template's first container. */
  limits(limits: Resources): this {
    this.draft.limits(limits);
    return this;
  }

  /** Adds ports to the template's first container. */
  ports(...ports: (number | ContainerPortInput)[]): this {
    this.draft.ports(ports);
    return this;
  }

  /** Merges fields into the template's pod spec. */
  podSpec(fields: Partial<PodSpecInput>): this {
    this.draft.spec = { ...this.draft.spec, ...fields };
    return this;
  }

  /** Adds a toleration to the template. */
  tolerate(toleration: TolerationInput): this {
    return this.podSpec({ tolerations: [...(this.draft.spec.tolerations ?? []), toleration] });
  }

  /** Sets minReadySeconds. */
  minReadySeconds(seconds: number): this {
    this.specFields.minReadySeconds = seconds;
    return this;
  }
}

/** Builds a Deployment: 1 replica, RollingUpdate 25%/25% unless told otherwise. */
export class DeploymentBuilder extends WorkloadBuilder<Deployment> {
  private status: DeploymentStatusInput | undefined;

  constructor(name: string) {
    super(DeploymentSchema, 'Deployment', name);
  }

  protected document(): Record<string, unknown> {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: this.meta,
      spec: this.spec(),
      status: this.status,
    };
  }

  /** Sets spec.replicas. */
  replicas(replicas: number): this {
    this.specFields.replicas = replicas;
    return this;
  }

  /** Uses a rolling update with the given bounds. */
  rollingUpdate(bounds: { maxSurge?: IntOrString; maxUnavailable?: IntOrString }): this {
    this.specFields.strategy = { type: 'RollingUpdate', rollingUpdate: bounds };
    return this;
  }

  /** Uses the Recreate strategy. */
  recreate(): this {
    this.specFields.strategy = { type: 'Recreate' };
    return this;
  }

  /** Pauses the rollout. */
  paused(): this {
    this.specFields.paused = true;
    return this;
  }

  /** Sets revisionHistoryLimit. */
  revisionHistoryLimit(limit: number): this {
    this.specFields.revisionHistoryLimit = limit;
    return this;
  }

  /** Sets progressDeadlineSeconds. */
  progressDeadlineSeconds(seconds: number): this {
    this.specFields.progressDeadlineSeconds = seconds;
    return this;
  }

  /** Merges status fields. */
  withStatus(status: DeploymentStatusInput): this {
    this.status = { ...this.status, ...status };
    return this;
  }
}

/** A Deployment fixture builder. */
export function makeDeployment(name = 'deploy'): DeploymentBuilder {
  return new DeploymentBuilder(name);
}

/** Builds a ReplicaSet (1 replica unless told otherwise). */
export class ReplicaSetBuilder extends WorkloadBuilder<ReplicaSet> {
  private status: ReplicaSetStatusInput | undefined;

  constructor(name: string) {
    super(ReplicaSetSchema, 'ReplicaSet', name);
  }

  protected document(): Record<string, unknown> {
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: this.meta,
      spec: this.spec(),
      status: this.status,
    };
  }

  /** Sets spec.replicas. */
  replicas(replicas: number): this {
    this.specFields.replicas = replicas;
    return this;
  }

  /** Adds the `pod-template-hash` label to the ReplicaSet, its template and its selector, as Deployments do. */
  templateHash(hash: string): this {
    this.templateLabels = { ...this.templateLabels, 'pod-template-hash': hash };
    return this.labels({ 'pod-template-hash': hash });
  }

  /** Merges status fields. */
  withStatus(status: ReplicaSetStatusInput): this {
    this.status = { ...this.status, ...status };
    return this;
  }
}

/** A ReplicaSet fixture builder. */
export function makeReplicaSet(name = 'rs'): ReplicaSetBuilder {
  return new ReplicaSetBuilder(name);
}

/** Builds a DaemonSet (RollingUpdate, maxUnavailable 1, unless told otherwise). */
export class DaemonSetBuilder extends WorkloadBuilder<DaemonSet> {
  private status: DaemonSetStatusInput | undefined;

  constructor(name: string) {
    super(DaemonSetSchema, 'DaemonSet', name);
  }

  protected document(): Record<string, unknown> {
    return {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: this.meta,
      spec: this.spec(),
      status: this.status,
    };
  }

  /** Merges a node selector into the template. */
  nodeSelector(selector: Record<string, string>): this {
    return this.podSpec({ nodeSelector: { ...this.draft.spec.nodeSelector, ...selector } });
  }

  /** Uses the OnDelete update strategy. */
  onDelete(): this {
    this.specFields.updateStrategy = { type: 'OnDelete' };
    return this;
  }

  /** Uses a rolling update with the given bounds. */
  rollingUpdate(bounds: { maxSurge?: IntOrString; maxUnavailable?: IntOrString }): this {
    this.specFields.updateStrategy = { type: 'RollingUpdate', rollingUpdate: bounds };
    return this;
  }

  /** Merges status fields. */
  withStatus(status: DaemonSetStatusInput): this {
    this.status = { ...this.status, ...status };
    return this;
  }
}

/** A DaemonSet fixture builder. */
export function makeDaemonSet(name = 'ds'): DaemonSetBuilder {
  return new DaemonSetBuilder(name);
}

/**
 * Builds a Job as the API server stores it: restartPolicy Never, and the selector and template
 * labels generated from its uid (unless `.selector(...)` makes it a manual selector).
 */
export class JobBuilder extends WorkloadBuilder<Job> {
  private status: JobStatusInput | undefined;

  constructor(name: string) {
    super(JobSchema, 'Job', name);
    this.draft.spec = { ...this.draft.spec, restartPolicy: 'Never' };
  }

  protected document(): Record<string, unknown> {
    const spec = this.spec();
    if (this.selectorInput === undefined) spec.selector = undefined;
    else spec.manualSelector = true;
    return { apiVersion: 'batch/v1', kind: 'Job', metadata: this.meta, spec, status: this.status };
  }

  /** The stored Job: with a generated selector unless a manual one was given. */
  override obj(): Job {
    return generateJobSelector(super.obj(), this.meta.uid ?? '');
  }

  /** Sets spec.completions. */
  completions(completions: number): this {
    this.specFields.completions = completions;
    return this;
  }

  /** Sets spec.parallelism. */
  parallelism(parallelism: number): this {
    this.specFields.parallelism = parallelism;
    return this;
  }

  /** Sets spec.backoffLimit. */
  backoffLimit(limit: number): this {
    this.specFields.backoffLimit = limit;
    return this;
  }

  /** Uses Indexed completion. */
  indexed(): this {
    this.specFields.completionMode = 'Indexed';
    return this;
  }

  /** Suspends the Job. */
  suspended(): this {
    this.specFields.suspend = true;
    return this;
  }

  /** Sets the template's restart policy. */
  restartPolicy(restartPolicy: 'OnFailure' | 'Never'): this {
    return this.podSpec({ restartPolicy });
  }

  /** Sets the first container's command. */
  command(...command: string[]): this {
    this.draft.editMain((c) => ({ ...c, command }));
    return this;
  }

  /** Merges status fields. */
  withStatus(status: JobStatusInput): this {
    this.status = { ...this.status, ...status };
    return this;
  }
}

/** A Job fixture builder. */
export function makeJob(name = 'job'): JobBuilder {
  return new JobBuilder(name);
}
