/**
 * syncDeployment: one pass of the Deployment controller for one key (Kubernetes' syncDeployment).
 *
 *   read the Deployment ─▶ claim its ReplicaSets ─┬─ being deleted ─────────────▶ status only
 *                                                 ├─ paused, or a resize ────────▶ scale (proportional)
 *                                                 ├─ Recreate ───────────────────▶ old to 0, wait for
 *                                                 │                                their pods, new to N
 *                                                 └─ RollingUpdate ──────────────▶ one planRollingStep
 *                                                                                  ▼
 *                          history cleanup (when complete) ─▶ status + conditions, written if changed
 *
 * Every write carries the resourceVersion the decision was made on: a decision taken on a stale
 * cache answers 409 and the whole sync runs again on a fresher one. That, and the conservative
 * counts of `plan.ts`, is what keeps a rollout inside its surge and unavailability bounds.
 */
import type { ApiClient } from '../../../protocol/client/api-client.js';
import type { Informer } from '../../../protocol/client/informer.js';
import type { EventRecorder } from '../../../protocol/client/recorder.js';
import type { Clock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import type { Logger } from '../../../protocol/logger.js';
import { type Condition, labelSelectorMatches, type OwnerReference } from '../../../protocol/meta.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  type Deployment,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
} from '../../../protocol/resources/deployment.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import { computeHash, equalIgnoringHash } from './hash.js';
import {
  boundsOf,
  isScalingEvent,
  newReplicaSetAnnotations,
  newReplicaSetReplicas,
  planHistoryCleanup,
  planRollingStep,
  planScale,
  type RolloutBounds,
  type RsCounts,
  replicasAnnotations,
  revisionOf,
  type ScaleChange,
} from './plan.js';
import {
  calculateStatus,
  conditionOf,
  FAILED_RS_CREATE,
  FOUND_NEW_RS,
  isComplete,
  NEW_RS_CREATED,
  newCondition,
  PAUSED,
  PROGRESSING,
  RESUMED,
  rolloutStatus,
  setCondition,
  statusEqual,
  TIMED_OUT,
} from './status.js';

/** Event reason of every ReplicaSet resize, as Kubernetes records it. */
export const SCALING_REPLICA_SET = 'ScalingReplicaSet';

/** Informer indexes this controller reads. */
export const BY_NAMESPACE = 'byNamespace';
export const BY_CONTROLLER_UID = 'byControllerUid';

/** `progressDeadlineSeconds` that means "no deadline" (Kubernetes: MaxInt32). */
const NO_DEADLINE = 2147483647;

/** What a sync reads and writes. */
export interface DeploymentSyncDeps {
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  /** Adds `key` again after `ms` (the work queue's addAfter). */
  readonly requeueAfter: (key: string, ms: number) => void;
}

/** Syncs the Deployment under `key`; throws to be retried. */
export async function syncDeployment(deps: DeploymentSyncDeps, key: string): Promise<void> {
  const d = deps.deployments.getByKey(key);
  if (!d) return;
  await new DeploymentSync(deps, key, d).run();
}

/** The counts the plan reads from a ReplicaSet. */
export function countsOf(rs: Readonly<ReplicaSet>): RsCounts {
  const annotation = (name: string) => {
    const value = rs.metadata.annotations?.[name];
    return value === undefined || Number.isNaN(Number(value)) ? undefined : Number(value);
  };
  return {
    name: rs.metadata.name ?? '',
    replicas: rs.spec.replicas,
    statusReplicas: rs.status?.replicas ?? 0,
    availableReplicas: rs.status?.availableReplicas ?? 0,
    created: Date.parse(rs.metadata.creationTimestamp ?? '') || 0,
    desiredReplicas: annotation(DESIRED_REPLICAS_ANNOTATION),
    maxReplicas: annotation(MAX_REPLICAS_ANNOTATION),
  };
}

/** One sync's working state: the latest copy of the Deployment and of each ReplicaSet it wrote. */
class DeploymentSync {
  private d: Readonly<Deployment>;
  private conditions: Condition[];
  private readonly bounds: RolloutBounds;
  private readonly now: number;

