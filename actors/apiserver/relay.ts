/**
 * The outbox relay: moves committed watch events from the store's outbox to the event log
 * (JetStream on NATS), in revision order, then acknowledges them in the store.
 *
 *   store write ──(same atomic step)──▶ outbox ──relay──▶ event log ──▶ watchers
 *
 *   pump: hold lease ─▶ (sync with the log) ─▶ read outbox ─▶ fenced appends ─▶ ack (fenced) ─▶ pump
 *                             ▲                                    │ any failure
 *                             └──── reconnect of store or bus ─────┴──▶ throw: restarted with backoff
 *
 * Why it is built this way:
 * - **One writer, strict order, in the log itself.** Every append carries the sequence the log must
 *   end at (`expectedLastSeq`). A relay appends only after it has read where the log ends and which
 *   revision is there (`sync`), so the entry at each position is the outbox successor of the one
 *   before: the log holds each revision once, in increasing order, whatever fails in between. A relay
 *   that lost its lease while paused finds the log moved on and cannot append; its acknowledgement is
 *   refused too (the store checks the lease). The 2-minute de-duplication window is no longer what
 *   keeps order, and a watch resumed from any revision finds its place by binary search.
 * - **Never hangs, never gives up.** Every store and log call has a deadline; any failure throws, the
 *   supervisor restarts the relay with capped backoff, forever (`relaySupervision`), and a restarted
 *   relay syncs again. So does a relay whose store or bus reconnected: a store may come back with less
 *   than it had, a log may come back without its newest entries.
 * - **A lost log tail is healed.** NATS 2.9 acknowledges before fsync, so after an unclean crash the
 *   log can end before what the relay acknowledged. The store keeps acknowledged entries for a while
 *   (`outboxRetain`): the relay republishes from where the log ends, at the same positions as before.
 *   If the store no longer holds that far back, the log is reset first (emptied and renumbered), so
 *   that no watcher can read across the hole: every reader ends with Expired and relists.
 */
import type { Counter, Gauge } from 'prom-client';
import { match } from 'ts-pattern';
import { REVISION_HEADER, TRUNCATED_HEADER } from '../../protocol/api.js';
import type { AppendResult, EventLog } from '../../protocol/bus.js';
import { RelayCallTimeoutError, RelayInterruptedError } from '../../protocol/errors.js';
import { type AnyObject, resourceByPlural } from '../../protocol/resources/registry.js';
import { summarize } from '../../protocol/selectors/selection.js';
import type { Subjects } from '../../protocol/subjects.js';
import { entryRevision } from '../../protocol/watch/position.js';
import type { ActorContext, ActorLogic } from '../kernel/actor.js';
import type { SupervisionOverrides } from '../kernel/supervision.js';
import type { Faults } from './faults.js';
import type { OutboxEntry, Store } from './store/store.js';

/** Relay tuning; the defaults suit production, tests shorten them. */
export interface RelayOptions {
  /** How long the relay lease lasts without renewal. */
  readonly leaseMs: number;
  /** How long a follower waits before trying to take the lease again. */
  readonly retryMs: number;
  /** Entries per batch: the most appends in flight. */
  readonly batch: number;
  /** How long one outbox read blocks waiting for new entries. */
  readonly blockMs: number;
  /** Events larger than this go out as a reference the watcher fetches (below the bus payload limit). */
  readonly maxEventBytes: number;
  /** The longest any one store or log call may take before the relay gives it up and starts over. */
  readonly callTimeoutMs: number;
}

export const defaultRelayOptions: RelayOptions = {
  leaseMs: 5_000,
  retryMs: 1_000,
  batch: 256,
  blockMs: 1_000,
  maxEventBytes: 900 * 1024,
  callTimeoutMs: 10_000,
};

/**
 * The relay restarts forever, backing off to 1 s: a relay that gave up would stop every watch, and
 * one that waited long after its store or bus came back would hold every watch back as long. A
 * restart costs one failed request while a server is down.
 */
