/**
 * `rollout status`, `rollout history` and `rollout undo` the way kubectl does them, on the client
 * side: the Deployment controller keeps every revision as a ReplicaSet (annotated with
 * `deployment.kubernetes.io/revision`), and undoing is copying an old ReplicaSet's template back
 * into the Deployment, which the controller then rolls out like any other change.
 */
import { type ApiError, badRequest, isReason } from '../errors.js';
import {
  CHANGE_CAUSE_ANNOTATION,
  type Deployment,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
} from '../resources/deployment.js';
import type { PodTemplateSpec } from '../resources/pod.js';
import type { ReplicaSet } from '../resources/replicaset.js';
import type { ApiClient } from './api-client.js';

/** One revision of a Deployment, as `rollout history` lists it. */
export interface DeploymentRevision {
  readonly revision: number;
  /** The ReplicaSet that holds it. */
  readonly replicaSet: string;
  /** `kubernetes.io/change-cause`, if recorded. */
  readonly changeCause?: string;
  readonly template: PodTemplateSpec;
}

/** What `rollbackDeployment` did. */
export interface RollbackResult {
  /** `rolled back`, or `skipped` when the Deployment already runs that template (kubectl warns then). */
  readonly action: 'rolled back' | 'skipped';
  readonly revision: number;
  readonly message: string;
}

/** What `rolloutStatus` says: kubectl's line, and whether the rollout is done or failed. */
export interface RolloutStatusReport {
  readonly done: boolean;
  /** True when the progress deadline passed (`kubectl rollout status` exits non-zero). */
  readonly failed: boolean;
  readonly message: string;
}

const revisionOf = (rs: Readonly<ReplicaSet>): number => {
  const value = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isInteger(value) && value > 0 ? value : 0;
};

/** The ReplicaSets the Deployment controls (controller reference to its uid). */
async function ownedReplicaSets(client: ApiClient, d: Readonly<Deployment>): Promise<ReplicaSet[]> {
  const list = await client.listAll<ReplicaSet>('replicasets', { namespace: d.metadata.namespace });
  return list.items.filter((rs) =>
    rs.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === d.metadata.uid),
  );
}

/** The template without the `pod-template-hash` label the controller added. */
function templateWithoutHash(template: Readonly<PodTemplateSpec>): PodTemplateSpec {
  const copy = structuredClone(template) as PodTemplateSpec;
  const labels = { ...copy.metadata.labels };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  copy.metadata = { ...copy.metadata, labels };
  return copy;
}

/** The revisions of a Deployment, oldest first (`kubectl rollout history deployment/<name>`). */
export async function deploymentHistory(
  client: ApiClient,
  namespace: string,
  name: string,
): Promise<DeploymentRevision[]> {
  const d = await client.get<Deployment>('deployments', namespace, name);
  const revisions = (await ownedReplicaSets(client, d))
    .filter((rs) => revisionOf(rs) > 0)
    .map((rs) => {
      const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
      return {
        revision: revisionOf(rs),
        replicaSet: rs.metadata.name ?? '',
        ...(cause !== undefined ? { changeCause: cause } : {}),
        template: templateWithoutHash(rs.spec.template),
      };
    });
  return revisions.sort((a, b) => a.revision - b.revision);
}

/**
 * `kubectl rollout undo deployment/<name> [--to-revision=N]`: copies the template of revision
 * `toRevision` (default: the one before the current) into the Deployment. Refuses a paused
 * Deployment and an unknown revision, as kubectl does; a template already current is skipped.
 */
export async function rollbackDeployment(
  client: ApiClient,
  namespace: string,
  name: string,
  toRevision?: number,
): Promise<RollbackResult> {
  const d = await client.get<Deployment>('deployments', namespace, name);
  if (d.spec.paused) {
    throw rollbackError(
      "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
    );
  }
  const history = await deploymentHistory(client, namespace, name);
  const target = pickRevision(history, name, toRevision);
  const current = JSON.stringify(sortKeys(d.spec.template));
  if (current === JSON.stringify(sortKeys(target.template))) {
    return {
      action: 'skipped',
      revision: target.revision,
      message: `skipped rollback (current template already matches revision ${target.revision})`,
    };
  }
  // As kubectl: a JSON patch replacing the whole template, so the controller's status writes in
  // the meantime cannot make it fail with a conflict; the `test` of the uid makes sure it lands on
  // the Deployment that was read, not on one deleted and created again under the same name.
  await client.patch(
    'deployments',
    namespace,
    name,
    [
      { op: 'test', path: '/metadata/uid', value: d.metadata.uid },
      { op: 'replace', path: '/spec/template', value: target.template },
    ],
    'application/json-patch+json',
  );
  return { action: 'rolled back', revision: target.revision, message: `deployment.apps/${name} rolled back` };
}

/** kubectl's revision choice: the one asked for, else the highest below the current (highest) one. */
function pickRevision(
  history: readonly DeploymentRevision[],
  name: string,
  toRevision?: number,
): DeploymentRevision {
  if (history.length === 0) throw rollbackError(`no rollout history found for deployment "${name}"`);
  if (toRevision !== undefined && toRevision !== 0) {
    const found = history.find((r) => r.revision === toRevision);
    if (!found) throw rollbackError(`unable to find specified revision ${toRevision} in history`);
    return found;
  }
  if (history.length < 2) throw rollbackError(`no rollout history found for deployment "${name}"`);
  return history[history.length - 2] as DeploymentRevision;
}

function rollbackError(message: string): ApiError {
  return badRequest(message);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/**
 * kubectl's DeploymentStatusViewer: the line `kubectl rollout status` prints for `d` as it is,
 * e.g. `Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...`
 * or `deployment "web" successfully rolled out`.
 */
export function rolloutStatus(d: Readonly<Deployment>): RolloutStatusReport {
  const name = d.metadata.name ?? '';
  const status = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  }
  const replicas = d.spec.replicas;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const waiting = (what: string) => ({
    done: false,
    failed: false,
    message: `Waiting for deployment "${name}" rollout to finish: ${what}...`,
  });
  if (updated < replicas) return waiting(`${updated} out of ${replicas} new replicas have been updated`);
  if (total > updated) return waiting(`${total - updated} old replicas are pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas are available`);
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}

/** True when `err` is the refusal of a rollback (bad revision, paused), not a transport failure. */
export function isRollbackRefused(err: unknown): boolean {
  return isReason(err, 'BadRequest');
}
