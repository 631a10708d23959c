/**
 * syncJob: read the Job and its pods from the informers, plan (plan.ts), create or delete pods
 * under expectations, then write the recomputed status (status.ts) when it changed.
 */
import type { ApiClient } from '../../../protocol/client/api-client.js';
import type { Informer } from '../../../protocol/client/informer.js';
import type { EventRecorder } from '../../../protocol/client/recorder.js';
import type { Clock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import { newControllerRef } from '../../../protocol/owners.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, type Job } from '../../../protocol/resources/job.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { adoptOrphans } from '../../kernel/adoption.js';
import type { ControllerExpectations } from '../../kernel/expectations.js';
import type { Logger } from '../../kernel/log.js';
import { type JobFinish, type JobTiming, planJob, podsToAdopt } from './plan.js';
import { calculateJobStatus } from './status.js';

/** Event reason: a pod was created for the Job. */
export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
/** Event reason: a pod of the Job was deleted. */
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
/** Event reason: pod creation failed. */
export const FAILED_CREATE = 'FailedCreate';
/** Event reason: the Job completed. */
export const COMPLETED = 'Completed';

/** Index of the pods informer: the uid of a pod's controller. */
export const BY_CONTROLLER_UID = 'job.byControllerUid';
/** Index of the pods informer: the namespace of each pod without a controller. */
export const ORPHANS_BY_NAMESPACE = 'job.orphansByNamespace';

/** What syncJob reads and writes through. */
export interface JobSyncDeps {
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly jobs: Informer<Job>;
  readonly pods: Informer<Pod>;
  readonly expectations: ControllerExpectations;
  /** The failure backoff. */
  readonly timing: JobTiming;
  /** Looks at `key` again after `ms` (the active deadline). */
  readonly requeueAfter: (key: string, ms: number) => void;
}

/** Syncs the Job at `key` (`namespace/name`). */
export async function syncJob(deps: JobSyncDeps, key: string): Promise<void> {
  const job = deps.jobs.getByKey(key);
  if (!job) {
    deps.expectations.delete(key);
    return;
  }
  // Being deleted (Foreground or Orphan): its pods are the garbage collector's now; creating more
  // would race the collector and could block a foreground deletion for good.
  if (job.metadata.deletionTimestamp) return;
  // Adopted pods reach the cache with their update event, which syncs this key again; counting
  // now, without them, would start pods the Job already has.
  if (await adoptMatchingOrphans(deps, job)) return;
  // Until the cache shows our last creations and deletions, it would undercount: wait for them.
  if (!deps.expectations.satisfied(key)) return;
  const pods = deps.pods.byIndex(BY_CONTROLLER_UID, job.metadata.uid as string);
  const now = deps.clock.now();
  const plan = planJob(job, pods, now, deps.timing);

  await deletePods(deps, key, job, plan.delete);
  await createPods(deps, key, job, plan.create);

  const status = calculateJobStatus(job, pods, plan, now);
  if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) {
    await deps.client.updateStatus('jobs', { ...job, status });
  }
  if (plan.finish) recordFinish(deps, job, plan.finish);
  if (plan.requeueAfterMs !== undefined) deps.requeueAfter(key, plan.requeueAfterMs);
}

/** Takes controller ownership of matching orphans; returns how many it adopted. */
function adoptMatchingOrphans(deps: JobSyncDeps, job: Job): Promise<number> {
  const orphans = podsToAdopt(job, deps.pods.byIndex(ORPHANS_BY_NAMESPACE, job.metadata.namespace ?? ''));
  const ref = newControllerRef({ apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata });
  return adoptOrphans(deps.client, orphans, ref, (live) => podsToAdopt(job, [live]).length > 0);
}

async function createPods(deps: JobSyncDeps, key: string, job: Job, count: number): Promise<void> {
  if (count <= 0) return;
  deps.expectations.expectCreations(key, count);
  let failure: unknown;
  for (let i = 0; i < count; i++) {
    try {
      const pod = await deps.client.create('pods', podForJob(job));
      deps.recorder.event(job, 'Normal', SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      // This creation will never be observed: stop waiting for it, and retry the sync.
      deps.expectations.lowerExpectations(key, 1, 0);
      deps.recorder.event(job, 'Warning', FAILED_CREATE, `Error creating: ${(err as Error).message}`);
      failure ??= err;
    }
  }
  if (failure) throw failure;
}

async function deletePods(deps: JobSyncDeps, key: string, job: Job, pods: readonly Pod[]): Promise<void> {
  if (pods.length === 0) return;
  deps.expectations.expectDeletions(
    key,
    pods.map((p) => p.metadata.uid as string),
  );
  for (const pod of pods) {
    const { namespace = '', name = '', uid = '' } = pod.metadata;
    try {
      await deps.client.delete('pods', namespace, name, { preconditions: { uid } });
      deps.recorder.event(job, 'Normal', SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
    } catch (err) {
      deps.expectations.deletionObserved(key, uid);
      if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
    }
  }
}

function recordFinish(deps: JobSyncDeps, job: Job, finish: JobFinish): void {
  if (finish.type === 'Complete') deps.recorder.event(job, 'Normal', COMPLETED, 'Job completed');
  else deps.recorder.event(job, 'Warning', finish.reason, finish.message);
}

/** A pod for `job` from its template, owned by it (controller, blocking its foreground deletion). */
export function podForJob(job: Job): Pod {
  const { name = '', namespace, uid = '' } = job.metadata;
  const template = job.spec.template;
  const labels = {
    ...template.metadata.labels,
    // The API server put these in the template already; repeated so pods carry them whatever.
    ...(job.spec.manualSelector
      ? {}
      : {
          [JOB_CONTROLLER_UID_LABEL]: uid,
          [JOB_NAME_LABEL]: name,
          'controller-uid': uid,
          'job-name': name,
        }),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace,
      labels,
      ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef({ apiVersion: 'batch/v1', kind: 'Job', metadata: job.metadata })],
    },
    spec: structuredClone(template.spec),
  } as Pod;
}