export const relaySupervision: SupervisionOverrides = {
  maxRestarts: Number.POSITIVE_INFINITY,
  backoff: { maxMs: 1_000 },
};

/** What the relay is doing, for `/readyz` and the state gauge. */
export type RelayState = 'starting' | 'leader' | 'follower' | 'failing';

/** The relay's health as last seen; the API server reads it for `/readyz`. */
export interface RelayHealth {
  readonly state: RelayState;
  /** Committed events not yet in the log. */
  readonly pending: number;
  /** Age of the oldest of them, in ms. */
  readonly oldestPendingAgeMs: number;
  /** Why the last pump failed, while it is failing. */
  readonly lastError?: string;
}

export interface RelayMetrics {
  readonly lag: Gauge;
  readonly oldestPendingAge: Gauge;
  readonly state: Gauge<'state'>;
  readonly relayed: Pick<Counter, 'inc'>;
  readonly heals: Pick<Counter, 'inc'>;
}

export interface RelayDeps {
  readonly store: Store;
  readonly log: EventLog;
  readonly subjects: Subjects;
  readonly faults: Faults;
  /** Unique per API server replica. */
  readonly owner: string;
  readonly options?: Partial<RelayOptions>;
  readonly metrics: RelayMetrics;
  /**
   * Creates the event log if it is missing (a NATS server that came back without its store), with
   * its configuration; idempotent. Called before every sync.
   */
  readonly ensureLog: () => Promise<void>;
  /** Registers a listener for reconnects of the bus or the store; returns its remover. */
  readonly onReconnect: (listener: () => void) => () => void;
  /** Receives every change of health. */
  readonly report: (health: RelayHealth) => void;
}

type RelayMessage = { readonly type: 'pump' };

/** Where the event log ends: its last sequence and the revision of the entry there. */
interface LogEnd {
  readonly seq: number;
  readonly revision: number;
}

