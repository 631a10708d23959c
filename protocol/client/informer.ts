/**
 * An informer: a local, read-only cache of one resource kept in step with the API server by
 * list-then-watch, with event handlers and indexes (client-go's SharedIndexInformer, reduced).
 *
 *   list (revision R) ──▶ cache ◀── watch from R ◀── event log
 *        ▲                   │
 *        └── relist on Expired / watch failure / periodic relist
 *
 * Guarantees: every handler call sees the cache already updated; events not newer than what the
 * cache holds are dropped; after a relist the handlers see adds, updates and deletes for exactly
 * the difference, so consumers converge to the store whatever was missed.
 */

import type { WatchEvent } from '../api.js';
import { backoffDelay, supervisionBackoff } from '../backoff.js';
import type { Clock, Timer } from '../clock.js';
import { isReason } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AnyObject } from '../resources/registry.js';
import { listAllPages } from '../watch/list-pages.js';
import type { ApiClient } from './api-client.js';

export interface InformerHandlers<T> {
  readonly add?: (obj: T) => void;
  readonly update?: (old: T, next: T) => void;
  readonly delete?: (obj: T) => void;
}

export interface InformerOptions<T> {
  readonly client: ApiClient;
  readonly resource: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Replays every cached object to `update` this often (0: never), so missed work is redone. */
  readonly resyncMs?: number;
  /** Relists from the server this often (0: never), healing anything the event log lost. */
  readonly relistMs?: number;
  /** Named indexes: each maps an object to the values it is found under. */
  readonly indexers?: Readonly<Record<string, (obj: T) => readonly string[]>>;
}

/** `namespace/name`, the key informers and work queues use. */
export function objectKeyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  return obj.metadata.namespace
    ? `${obj.metadata.namespace}/${obj.metadata.name}`
    : (obj.metadata.name ?? '');
}

/** Objects per list page when an informer lists (the server also cuts pages by bytes). */
export const LIST_PAGE = 500;

const revision = (obj: AnyObject) => Number(obj.metadata.resourceVersion ?? 0);