  constructor(
    private readonly deps: DeploymentSyncDeps,
    private readonly key: string,
    d: Readonly<Deployment>,
  ) {
    this.d = d;
    this.conditions = [...(d.status?.conditions ?? [])];
    this.bounds = boundsOf(d);
    this.now = deps.clock.now();
  }

  async run(): Promise<void> {
    const owned = await this.claimReplicaSets();
    if (this.d.metadata.deletionTimestamp) {
      // Being deleted: the garbage collector removes the ReplicaSets; only report.
      const { newRS } = this.split(owned);
      return this.writeStatus(calculateStatus(this.d, this.bounds, owned, newRS, this.conditions, this.now));
    }
    this.checkPausedConditions();
    if (this.d.spec.paused || isScalingEvent(this.d.spec.replicas, owned.map(countsOf)))
      return this.scaleOnly(owned);
    if (this.d.spec.strategy.type === 'Recreate') return this.rolloutRecreate(owned);
    return this.rolloutRolling(owned);
  }

  // --- claiming ----------------------------------------------------------------------------

  /**
   * Kubernetes' ClaimReplicaSets: the namespace's ReplicaSets this Deployment controls and that
   * match its selector, plus matching orphans it adopts; controlled ones that stopped matching are
   * released. Writes carry the ReplicaSet's resourceVersion, so two claimants cannot both win.
   */
  private async claimReplicaSets(): Promise<Readonly<ReplicaSet>[]> {
    const d = this.d;
    const uid = d.metadata.uid ?? '';
    const deleting = Boolean(d.metadata.deletionTimestamp);
    const owned: Readonly<ReplicaSet>[] = [];
    for (const rs of this.deps.replicaSets.byIndex(BY_NAMESPACE, d.metadata.namespace ?? '')) {
      const matches = labelSelectorMatches(d.spec.selector, rs.metadata.labels);
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller === true);
      if (ref && ref.uid !== uid) continue;
      if (ref && matches) owned.push(rs);
      else if (ref && !deleting) {
        const refs = (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await this.deps.client.update('replicasets', {
          ...rs,
          metadata: { ...rs.metadata, ownerReferences: refs },
        });
      } else if (!ref && matches && !deleting) {
        const refs = [...(rs.metadata.ownerReferences ?? []), this.controllerRef()];
        owned.push(
          await this.deps.client.update('replicasets', {
            ...rs,
            metadata: { ...rs.metadata, ownerReferences: refs },
          }),
        );
      }
    }
    return owned;
  }