/** Builds the relay's actor logic; a restart builds a fresh one, which syncs with the log again. */
export function relayLogic(deps: RelayDeps): ActorLogic<RelayMessage> {
  const options = { ...defaultRelayOptions, ...deps.options };
  let leader = false;
  let leaseCheckedAt = Number.NEGATIVE_INFINITY;
  /** Undefined until synced with the log: nothing is appended before that. */
  let end: LogEnd | undefined;
  /** Outbox id after which to read. */
  let cursor = '';
  /** Revision of the store's acknowledged cursor: entries up to it need no new acknowledgement. */
  let ackedRevision = 0;
  let stateCheckedAt = Number.NEGATIVE_INFINITY;
  let health: RelayHealth = { state: 'starting', pending: 0, oldestPendingAgeMs: 0 };
  let unsubscribe: (() => void) | undefined;
  // A reconnect of the store or bus starts a new epoch: calls in flight are given up (a request
  // sent while NATS was away is answered by nobody and would wait for its whole deadline), and the
  // next pump syncs with the log again before appending.
  let epoch = 0;
  let syncedEpoch = -1;
  let interrupt = new AbortController();

  const setHealth = (next: Partial<RelayHealth>) => {
    const { lastError: _dropped, ...rest } = health;
    health = next.state === 'failing' ? { ...health, ...next } : { ...rest, ...next };
    for (const state of ['starting', 'leader', 'follower', 'failing'] as const) {
      deps.metrics.state.set({ state }, health.state === state ? 1 : 0);
    }
    deps.report(health);
  };

  /**
   * Awaits `promise`, or fails after callTimeoutMs (+ `extraMs`) on the injected clock, or at once
   * when the store or bus reconnects meanwhile.
   */
  function bounded<T>(ctx: ActorContext<RelayMessage>, what: string, promise: Promise<T>, extraMs = 0) {
    const signal = interrupt.signal;
    return new Promise<T>((resolve, reject) => {
      const onInterrupt = () => reject(new RelayInterruptedError(`${what}: given up at a reconnect`));
      const timer = ctx.clock.setTimeout(
        () =>
          reject(
            new RelayCallTimeoutError(`${what}: no answer within ${options.callTimeoutMs + extraMs} ms`),
          ),
        options.callTimeoutMs + extraMs,
      );
      const settle = () => {
        timer.cancel();
        signal.removeEventListener('abort', onInterrupt);
      };
      if (signal.aborted) onInterrupt();
      else signal.addEventListener('abort', onInterrupt, { once: true });
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(err);
        },
      );
    });
  }

  const later = (ctx: ActorContext<RelayMessage>, ms: number) => {
    const timer = ctx.clock.setTimeout(() => ctx.self.send({ type: 'pump' }), ms);
    ctx.signal.addEventListener('abort', () => timer.cancel(), { once: true });
  };

  // The lease is renewed every third of its term. Trusting it in between is safe now: a relay that
  // lost it cannot append (fenced by sequence) nor acknowledge (fenced by owner in the store).
  async function holdLease(ctx: ActorContext<RelayMessage>): Promise<boolean> {
    const now = ctx.clock.now();
    if (leader && now - leaseCheckedAt < options.leaseMs / 3) return true;
    const held = await bounded(ctx, 'relay lease', deps.store.acquireRelayLease(deps.owner, options.leaseMs));
    if (held && !leader) {
      end = undefined;
      ctx.log.info('relay leadership taken');
    } else if (!held && leader) {
      ctx.log.warn('relay leadership lost');
    }
    leader = held;
    leaseCheckedAt = now;
    return held;
  }

  /**
   * Reads where the log ends and where the store's cursor is, and decides where to read the outbox
   * from: after the cursor normally (skipping what the log already has), or from the oldest retained
   * entry when the log lost entries the store had acknowledged (a lost tail).
   */
  async function sync(ctx: ActorContext<RelayMessage>): Promise<LogEnd> {
    const syncing = epoch;
    await bounded(ctx, 'log ensure', deps.ensureLog());
    let info = await bounded(ctx, 'log info', deps.log.info());
    const last = info.messages > 0 ? await bounded(ctx, 'log get', deps.log.get(info.lastSeq)) : undefined;
    // A horizon marker carries the first revision the log holds *again*: that one is not in it yet.
    const isHorizon = last?.subject === deps.subjects.eventsHorizon();
    let revision = Math.max(0, (entryRevision(last?.headers) ?? 0) - (isHorizon ? 1 : 0));
    const state = await bounded(ctx, 'outbox state', deps.store.outboxState());
    ackedRevision = state.cursorRevision;
    await alignRevision(ctx, revision);

    if (revision >= state.cursorRevision) {
      cursor = state.cursor; // entries after it that the log already has are skipped, not re-sent
    } else {
      cursor = '';
      deps.metrics.heals.inc();
      const gap = state.oldestRevision === 0 || state.oldestRevision > revision + 1;
      ctx.log.error(
        {
          logRevision: revision,
          acknowledgedRevision: state.cursorRevision,
          oldestRetained: state.oldestRevision,
        },
        gap
          ? 'event log lost entries the store no longer holds: resetting it (watchers relist) and republishing what the store has'
          : 'event log lost its newest entries (unclean NATS restart): republishing them from the store',
      );
      if (gap) {
        await bounded(ctx, 'log reset', deps.log.reset());
        // The new log begins with a horizon marker carrying the first revision it holds again (the
        // oldest retained entry, or the next one to be written): a watch from before it finds the
        // marker first and is told Expired (`startForRevision`), one from just before it reads on.
        const first =
          state.oldestRevision > 0
            ? state.oldestRevision
            : (await bounded(ctx, 'store revision', deps.store.revision())) + 1;
        await bounded(
          ctx,
          'log append',
          deps.log.append(deps.subjects.eventsHorizon(), '{}', {
            headers: new Map([[REVISION_HEADER, String(first)]]),
            expectedLastSeq: 0,
          }),
        );
        info = await bounded(ctx, 'log info', deps.log.info());
        revision = first - 1;
      }
    }
    ctx.log.info({ seq: info.lastSeq, revision, cursor }, 'relay synced with the event log');
    syncedEpoch = syncing;
    return { seq: info.lastSeq, revision };
  }

  // A log that is ahead of the store means the store lost acknowledged writes (a non-durable Redis
  // restarted). Revisions must still only grow, or watchers would drop new events as stale.
  async function alignRevision(ctx: ActorContext<RelayMessage>, logRevision: number): Promise<void> {
    const current = await bounded(ctx, 'store revision', deps.store.revision());
    if (logRevision > current) {
      ctx.log.error(
        { storeRevision: current, logRevision },
        'store is behind the event log: raising its revision',
      );
      await bounded(ctx, 'raise revision', deps.store.raiseRevision(logRevision));
    }
  }

  async function pump(ctx: ActorContext<RelayMessage>): Promise<void> {
    if (!(await holdLease(ctx))) {
      if (health.state !== 'follower') setHealth({ state: 'follower', pending: 0, oldestPendingAgeMs: 0 });
      later(ctx, options.retryMs);
      return;
    }
    if (end === undefined || syncedEpoch !== epoch) end = await sync(ctx);
    const entries = await bounded(
      ctx,
      'outbox read',
      deps.store.readOutbox(cursor, options.batch, ctx.signal.aborted ? 0 : options.blockMs),
      options.blockMs,
    );
    if (entries.length > 0) await relay(ctx, entries, end);
    await refreshHealth(ctx, entries.length === 0);
    if (!ctx.signal.aborted) ctx.self.send({ type: 'pump' });
  }

  /** Appends the entries the log lacks, fenced and pipelined, then acknowledges the whole batch. */
  async function relay(ctx: ActorContext<RelayMessage>, entries: OutboxEntry[], from: LogEnd): Promise<void> {
    const fresh = entries.filter((entry) => entry.revision > from.revision);
    deps.faults.hit('relay.before-publish');
    // All appends start at once on one connection, each expecting the log to end where the one
    // before it lands; awaiting them together keeps the batch pipelined.
    const results = await Promise.allSettled(
      fresh.map((entry, i) => bounded(ctx, 'log append', publish(entry, from.seq + i))),
    );
    let reached = from;
    for (const [i, result] of results.entries()) {
      const entry = fresh[i] as OutboxEntry;
      if (result.status === 'rejected' || !isNextAppend(reached, result.value)) {
        // The log's end is unknown now: sync again before the next append (after the restart).
        end = undefined;
        throw result.status === 'rejected'
          ? result.reason
          : new Error(`log did not grow as expected at revision ${entry.revision}`);
      }
      reached = { seq: result.value.seq, revision: entry.revision };
    }
    end = reached;
    deps.faults.hit('relay.after-publish');
    const last = entries.at(-1) as OutboxEntry;
    const newly = entries.filter((entry) => entry.revision > ackedRevision).length;
    const held = await bounded(ctx, 'outbox ack', deps.store.ackOutbox(deps.owner, last, newly));
    if (!held) {
      // Another replica took the lease meanwhile; what was appended stays (it is in order).
      leader = false;
      end = undefined;
      ctx.log.warn('relay lease lost before acknowledging: another replica relays now');
      return;
    }
    cursor = last.id;
    ackedRevision = Math.max(ackedRevision, last.revision);
    deps.metrics.relayed.inc(fresh.length);
  }

  /** While failing: the lag as the store sees it, if it answers quickly (never delays the restart long). */
  async function reportLag(ctx: ActorContext<RelayMessage>): Promise<void> {
    let timer: { cancel(): void } | undefined;
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = ctx.clock.setTimeout(() => resolve(undefined), 500);
    });
    const state = await Promise.race([deps.store.outboxState(), gaveUp]).catch(() => undefined); // store down: the last numbers stand
    timer?.cancel();
    if (!state) return;
    deps.metrics.lag.set(state.pending);
    deps.metrics.oldestPendingAge.set(state.oldestPendingAgeMs / 1000);
    setHealth({ state: 'failing', pending: state.pending, oldestPendingAgeMs: state.oldestPendingAgeMs });
  }

  async function refreshHealth(ctx: ActorContext<RelayMessage>, idle: boolean): Promise<void> {
    const now = ctx.clock.now();
    if (!idle && now - stateCheckedAt < 1_000 && health.state === 'leader') return;
    stateCheckedAt = now;
    const state = await bounded(ctx, 'outbox state', deps.store.outboxState());
    deps.metrics.lag.set(state.pending);
    deps.metrics.oldestPendingAge.set(state.oldestPendingAgeMs / 1000);
    setHealth({ state: 'leader', pending: state.pending, oldestPendingAgeMs: state.oldestPendingAgeMs });
  }

  function publish(entry: OutboxEntry, expectedLastSeq: number): Promise<AppendResult> {
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
      payload = JSON.stringify(truncatedEvent(entry));
    }
    return deps.log.append(subject, payload, {
      msgId: `rev-${entry.revision}`,
      headers,
      expectedLastSeq,
    });
  }

  return {
    start: (ctx) => {
      unsubscribe = deps.onReconnect(() => {
        epoch++;
        const previous = interrupt;
        interrupt = new AbortController();
        previous.abort();
      });
      ctx.self.send({ type: 'pump' });
    },
    receive: async (msg, ctx) => {
      try {
        await match(msg)
          .with({ type: 'pump' }, () => pump(ctx))
          .exhaustive();
      } catch (err) {
        if (err instanceof RelayInterruptedError && !ctx.signal.aborted) {
          // Not a failure: the store or bus came back. Sync and go on at once, without a restart.
          ctx.log.info({ reason: err.message }, 'relay: reconnected, syncing with the event log again');
          ctx.self.send({ type: 'pump' });
          return;
        }
        setHealth({ state: 'failing', lastError: (err as Error)?.message ?? String(err) });
        await reportLag(ctx);
        throw err; // the supervisor restarts the relay, which syncs again
      }
    },
    stop: async (ctx) => {
      unsubscribe?.();
      if (!leader) return;
      leader = false;
      // Best effort within the deadline: with the store down the lease simply expires.
      await bounded(ctx, 'release lease', deps.store.releaseRelayLease(deps.owner)).catch((err: unknown) =>
        ctx.log.warn({ err }, 'relay lease not released; it expires by itself'),
      );
    },
  };
}

/** True when `result` is the append right after `end`: a new entry at the next sequence. */
function isNextAppend(end: LogEnd, result: AppendResult): boolean {
  return !result.duplicate && result.seq === end.seq + 1;
}

/**
 * An event too large for one bus message: the object's identity plus everything a selector needs
 * (its labels and selectable fields, and the previous version's), so a selector watch decides
 * exactly as for a small object; watchers fetch the object itself when they deliver it.
 */
export function truncatedEvent(entry: OutboxEntry): unknown {
  const object = JSON.parse(entry.objectJson) as AnyObject;
  const { name, namespace, uid, resourceVersion, labels } = object.metadata;
  const type = resourceByPlural(entry.key.resource);
  return {
    type: entry.type,
    object: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name, namespace, uid, resourceVersion, ...(labels ? { labels } : {}) },
    },
    ...(type ? { summary: summarize(type, object) } : {}),
    ...(entry.previousJson ? { previous: JSON.parse(entry.previousJson) as unknown } : {}),
  };
}
