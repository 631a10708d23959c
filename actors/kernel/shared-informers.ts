/**
 * Shared informers: one list-watch cache per resource for every controller of a process, as
 * client-go's SharedInformerFactory. A controller asks for the informers it reads (and the
 * indexes it needs) while it is wired; `start` then lists and watches each resource once, however
 * many controllers read it.
 *
 *   controller A ─┐                         ┌─ pods informer ──┐
 *   controller B ─┼── informer('pods') ────▶│                  ├── list+watch ──▶ API server
 *   controller C ─┘   informer('nodes') ───▶└─ nodes informer ─┘
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import { Informer } from '../../protocol/client/informer.js';
import type { Clock } from '../../protocol/clock.js';
import type { AnyObject } from '../../protocol/resources/registry.js';
import type { Logger } from './log.js';

/** What the informers depend on. */
export interface SharedInformersDeps {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  /** Replays every cached object to `update` this often (default 0: never). */
  readonly resyncMs?: number;
}

/** Indexes a reader needs: name → the values an object is found under. */
export type Indexers<T> = Readonly<Record<string, (obj: T) => readonly string[]>>;

/** One informer per resource, shared by every reader in the process. */
export class SharedInformers {
  private readonly informers = new Map<string, Informer<AnyObject>>();

  constructor(private readonly deps: SharedInformersDeps) {}

  /**
   * The informer of `resource` (plural), created on first use, with `indexers` added to it. Give
   * indexes names that say what they hold (`byOwnerUid`): a name asked for twice keeps its first
   * function.
   */
  informer<T extends AnyObject>(resource: string, indexers: Indexers<T> = {}): Informer<T> {
    let informer = this.informers.get(resource);
    if (!informer) {
      informer = new Informer<AnyObject>({
        client: this.deps.client,
        resource,
        clock: this.deps.clock,
        log: this.deps.log.child({ informer: resource }),
        resyncMs: this.deps.resyncMs ?? 0,
      });
      this.informers.set(resource, informer);
    }
    informer.addIndexers(indexers as Indexers<AnyObject>);
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer asked for so far; resolves when each has its first list. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  /** True once every informer has listed once. */
  get hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  /** Stops every informer. */
  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