  private controllerRef(): OwnerReference {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: this.d.metadata.name ?? '',
      uid: this.d.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  /** Kubernetes' FindNewReplicaSet (the oldest with the Deployment's template) and FindOldReplicaSets. */
  private split(all: readonly Readonly<ReplicaSet>[]): {
    newRS: Readonly<ReplicaSet> | undefined;
    olds: Readonly<ReplicaSet>[];
  } {
    const oldestFirst = [...all].sort(
      (a, b) =>
        (Date.parse(a.metadata.creationTimestamp ?? '') || 0) -
          (Date.parse(b.metadata.creationTimestamp ?? '') || 0) ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    const newRS = oldestFirst.find((rs) => equalIgnoringHash(rs.spec.template, this.d.spec.template));
    return { newRS, olds: all.filter((rs) => rs !== newRS) };
  }

  // --- the three paths ---------------------------------------------------------------------

  /** Kubernetes' sync(): resize without rolling (paused, or `replicas` changed mid-rollout). */
  private async scaleOnly(owned: readonly Readonly<ReplicaSet>[]): Promise<void> {
    const { newRS, olds } = await this.newAndOld(owned, false);
    const changes = planScale(
      this.bounds,
      this.d.spec.strategy.type === 'RollingUpdate',
      newRS && countsOf(newRS),
      olds.map(countsOf),
    );
    const all = [...olds, ...(newRS ? [newRS] : [])];
    // Every active ReplicaSet gets the new replica annotations, resized or not: they are how the
    // next sync tells that this resize was handled (isScalingEvent).
    const targets = all
      .filter((rs) => rs.spec.replicas > 0 || changes.some((c) => c.name === rs.metadata.name))
      .map((rs) => ({
        name: rs.metadata.name ?? '',
        replicas: changes.find((c) => c.name === rs.metadata.name)?.replicas ?? rs.spec.replicas,
      }));
    const scaled = await this.applyScales(all, targets);
    const { olds: scaledOlds, newRS: scaledNew } = this.split(scaled);
    if (this.d.spec.paused) await this.cleanup(scaledOlds);
    await this.writeStatus(
      calculateStatus(this.d, this.bounds, scaled, scaledNew, this.conditions, this.now),
    );
  }

  /** Kubernetes' rolloutRolling: one step of the rolling update, then the rollout status. */
  private async rolloutRolling(owned: readonly Readonly<ReplicaSet>[]): Promise<void> {
    const { newRS, olds } = await this.newAndOld(owned, true);
    if (!newRS) throw new Error(`deployment ${this.key}: no new ReplicaSet after creating it`);
    const changes = planRollingStep(this.bounds, countsOf(newRS), olds.map(countsOf));
    const all = await this.applyScales([...olds, newRS], changes);
    const split = this.split(all);
    if (changes.length === 0 && this.d.status && isComplete(this.d, this.d.status))
      await this.cleanup(split.olds);
    await this.syncRolloutStatus(all, split.newRS);
  }

  /** Kubernetes' rolloutRecreate: old ReplicaSets to zero, wait until their pods are gone, new one to full size. */
  private async rolloutRecreate(owned: readonly Readonly<ReplicaSet>[]): Promise<void> {
    let { newRS, olds } = await this.newAndOld(owned, false);
    const activeOld = olds.filter((rs) => rs.spec.replicas > 0);
    if (activeOld.length > 0) {
      const all = await this.applyScales(
        [...olds, ...(newRS ? [newRS] : [])],
        activeOld.map((rs) => ({ name: rs.metadata.name ?? '', replicas: 0 })),
      );
      return this.syncRolloutStatus(all, this.split(all).newRS);
    }
    if (this.oldPodsRunning(olds)) return this.syncRolloutStatus([...olds, ...(newRS ? [newRS] : [])], newRS);
    if (!newRS) ({ newRS, olds } = await this.newAndOld(owned, true));
    if (!newRS) throw new Error(`deployment ${this.key}: no new ReplicaSet after creating it`);
    const all = await this.applyScales(
      [...olds, newRS],
      [{ name: newRS.metadata.name ?? '', replicas: this.d.spec.replicas }],
    );
    const split = this.split(all);
    if (this.d.status && isComplete(this.d, this.d.status)) await this.cleanup(split.olds);
    await this.syncRolloutStatus(all, split.newRS);
  }

  /** Kubernetes' oldPodsRunning: an old ReplicaSet still reports pods, or one of its pods has not finished. */
  private oldPodsRunning(olds: readonly Readonly<ReplicaSet>[]): boolean {
    if (olds.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    return olds.some((rs) =>
      this.deps.pods.byIndex(BY_CONTROLLER_UID, rs.metadata.uid ?? '').some((pod) => {
        const phase = pod.status?.phase;
        return phase !== 'Succeeded' && phase !== 'Failed';
      }),
    );
  }

  // --- the new ReplicaSet and revisions ----------------------------------------------------

  /**
   * Kubernetes' getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and
   * missing) with its revision raised above every old one, and the Deployment's revision
   * annotation in step with it.
   */
  private async newAndOld(
    owned: readonly Readonly<ReplicaSet>[],
    create: boolean,
  ): Promise<{ newRS: Readonly<ReplicaSet> | undefined; olds: Readonly<ReplicaSet>[] }> {
    const { newRS: existing, olds } = this.split(owned);
    const revision = Math.max(0, ...olds.map(revisionOf)) + 1;
    if (existing) return { newRS: await this.syncExistingNewRS(existing, revision), olds };
    if (!create) return { newRS: undefined, olds };
    return { newRS: await this.createNewRS(olds, revision), olds };
  }

  private async syncExistingNewRS(rs: Readonly<ReplicaSet>, revision: number): Promise<Readonly<ReplicaSet>> {
    const current = rs.metadata.annotations ?? {};
    const { annotations, changed } = newReplicaSetAnnotations(this.d, current, revision, this.bounds, false);
    let result = rs;
    if (changed || rs.spec.minReadySeconds !== this.d.spec.minReadySeconds) {
      result = await this.deps.client.update('replicasets', {
        ...rs,
        metadata: { ...rs.metadata, annotations },
        spec: { ...rs.spec, minReadySeconds: this.d.spec.minReadySeconds },
      });
    }
    await this.setDeploymentRevision(result.metadata.annotations?.[REVISION_ANNOTATION]);
    if (this.hasProgressDeadline() && !conditionOf(this.conditions, PROGRESSING)) {
      this.setCondition(PROGRESSING, 'True', FOUND_NEW_RS, `Found new replica set "${result.metadata.name}"`);
    }
    return result;
  }

  /** Creates the ReplicaSet `<deployment>-<hash>` for the current template, sized by the strategy. */
  private async createNewRS(
    olds: readonly Readonly<ReplicaSet>[],
    revision: number,
  ): Promise<Readonly<ReplicaSet>> {
    const d = this.d;
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const draft: RsCounts = { name, replicas: 0, statusReplicas: 0, availableReplicas: 0, created: this.now };
    const replicas =
      d.spec.strategy.type === 'Recreate'
        ? d.spec.replicas
        : newReplicaSetReplicas(this.bounds, [...olds.map(countsOf), draft], draft);
    const { annotations } = newReplicaSetAnnotations(d, {}, revision, this.bounds, true);
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations,
        ownerReferences: [this.controllerRef()],
      },
      spec: { replicas, minReadySeconds: d.spec.minReadySeconds, selector, template },
    };
    let created: Readonly<ReplicaSet>;
    try {
      created = await this.deps.client.create('replicasets', rs);
    } catch (err) {
      if (isReason(err, 'AlreadyExists')) return this.onNameTaken(name, err);
      const message = `Failed to create new replica set "${name}": ${(err as Error).message}`;
      this.deps.recorder.event(d, 'Warning', FAILED_RS_CREATE, message);
      if (this.hasProgressDeadline()) {
        this.setCondition(PROGRESSING, 'False', FAILED_RS_CREATE, message);
        await this.writeStatus({ ...(d.status ?? {}), conditions: this.conditions });
      }
      throw err;
    }
    if (replicas > 0) this.scaledEvent('up', name, replicas);
    await this.setDeploymentRevision(String(revision));
    if (this.hasProgressDeadline())
      this.setCondition(PROGRESSING, 'True', NEW_RS_CREATED, `Created new replica set "${name}"`);
    return created;
  }

  /**
   * The name is taken: by our own ReplicaSet for this template (a cache that had not seen it yet),
   * which is then the new one; otherwise by a hash collision, which bumps `collisionCount` so the
   * next sync hashes to another name.
   */
  private async onNameTaken(name: string, err: unknown): Promise<Readonly<ReplicaSet>> {
    const d = this.d;
    const rs = await this.deps.client.get<ReplicaSet>('replicasets', d.metadata.namespace ?? '', name);
    const ref = rs.metadata.ownerReferences?.find((r) => r.controller === true);
    if (ref?.uid === d.metadata.uid && equalIgnoringHash(rs.spec.template, d.spec.template)) return rs;
    const collisionCount = (d.status?.collisionCount ?? 0) + 1;
    await this.deps.client.updateStatus('deployments', {
      ...d,
      status: { ...(d.status ?? {}), collisionCount },
    });
    throw err;
  }

  /** Kubernetes' SetDeploymentRevision, written at once: `rollout history` and `undo` read it. */
  private async setDeploymentRevision(revision: string | undefined): Promise<void> {
    if (revision === undefined || this.d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    this.d = await this.deps.client.update('deployments', {
      ...this.d,
      metadata: {
        ...this.d.metadata,
        annotations: { ...this.d.metadata.annotations, [REVISION_ANNOTATION]: revision },
      },
    });
  }

  // --- scaling and cleanup -----------------------------------------------------------------

  /**
   * Resizes ReplicaSets to `changes` (and refreshes their replica annotations), one at a time in
   * order, and returns every ReplicaSet of `all` as it is afterwards. A resize records
   * ScalingReplicaSet ("Scaled up replica set web-abc123 to 3").
   */
  private async applyScales(
    all: readonly Readonly<ReplicaSet>[],
    changes: readonly ScaleChange[],
  ): Promise<Readonly<ReplicaSet>[]> {
    const latest = new Map(all.map((rs) => [rs.metadata.name ?? '', rs]));
    const wanted = replicasAnnotations(this.bounds);
    for (const change of changes) {
      const rs = latest.get(change.name);
      if (!rs) continue;
      const annotations = rs.metadata.annotations ?? {};
      const sizeChanged = rs.spec.replicas !== change.replicas;
      const annotationsChanged = Object.entries(wanted).some(([k, v]) => annotations[k] !== v);
      if (!sizeChanged && !annotationsChanged) continue;
      const updated = await this.deps.client.update('replicasets', {
        ...rs,
        metadata: { ...rs.metadata, annotations: { ...annotations, ...wanted } },
        spec: { ...rs.spec, replicas: change.replicas },
      });
      latest.set(change.name, updated);
      if (sizeChanged)
        this.scaledEvent(change.replicas > rs.spec.replicas ? 'up' : 'down', change.name, change.replicas);
    }
    return [...latest.values()];
  }

  private scaledEvent(direction: 'up' | 'down', name: string, replicas: number): void {
    this.deps.recorder.event(
      this.d,
      'Normal',
      SCALING_REPLICA_SET,
      `Scaled ${direction} replica set ${name} to ${replicas}`,
    );
  }

  /** Deletes the old ReplicaSets beyond `revisionHistoryLimit` (see planHistoryCleanup). */
  private async cleanup(olds: readonly Readonly<ReplicaSet>[]): Promise<void> {
    for (const rs of planHistoryCleanup(this.d.spec.revisionHistoryLimit, olds)) {
      try {
        await this.deps.client.delete('replicasets', rs.metadata.namespace ?? '', rs.metadata.name ?? '', {
          preconditions: { uid: rs.metadata.uid ?? '' },
        });
      } catch (err) {
        if (!isReason(err, 'NotFound')) throw err;
      }
    }
  }

  // --- status ------------------------------------------------------------------------------

  private hasProgressDeadline(): boolean {
    return this.d.spec.progressDeadlineSeconds !== NO_DEADLINE;
  }

  private setCondition(type: string, status: Condition['status'], reason: string, message: string): void {
    this.conditions = setCondition(this.conditions, newCondition(type, status, reason, message, this.now));
  }

  /** Kubernetes' checkPausedConditions: Progressing Unknown while paused, and once more on resume. */
  private checkPausedConditions(): void {
    if (!this.hasProgressDeadline()) return;
    const progressing = conditionOf(this.conditions, PROGRESSING);
    if (progressing?.reason === TIMED_OUT) return;
    const pausedNoted = progressing?.reason === PAUSED;
    if (this.d.spec.paused && !pausedNoted)
      this.setCondition(PROGRESSING, 'Unknown', PAUSED, 'Deployment is paused');
    else if (!this.d.spec.paused && pausedNoted)
      this.setCondition(PROGRESSING, 'Unknown', RESUMED, 'Deployment is resumed');
  }

  /** Kubernetes' syncRolloutStatus: status with the Progressing condition, and a deadline check scheduled. */
  private async syncRolloutStatus(
    all: readonly Readonly<ReplicaSet>[],
    newRS: Readonly<ReplicaSet> | undefined,
  ): Promise<void> {
    const conditions = this.hasProgressDeadline()
      ? this.conditions
      : this.conditions.filter((c) => c.type !== PROGRESSING);
    const { status, requeueAfterMs } = rolloutStatus(this.d, this.bounds, all, newRS, conditions, this.now);
    const next = this.hasProgressDeadline()
      ? status
      : { ...status, conditions: (status.conditions ?? []).filter((c) => c.type !== PROGRESSING) };
    await this.writeStatus(next);
    if (requeueAfterMs !== undefined && this.hasProgressDeadline())
      this.deps.requeueAfter(this.key, requeueAfterMs);
  }

  private async writeStatus(status: Deployment['status'] & object): Promise<void> {
    if (statusEqual(this.d.status, status)) return;
    this.d = await this.deps.client.updateStatus('deployments', { ...this.d, status });
  }
}
