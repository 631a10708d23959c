/**
 * Records Kubernetes Events about objects (client-go's EventRecorder, reduced): repeats of the
 * same event within ten minutes bump `count` and `lastTimestamp` on one Event instead of creating
 * new ones, and writes happen in the background with a bounded queue, so a component never waits
 * for its own events. Under pressure events are dropped, counted and logged: events are for
 * people, never for correctness.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ApiClient } from './api-client.js';

export type EventType = 'Normal' | 'Warning';

/** What an event is about. */
export interface InvolvedObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
}

export interface RecorderOptions {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  /** `source.component` and `reportingComponent`: `default-scheduler`, `kubelet`, ... */
  readonly component: string;
  /** `reportingInstance` / `source.host`. */
  readonly instance?: string;
  /** Events waiting to be written; more are dropped (default 1,000, as client-go's broadcaster). */
  readonly maxPending?: number;
  /** Writes in flight at once (default 4). */
  readonly concurrency?: number;
}

interface Pending {
  readonly key: string;
  readonly involved: InvolvedObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

interface Seen {
  readonly name: string;
  readonly namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

/** How long a repeat is folded into the same Event. */
const AGGREGATION_WINDOW_MS = 10 * 60_000;

/** Writes Events in the background. */
export class EventRecorder {
  private readonly pending: Pending[] = [];
  private readonly seen = new Map<string, Seen>();
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly options: RecorderOptions) {}

  /** Queues an event about `involved`; returns false when it was dropped. */
  event(involved: InvolvedObject, type: EventType, reason: string, message: string): boolean {
    if (this.pending.length >= (this.options.maxPending ?? 1_000)) {
      this.dropped++;
      if (this.dropped % 100 === 1)
        this.options.log.warn({ dropped: this.dropped, reason }, 'event queue full: dropping events');
      return false;
    }
    const key = `${involved.metadata.uid ?? involved.metadata.name}\u0000${type}\u0000${reason}\u0000${message}`;
    this.pending.push({ key, involved, type, reason, message });
    this.pump();
    return true;
  }

  /** Resolves once every queued event was written (tests, clean shutdown). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < (this.options.concurrency ?? 4) && this.pending.length > 0) {
      const next = this.pending.shift() as Pending;
      this.running++;
      void this.write(next)
        .catch((err: unknown) =>
          this.options.log.warn(
            { err: (err as Error).message, reason: next.reason },
            'could not record event',
          ),
        )
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.pending.length === 0)
            for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async write(p: Pending): Promise<void> {
    const now = this.options.clock.now();
    const timestamp = `${new Date(Math.floor(now / 1000) * 1000).toISOString().slice(0, 19)}Z`;
    this.forgetOld(now);
    const previous = this.seen.get(p.key);
    if (previous && now - previous.lastSeen <= AGGREGATION_WINDOW_MS) {
      previous.count++;
      previous.lastSeen = now;
      await this.options.client.patch('events', previous.namespace, previous.name, {
        count: previous.count,
        lastTimestamp: timestamp,
      });
      return;
    }
    const namespace = p.involved.metadata.namespace || 'default';
    const name = `${p.involved.metadata.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`;
    await this.options.client.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: p.involved.apiVersion,
        kind: p.involved.kind,
        name: p.involved.metadata.name,
        namespace: p.involved.metadata.namespace,
        uid: p.involved.metadata.uid,
        resourceVersion: p.involved.metadata.resourceVersion,
      },
      reason: p.reason,
      message: p.message,
      type: p.type,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: {
        component: this.options.component,
        ...(this.options.instance ? { host: this.options.instance } : {}),
      },
      reportingComponent: this.options.component,
      reportingInstance: this.options.instance ?? this.options.component,
    });
    this.seen.set(p.key, { name, namespace, count: 1, firstTimestamp: timestamp, lastSeen: now });
  }

  private forgetOld(now: number): void {
    if (this.seen.size < 4096) return;
    for (const [key, s] of this.seen) if (now - s.lastSeen > AGGREGATION_WINDOW_MS) this.seen.delete(key);
  }
}