/** A list-watch cache of one resource. */
export class Informer<T extends AnyObject = AnyObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexers = new Map<string, (obj: T) => readonly string[]>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private stopped = false;
  private syncedOnce: (() => void) | undefined;
  private readonly synced: Promise<void>;
  private timers: Timer[] = [];
  private closeWatch: (() => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;
  /** The revision of the last list or event applied. */
  lastSyncRevision = '0';
  /** Lists after the first one (after an Expired position, a failed watch, or a periodic relist). */
  relists = 0;
  /** Paged lists started again because a continue page expired (the list changed while paging). */
  listRestarts = 0;
  private readonly stopping = new AbortController();

  constructor(private readonly options: InformerOptions<T>) {
    this.synced = new Promise((resolve) => {
      this.syncedOnce = resolve;
    });
    this.addIndexers(options.indexers ?? {});
  }

  /**
   * Adds named indexes (for a reader that shares this informer); objects already cached are
   * indexed at once. A name already present keeps its first function.
   */
  addIndexers(indexers: Readonly<Record<string, (obj: T) => readonly string[]>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) continue;
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indexes.set(name, index);
      for (const [key, obj] of this.cache) {
        for (const value of fn(obj)) index.set(value, (index.get(value) ?? new Set<string>()).add(key));
      }
    }
  }

  /** Registers handlers; objects already cached are replayed to `add`. */
  on(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    for (const obj of this.cache.values()) this.call(() => handlers.add?.(obj));
  }

  /** Starts list-and-watch; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    this.loop ??= this.run();
    await this.synced;
  }

  /** True once the first list has been applied. */
  get hasSynced(): boolean {
    return this.syncedOnce === undefined;
  }

  // Reads come out Readonly: the cache is shared by every reader and must never be edited in
  // place (clone first, as client-go's listers demand).

  /** The cached object, if any. */
  get(namespace: string, name: string): Readonly<T> | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** The cached object under `namespace/name` (or `name`), if any. */
  getByKey(key: string): Readonly<T> | undefined {
    return this.cache.get(key);
  }

  /** Every cached object. */
  list(): Readonly<T>[] {
    return [...this.cache.values()];
  }

  get size(): number {
    return this.cache.size;
  }

  /** Objects found under `value` in the named index. */
  byIndex(index: string, value: string): Readonly<T>[] {
    const keys = this.indexes.get(index)?.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.cache.get(k)).filter((o): o is T => o !== undefined);
  }

  /** Stops watching; the cache keeps its last content. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const t of this.timers) t.cancel();
    await this.closeWatch?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    this.schedule(this.options.resyncMs, () => this.resync());
    while (!this.stopped) {
      try {
        await this.listAndWatch();
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        this.failures++;
        const delay = isReason(err, 'Expired')
          ? 0
          : backoffDelay(supervisionBackoff, this.failures, Math.random());
        this.options.log.warn(
          { resource: this.options.resource, err: (err as Error).message, retryInMs: delay },
          'informer watch ended; relisting',
        );
        if (delay > 0) await this.options.clock.sleep(delay);
      }
    }
  }

  private async listAndWatch(): Promise<void> {
    const { client, resource, namespace, labelSelector, fieldSelector, clock, log } = this.options;
    // Paged: one reply must fit in the bus's largest message (NATS max_payload, 1 MiB by default).
    // The pages are one snapshot; when the list changes under them, the list starts again.
    const list = await listAllPages<T>(
      (token) =>
        client.list<T>(resource, {
          namespace,
          labelSelector,
          fieldSelector,
          limit: LIST_PAGE,
          ...(token ? { continue: token } : {}),
        }),
      {
        clock,
        maxRestarts: Number.POSITIVE_INFINITY,
        signal: this.stopping.signal,
        onRestart: (restart, retryInMs, err) => {
          this.listRestarts++;
          log.info(
            { resource, restart, retryInMs, err: err.message },
            'informer list expired while paging; listing again',
          );
        },
      },
    );
    if (this.hasSynced) this.relists++;
    this.replace(list.items, list.resourceVersion);
    this.syncedOnce?.();
    this.syncedOnce = undefined;
    if (this.stopped) return;
    const watch = await client.watch(
      {
        resource,
        namespace,
        labelSelector,
        fieldSelector,
        resourceVersion: list.resourceVersion,
        allowBookmarks: true,
      },
      (event) => this.apply(event),
    );
    this.closeWatch = () => watch.close();
    if (this.stopped) {
      // stop() ran while the watch was opening, and found nothing to close yet.
      await watch.close();
      return;
    }
    let relist: Timer | undefined;
    if (this.options.relistMs)
      relist = this.options.clock.setTimeout(() => void watch.close(), this.options.relistMs);
    const ended = await watch.closed;
    relist?.cancel();
    if (ended) throw ended;
  }

  /** Applies a full list: adds, updates and deletes for exactly the difference. */
  private replace(items: readonly T[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKeyOf(obj);
      seen.add(key);
      const old = this.cache.get(key);
      if (old && revision(old) === revision(obj)) continue;
      this.store(key, obj, old);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.forget(key, old);
    }
    this.lastSyncRevision = resourceVersion;
  }

  private apply(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') {
      this.lastSyncRevision = event.object.metadata.resourceVersion;
      return;
    }
    if (event.type === 'ERROR') return; // the transport ends the watch with the error itself
    const obj = event.object as T;
    const key = objectKeyOf(obj);
    const old = this.cache.get(key);
    if (old && revision(old) >= revision(obj)) return; // a replay or an older version
    this.lastSyncRevision = obj.metadata.resourceVersion ?? this.lastSyncRevision;
    if (event.type === 'DELETED') {
      if (old) this.forget(key, old);
      return;
    }
    this.store(key, obj, old);
  }

  private store(key: string, obj: T, old: T | undefined): void {
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) this.call(() => (old ? h.update?.(old, obj) : h.add?.(obj)));
  }

  private forget(key: string, old: T): void {
    this.unindex(key, old);
    this.cache.delete(key);
    for (const h of this.handlers) this.call(() => h.delete?.(old));
  }

  private resync(): void {
    for (const obj of this.cache.values())
      for (const h of this.handlers) this.call(() => h.update?.(obj, obj));
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name) as Map<string, Set<string>>;
      for (const value of fn(obj)) {
        const keys = index.get(value) ?? new Set<string>();
        keys.add(key);
        index.set(value, keys);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name) as Map<string, Set<string>>;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  private schedule(ms: number | undefined, fn: () => void): void {
    if (!ms || this.stopped) return;
    const timer = this.options.clock.setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      fn();
      this.schedule(ms, fn);
    }, ms);
    this.timers.push(timer);
  }

  /** A handler that throws must not break the cache or the other handlers: log it and go on. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.log.error({ resource: this.options.resource, err }, 'informer handler failed');
    }
  }
}
