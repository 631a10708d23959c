/**
 * The controller loop: workers that take keys from a work queue and sync them, in the shape of
 * client-go's `processNextWorkItem`.
 *
 *   for each worker:  key = await queue.get()      (undefined: the queue shut down → exit)
 *                     try   sync(key); queue.forget(key)          success clears the backoff
 *                     catch queue.addRateLimited(key)             a throw means "transient, retry"
 *                     finally queue.done(key)                     only now may the key go out again
 *
 * A sync is level-triggered: it re-reads everything for its key from the cache and acts, so a
 * retry or a de-duplicated add never loses information. A sync that meets a permanent problem
 * (invalid spec) records it and returns normally; throwing is for failures worth retrying.
 */
import type { Logger } from './log.js';
import type { WorkQueue } from './workqueue.js';

/** Reconciles one key. Throw to have it retried with backoff. */
export type SyncFn<K extends string> = (key: K) => Promise<void>;

/** How the workers run. */
export interface RunWorkersOptions<K extends string> {
  /** Number of concurrent workers; the queue guarantees one key is never synced twice at once. */
  readonly workers: number;
  readonly log: Logger;
  /** Called for every failed sync, after it was logged and before it is requeued (e.g. to count). */
  readonly onError?: (key: K, error: unknown) => void;
}

/** Runs `workers` loops over `queue` until it shuts down; resolves when every worker has exited. */
export async function runWorkers<K extends string>(
  queue: WorkQueue<K>,
  sync: SyncFn<K>,
  options: RunWorkersOptions<K>,
): Promise<void> {
  const workers = Array.from({ length: Math.max(1, options.workers) }, (_, worker) =>
    runWorker(queue, sync, options, options.log.child({ worker })),
  );
  await Promise.all(workers);
}

async function runWorker<K extends string>(
  queue: WorkQueue<K>,
  sync: SyncFn<K>,
  options: RunWorkersOptions<K>,
  log: Logger,
): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    await processKey(queue, sync, key, options, log);
  }
}

/** Syncs one key and settles it with the queue; never throws. */
async function processKey<K extends string>(
  queue: WorkQueue<K>,
  sync: SyncFn<K>,
  key: K,
  options: RunWorkersOptions<K>,
  log: Logger,
): Promise<void> {
  try {
    await sync(key);
    queue.forget(key);
  } catch (error) {
    const retries = queue.numRequeues(key);
    log.warn({ err: error, key, retries }, 'sync failed; requeued with backoff');
    try {
      options.onError?.(key, error);
    } catch (hookError) {
      // The hook is observability only; its failure must not stop the key from being retried.
      log.error({ err: hookError, key }, 'onError hook threw');
    }
    queue.addRateLimited(key);
  } finally {
    // After addRateLimited, not before: done() is what lets the key be handed out again, and the
    // retry must only come from the delayed add, never from a re-add racing the failure.
    queue.done(key);
  }
}
