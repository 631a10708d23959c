/**
 * A keyed work queue in client-go's shape: the mailbox of a controller, whose messages are keys
 * (`namespace/name`) meaning "sync this object".
 *
 * Guarantees, as client-go's:
 * - a key waiting in the queue is there once: ten adds before a worker gets it cost one sync;
 * - a key is never handed to two workers at once: re-added while processing, it is marked dirty
 *   and queued again when `done(key)` is called;
 * - `addAfter` delays an add on the injected clock; `addRateLimited` delays it by a per-key
 *   exponential backoff that grows with each call until `forget(key)`.
 *
 *   add ──▶ dirty? ─yes─▶ (absorbed)
 *            │no
 *            ▼
 *       processing? ─yes─▶ (queued again on done)
 *            │no
 *            ▼
 *          ready ──get()──▶ processing ──done()──▶ dirty? ─yes─▶ ready
 */
import { type BackoffPolicy, backoffDelay, backoffPolicy, workQueueBackoff } from '../../protocol/backoff.js';
import type { Clock, Timer } from '../../protocol/clock.js';
import type { Logger } from './log.js';
import { Mailbox } from './mailbox.js';
import { noWorkQueueMetrics, type WorkQueueMetrics } from './workqueue-metrics.js';

/** What a work queue depends on. */
export interface WorkQueueOptions {
  /** Names the queue in logs and metrics: usually the controller's name. */
  readonly name: string;
  readonly clock: Clock;
  readonly log?: Logger;
  /** Per-key retry backoff; default 5 ms doubling to 1000 s, like client-go. */
  readonly rateLimit?: Partial<BackoffPolicy>;
  /** Default: no metrics. Build with `workQueueMetrics(registry, name)`. */
  readonly metrics?: WorkQueueMetrics;
}

/** A de-duplicating, rate-limited, delaying work queue of keys. */
export class WorkQueue<K extends string = string> {
  private readonly ready: Mailbox<K>;
  /** Keys that need processing: waiting in `ready`, or re-added while processing. */
  private readonly dirty = new Set<K>();
  /** Keys handed to a worker and not yet done, with the time they were handed out. */
  private readonly processing = new Map<K, number>();
  private readonly delayed = new Map<K, { readonly at: number; readonly timer: Timer }>();
  private readonly failures = new Map<K, number>();
  private readonly rateLimit: BackoffPolicy;
  private readonly metrics: WorkQueueMetrics;
  private shutdown: { readonly done: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(private readonly options: WorkQueueOptions) {
    this.rateLimit = backoffPolicy(workQueueBackoff, options.rateLimit);
    this.metrics = options.metrics ?? noWorkQueueMetrics;
    // A key counts as processing from the instant it leaves `ready` (so a drain never sees
    // "nothing queued, nothing in flight" while it is on its way to a worker), but it stays dirty
    // until the worker resumes in get(): its sync has not read anything yet, so adds in between
    // are absorbed by it rather than costing a second sync.
    this.ready = new Mailbox<K>((key) => {
      this.processing.set(key, this.options.clock.now());
      this.metrics.depth(this.ready.size);
    });
  }

  /** Keys waiting to be handed out (not those processing or delayed). */
  get len(): number {
    return this.ready.size;
  }

  /** Keys handed to workers and not yet done. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** True once `shutDown` was called. */
  get shuttingDown(): boolean {
    return this.shutdown !== undefined;
  }

  /** Marks `key` as needing a sync. */
  add(key: K): void {
    if (this.refuse(key, 'add')) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics.added();
    if (this.processing.has(key)) return;
    this.ready.put(key);
    this.metrics.depth(this.ready.size);
  }

  /** Adds `key` after `ms` on the clock; a pending earlier add of the same key wins. */
  addAfter(key: K, ms: number): void {
    if (this.refuse(key, 'addAfter')) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.options.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.options.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after its per-key backoff, which doubles with each call until `forget`. */
  addRateLimited(key: K): void {
    const requeues = this.numRequeues(key);
    this.failures.set(key, requeues + 1);
    this.metrics.retried();
    this.addAfter(key, backoffDelay(this.rateLimit, requeues));
  }

  /** Clears `key`'s backoff: call it after a successful sync. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue is shut down and drained. */
  async get(): Promise<K | undefined> {
    const next = await this.ready.take();
    if (next.done) return undefined;
    // From here on the sync may have read state, so a new add must lead to another sync.
    this.dirty.delete(next.value);
    return next.value;
  }

  /** Ends the processing of `key`; when it was re-added meanwhile, queues it again. */
  done(key: K): void {
    const since = this.processing.get(key);
    if (since === undefined) {
      this.options.log?.warn({ queue: this.options.name, key }, 'done() for a key that is not processing');
      return;
    }
    this.processing.delete(key);
    this.metrics.worked((this.options.clock.now() - since) / 1000);
    if (this.dirty.has(key)) {
      this.ready.put(key);
      this.metrics.depth(this.ready.size);
    }
    this.settleShutdown();
  }

  /**
   * Refuses new adds and cancels delayed ones. With drain (the default), keys already queued (and
   * keys re-added while processing) are still handed out; without, they are dropped. Resolves
   * when no key is processing any more, after which `get()` returns undefined.
   */
  shutDown(options: { drain?: boolean } = {}): Promise<void> {
    if (this.shutdown) return this.shutdown.done;
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    this.shutdown = { done, resolve };
    for (const { timer } of this.delayed.values()) timer.cancel();
    const cancelled = this.delayed.size;
    this.delayed.clear();
    let dropped = 0;
    if (options.drain === false) {
      dropped = this.ready.close({ discard: true });
      this.dirty.clear();
    }
    if (cancelled + dropped > 0) {
      this.options.log?.info(
        { queue: this.options.name, cancelled, dropped },
        'work queue shut down with keys left',
      );
    }
    this.settleShutdown();
    return done;
  }

  private settleShutdown(): void {
    if (!this.shutdown || this.ready.size > 0 || this.processing.size > 0) return;
    // Closed only now, not at shutDown: until then a key re-added during its sync must still be
    // queued by done() and handed to a worker.
    this.ready.close();
    this.metrics.depth(0);
    this.shutdown.resolve();
  }

  private refuse(key: K, operation: string): boolean {
    if (!this.shutdown) return false;
    this.options.log?.debug(
      { queue: this.options.name, key, operation },
      'work queue is shutting down; key ignored',
    );
    return true;
  }
}
