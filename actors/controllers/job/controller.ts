/**
 * The Job controller: runs a Job's pods to completion (see plan.ts for the rules).
 *
 *   jobs informer ── add / update ──────────────▶ job key ──▶ work queue ──▶ syncJob(key)
 *   pods informer ── add / update / delete ─────▶ controlling Job's key      (sync.ts)
 *                    (and expectations observed)
 */
import { objectKeyOf } from '../../../protocol/client/informer.js';
import { controllerKeyOf, controllerUidIndex, orphanNamespaceIndex } from '../../../protocol/owners.js';
import type { Job } from '../../../protocol/resources/job.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { ControllerExpectations } from '../../kernel/expectations.js';
import { DEFAULT_JOB_TIMING, podsToAdopt } from './plan.js';
import { BY_CONTROLLER_UID, ORPHANS_BY_NAMESPACE, syncJob } from './sync.js';

/** Timings of the Job controller. */
export interface JobControllerSettings {
  /** Concurrent syncs (default 2). */
  readonly workers?: number;
  /** How long unmet expectations block a Job (default 5 minutes, as Kubernetes). */
  readonly expectationsTtlMs?: number;
  /** Wait after a pod failure before replacing it, doubled per failure (default 10 s). */
  readonly podFailureBackoffMs?: number;
  /** The longest such wait (default 6 minutes). */
  readonly maxPodFailureBackoffMs?: number;
}

/** The Job controller as a controller definition. */
export function jobController(settings: JobControllerSettings = {}): ControllerDefinition {
  return {
    name: 'job',
    workers: settings.workers ?? 2,
    wire(ctx, queue) {
      const jobs = ctx.informers.informer<Job>('jobs');
      const pods = ctx.informers.informer<Pod>('pods', {
        [BY_CONTROLLER_UID]: controllerUidIndex,
        [ORPHANS_BY_NAMESPACE]: orphanNamespaceIndex,
      });
      const expectations = new ControllerExpectations({
        clock: ctx.clock,
        log: ctx.log,
        ...(settings.expectationsTtlMs !== undefined ? { ttlMs: settings.expectationsTtlMs } : {}),
      });
      jobs.on({
        add: (job) => queue.add(objectKeyOf(job)),
        update: (_, job) => queue.add(objectKeyOf(job)),
        delete: (job) => expectations.delete(objectKeyOf(job)),
      });
      // An orphan that a Job's selector matches is that Job's to adopt.
      const adopters = (pod: Pod) => {
        if (orphanNamespaceIndex(pod).length === 0) return;
        for (const job of jobs.list()) {
          if (podsToAdopt(job, [pod]).length > 0) queue.add(objectKeyOf(job));
        }
      };
      pods.on({
        add: (pod) => {
          const key = controllerKeyOf(pod, 'batch/v1', 'Job');
          if (!key) return adopters(pod);
          if (!pod.metadata.deletionTimestamp) expectations.creationObserved(key);
          queue.add(key);
        },
        update: (old, pod) => {
          const key = controllerKeyOf(pod, 'batch/v1', 'Job');
          if (!key) return adopters(pod);
          // Kubernetes counts a deletion as observed once the pod is terminating.
          if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
            expectations.deletionObserved(key, pod.metadata.uid as string);
          }
          queue.add(key);
        },
        delete: (pod) => {
          const key = controllerKeyOf(pod, 'batch/v1', 'Job');
          if (!key) return;
          expectations.deletionObserved(key, pod.metadata.uid as string);
          queue.add(key);
        },
      });
      const deps = {
        client: ctx.client,
        recorder: ctx.recorder,
        clock: ctx.clock,
        log: ctx.log,
        jobs,
        pods,
        expectations,
        timing: {
          backoffBaseMs: settings.podFailureBackoffMs ?? DEFAULT_JOB_TIMING.backoffBaseMs,
          backoffMaxMs: settings.maxPodFailureBackoffMs ?? DEFAULT_JOB_TIMING.backoffMaxMs,
        },
        requeueAfter: (key: string, ms: number) => queue.addAfter(key, ms),
      };
      return { sync: (key) => syncJob(deps, key) };
    },
  };
}
