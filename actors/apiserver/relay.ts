/**
 * The outbox relay: moves committed watch events from the store's outbox to the event log
 * (JetStream on NATS), in revision order, then acknowledges them in the store.
 *
 *   store write ──(same atomic step)──▶ outbox ──relay──▶ event log ──▶ watchers
 *
 * A crash anywhere in between loses nothing: entries stay in the outbox until the log has
 * acknowledged them, and a relay that publishes an entry twice (crash after publish, before the
 * store ack) is harmless because each append carries the revision as its de-duplication id.
 * One relay works at a time per cluster (a lease in the store), so the log stays in revision order.
 */
import type { Gauge } from 'prom-client';
import { match } from 'ts-pattern';
import { REVISION_HEADER, TRUNCATED_HEADER } from '../../protocol/api.js';
import { entryRevision, RELAY_WINDOW } from '../../protocol/client/watch-position.js';
import type { Subjects } from '../../protocol/subjects.js';
import type { ActorContext, ActorLogic } from '../kernel/actor.js';
import type { EventLog } from '../kernel/bus/bus.js';
import type { Faults } from './faults.js';
import type { OutboxEntry, Store } from './store/store.js';

/** Relay tuning; the defaults suit production, tests shorten them. */
export interface RelayOptions {
  /** How long the relay lease lasts without renewal. */
  readonly leaseMs: number;
  /** How long a follower waits before trying to take the lease again. */
  readonly retryMs: number;
  /** Entries per batch; also the most appends in flight (see RELAY_WINDOW). */
  readonly batch: number;
  /** How long one outbox read blocks waiting for new entries. */
  readonly blockMs: number;
  /** Events larger than this go out as a reference the watcher fetches (NATS max_payload). */
  readonly maxEventBytes: number;
}

export const defaultRelayOptions: RelayOptions = {
  leaseMs: 5_000,
  retryMs: 1_000,
  batch: RELAY_WINDOW,
  blockMs: 1_000,
  maxEventBytes: 900 * 1024,
};

export interface RelayDeps {
  readonly store: Store;
  readonly log: EventLog;
  readonly subjects: Subjects;
  readonly faults: Faults;
  /** Unique per API server replica. */
  readonly owner: string;
  readonly options?: Partial<RelayOptions>;
  readonly metrics: { readonly lag: Gauge; readonly relayed: { inc(n?: number): void } };
}

type RelayMessage = { readonly type: 'pump' };

/** Builds the relay's actor logic. */
export function relayLogic(deps: RelayDeps): ActorLogic<RelayMessage> {
  const options = { ...defaultRelayOptions, ...deps.options };
  let leader = false;
  let leaseRenewedAt = 0;
  let cursor = '';

  const later = (ctx: ActorContext<RelayMessage>, ms: number) => {
    const timer = ctx.clock.setTimeout(() => ctx.self.send({ type: 'pump' }), ms);
    ctx.signal.addEventListener('abort', () => timer.cancel(), { once: true });
  };

  async function takeLease(ctx: ActorContext<RelayMessage>): Promise<boolean> {
    const now = ctx.clock.now();
    if (leader && now - leaseRenewedAt < options.leaseMs / 3) return true;
    const held = await deps.store.acquireRelayLease(deps.owner, options.leaseMs);
    if (held && !leader) {
      cursor = await deps.store.outboxCursor();
      await alignRevision(ctx);
      ctx.log.info({ cursor }, 'relay leadership taken');
    } else if (!held && leader) {
      ctx.log.warn('relay leadership lost');
    }
    leader = held;
    leaseRenewedAt = now;
    return held;
  }

  // A log that is ahead of the store means the store lost acknowledged writes (a non-durable Redis
  // restarted). Revisions must still only grow, or watchers would drop new events as stale.
  async function alignRevision(ctx: ActorContext<RelayMessage>): Promise<void> {
    const info = await deps.log.info();
    if (info.messages === 0) return;
    const last = entryRevision((await deps.log.get(info.lastSeq))?.headers) ?? 0;
    const current = await deps.store.revision();
    if (last > current) {
      ctx.log.error(
        { storeRevision: current, logRevision: last },
        'store is behind the event log: raising its revision',
      );
      await deps.store.raiseRevision(last);
    }
  }

  async function pump(ctx: ActorContext<RelayMessage>): Promise<void> {
    if (!(await takeLease(ctx))) {
      later(ctx, options.retryMs);
      return;
    }
    const entries = await deps.store.readOutbox(
      cursor,
      options.batch,
      ctx.signal.aborted ? 0 : options.blockMs,
    );
    if (entries.length > 0) {
      deps.faults.hit('relay.before-publish');
      // Appends start in revision order on one connection; awaiting them together keeps the
      // batch pipelined, and a failure leaves the cursor where it was for a full retry.
      await Promise.all(entries.map((entry) => publish(entry)));
      deps.faults.hit('relay.after-publish');
      const last = entries.at(-1) as OutboxEntry;
      await deps.store.ackOutbox(last.id);
      cursor = last.id;
      deps.metrics.relayed.inc(entries.length);
    }
    deps.metrics.lag.set(await deps.store.outboxLength());
    if (!ctx.signal.aborted) ctx.self.send({ type: 'pump' });
  }

  function publish(entry: OutboxEntry) {
    const subject = deps.subjects.event({
      resource: entry.key.resource,
      namespace: entry.key.namespace,
      name: entry.key.name,
      node: entry.node,
    });
    const headers = new Map([[REVISION_HEADER, String(entry.revision)]]);
    const previous = entry.previousJson ? `,"previous":${entry.previousJson}` : '';
    let payload = `{"type":"${entry.type}","object":${entry.objectJson}${previous}}`;
    if (Buffer.byteLength(payload) > options.maxEventBytes) {
      headers.set(TRUNCATED_HEADER, '1');
      payload = JSON.stringify({ type: entry.type, object: reference(entry) });
    }
    return deps.log.append(subject, payload, { msgId: `rev-${entry.revision}`, headers });
  }

  return {
    start: (ctx) => {
      ctx.self.send({ type: 'pump' });
    },
    receive: (msg, ctx) =>
      match(msg)
        .with({ type: 'pump' }, () => pump(ctx))
        .exhaustive(),
    stop: async () => {
      if (leader) await deps.store.releaseRelayLease(deps.owner);
      leader = false;
    },
  };
}

/** The identity of an object too large for the bus: watchers GET the object itself. */
function reference(entry: OutboxEntry): unknown {
  const head = JSON.parse(entry.objectJson) as {
    apiVersion: string;
    kind: string;
    metadata: Record<string, unknown>;
  };
  const { name, namespace, uid, resourceVersion } = head.metadata;
  return {
    apiVersion: head.apiVersion,
    kind: head.kind,
    metadata: { name, namespace, uid, resourceVersion },
  };
}
