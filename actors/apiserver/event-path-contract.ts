/**
 * The event path under faults, as one scenario suite that runs against both buses (in-process and
 * NATS): store → outbox → relay → event log → watches. Test support only: imported by *.test.ts
 * files, never by production code.
 *
 * Each scenario breaks the path the way production breaks it (appends that fail, appends that
 * complete out of order, a log that loses what it held, events too large for one message) and
 * checks what users rely on: the log holds every revision once, in increasing order; a watch, live
 * or resumed from any resourceVersion or bookmark, misses nothing or ends with Expired; selector
 * watches on large objects behave as on small ones.
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REVISION_HEADER, type WatchEvent } from '../../protocol/api.js';
import type { Bus, LogEntry } from '../../protocol/bus.js';
import { ApiClient } from '../../protocol/client/api-client.js';
import { NatsTransport } from '../../protocol/client/nats.js';
import { systemClock } from '../../protocol/clock.js';
import type { Subjects } from '../../protocol/subjects.js';
import { entryRevision } from '../../protocol/watch/position.js';
import type { Watch, WatchOptions } from '../../protocol/watch/watch.js';
import { silentLogger } from '../kernel/log.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { ApiServer } from './server.js';
import type { Store } from './store/store.js';

/** A bus and a store to run the API server on, and the faults the scenarios inject. */
export interface EventPathFixture {
  readonly bus: Bus;
  readonly store: Store;
  readonly subjects: Subjects;
  /** The next `times` appends to the event log fail (nothing stored). */
  failAppends(times: number): void;
  /** The next append to the event log is stored only at `release`, after later ones were tried. */
  holdAppend(): HeldAppend;
  cleanup(): Promise<void>;
}

/** An append held back by `holdAppend`. */
export interface HeldAppend {
  /** Appends caught so far (0 until the relay tried one). */
  readonly hits: number;
  release(): Promise<void>;
}

export interface EventPathFixtureOptions {
  /** Acknowledged outbox entries the store keeps (small: a lost log cannot be fully healed). */
  readonly outboxRetain?: number;
}

export type EventPathFactory = (options?: EventPathFixtureOptions) => Promise<EventPathFixture>;

interface Running {
  readonly fixture: EventPathFixture;
  readonly server: ApiServer;
  readonly client: ApiClient;
  stop(): Promise<void>;
}

async function startApi(fixture: EventPathFixture): Promise<Running> {
  const server = await ApiServer.start({
    bus: fixture.bus,
    store: fixture.store,
    subjects: fixture.subjects,
    clock: systemClock,
    log: silentLogger(),
    registry: new Registry(),
    relay: { blockMs: 20, callTimeoutMs: 3_000 },
  });
  const transport = new NatsTransport({ bus: fixture.bus, subjects: fixture.subjects, bookmarkMs: 50 });
  const client = new ApiClient(transport);
  return {
    fixture,
    server,
    client,
    async stop() {
      await client.close();
      await server.stop();
      await fixture.cleanup();
    },
  };
}

/** Collects a watch's events; `ended` is what it closed with. */
async function collect(client: ApiClient, options: WatchOptions) {
  const events: WatchEvent[] = [];
  const watch: Watch = await client.watch(options, (event) => {
    events.push(event);
  });
  return { events, watch };
}

const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
  data,
});

const names = (events: readonly WatchEvent[], type?: string) =>
  events
    .filter((e) => (type ? e.type === type : e.type !== 'BOOKMARK'))
    .map((e) => (e.object as { metadata: { name: string } }).metadata.name);

/** Every entry of the event log, oldest first. */
async function readLog(server: ApiServer): Promise<LogEntry[]> {
  const info = await server.events.info();
  const entries: LogEntry[] = [];
  for (let seq = info.firstSeq; seq <= info.lastSeq; seq++) {
    const entry = await server.events.get(seq);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The log's revisions (events only, not a horizon marker): each once, strictly increasing. */
async function expectStrictOrder(server: ApiServer): Promise<number[]> {
  const horizon = server.subjects.eventsHorizon();
  const revisions = (await readLog(server))
    .filter((e) => e.subject !== horizon)
    .map((e) => entryRevision(e.headers) ?? -1);
  for (let i = 1; i < revisions.length; i++) {
    expect(revisions[i], `revision at position ${i}`).toBeGreaterThan(revisions[i - 1] as number);
  }
  return revisions;
}

/** Prints what a scenario did and how long the path took to recover (one line per fault). */
function report(name: string, fault: string, since: number): void {
  console.log(`event path (${name}): ${fault}; recovered in ${Date.now() - since} ms`);
}

/** Waits until the relay has nothing pending (the start-up namespaces are in the log). */
async function relayed(fixture: EventPathFixture): Promise<void> {
  await waitFor(async () => expect((await fixture.store.outboxState()).pending).toBe(0));
}

/** Registers the scenarios for one bus implementation. */
export function describeEventPathContract(name: string, factory: EventPathFactory): void {
  describe(`Event path under faults: ${name}`, () => {
    let api: Running | undefined;
    const start = async (options?: EventPathFixtureOptions) => {
      api = await startApi(await factory(options));
      return api;
    };
    beforeEach(() => {
      api = undefined;
    });
    afterEach(async () => {
      await api?.stop();
    });

    const createAll = (client: ApiClient, prefix: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) => client.create('configmaps', configMap(`${prefix}-${i}`))),
      );

    it('keeps strict revision order when a batch completes out of order, and resumed watches miss nothing', async () => {
      const { client, server, fixture } = await start();
      const listed = await client.list('configmaps', { namespace: 'default' });
      const live = await collect(client, {
        resource: 'configmaps',
        resourceVersion: listed.metadata.resourceVersion,
      });

      // The first append of the batch is held; the ones behind it are tried first and refused
      // (they expect it in the log), then it lands; the relay syncs and sends the rest after it.
      await relayed(fixture);
      const held = fixture.holdAppend();
      const created = await createAll(client, 'r', 10);
      await waitFor(() => expect(held.hits).toBe(1));
      const released = Date.now();
      await held.release();
      const acknowledged = created.map((o) => o.metadata.name).sort();
      await waitFor(() => expect(names(live.events).sort()).toEqual(acknowledged), { timeoutMs: 15_000 });
      report(name, 'first append of a 10-entry batch held until the rest were refused', released);

      const revisions = await expectStrictOrder(server);
      for (const o of created) {
        expect(revisions.filter((r) => r === Number(o.metadata.resourceVersion))).toHaveLength(1);
      }

      // Resumed from the resourceVersion of the 5th event delivered, and from a bookmark taken at
      // the end: exactly the events after it.
      const fifth = live.events.filter((e) => e.type !== 'BOOKMARK')[4] as WatchEvent;
      const resumed = await collect(client, {
        resource: 'configmaps',
        resourceVersion: (fifth.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      });
      await waitFor(() => expect(names(resumed.events)).toEqual(names(live.events).slice(5)));

      const bookmarked = await collect(client, {
        resource: 'configmaps',
        resourceVersion: listed.metadata.resourceVersion,
        allowBookmarks: true,
      });
      await waitFor(() =>
        expect(
          bookmarked.events.some(
            (e) =>
              e.type === 'BOOKMARK' &&
              Number((e.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion) >=
                Math.max(...created.map((o) => Number(o.metadata.resourceVersion))),
          ),
        ).toBe(true),
      );
      const bookmark = bookmarked.events.findLast((e) => e.type === 'BOOKMARK') as WatchEvent;
      const after = await collect(client, {
        resource: 'configmaps',
        resourceVersion: (bookmark.object as { metadata: { resourceVersion: string } }).metadata
          .resourceVersion,
      });
      const late = await client.create('configmaps', configMap('after-bookmark'));
      await waitFor(() => expect(names(after.events)).toEqual([late.metadata.name]));
      for (const w of [live, resumed, bookmarked, after]) await w.watch.close();
    });

    it('keeps relaying through more failures in a row than a default supervisor allows', async () => {
      const { client, server, fixture } = await start();
      const listed = await client.list('configmaps', { namespace: 'default' });
      const live = await collect(client, {
        resource: 'configmaps',
        resourceVersion: listed.metadata.resourceVersion,
      });
      await relayed(fixture);
      // One entry, so each failure is one failed pump and one restart: six in a row, which the
      // default policy (five per minute) would have ended for good.
      fixture.failAppends(6);
      const failingSince = Date.now();
      const created = await createAll(client, 'f', 1);
      await waitFor(() => expect(server.readiness()).toMatchObject({ ready: false }));
      expect(server.readiness().checks[0]?.detail).toMatch(/^failing: .*injected|^failing: /);
      await waitFor(
        () => expect(names(live.events).sort()).toEqual(created.map((o) => o.metadata.name).sort()),
        {
          timeoutMs: 30_000,
        },
      );
      await waitFor(() => expect(server.readiness().ready).toBe(true));
      report(name, '6 appends in a row failed (6 relay restarts)', failingSince);
      await expectStrictOrder(server);
      await live.watch.close();
    });

    it('republishes a log that lost its entries from the retained outbox', async () => {
      const { client, server } = await start();
      const listed = await client.list('configmaps', { namespace: 'default' });
      const before = await createAll(client, 'h', 4);
      const live = await collect(client, {
        resource: 'configmaps',
        resourceVersion: listed.metadata.resourceVersion,
      });
      await waitFor(() => expect(names(live.events)).toHaveLength(4));

      // The log loses everything (as a NATS store wiped, or a tail lost and renumbered); the relay
      // finds it out at its next append, and the store still holds every entry.
      const lost = Date.now();
      await server.events.reset();
      // A watcher cannot tell an emptied log from one that never had its entries: it relists.
      expect(await live.watch.closed).toMatchObject({ reason: 'Expired' });
      const later = await client.create('configmaps', configMap('h-late'));
      // The relay finds the log behind what it acknowledged at its next append, and republishes
      // every retained entry: a watch from before all of it sees everything, once.
      const resumed = await collect(client, {
        resource: 'configmaps',
        resourceVersion: listed.metadata.resourceVersion,
      });
      const all = [...before, later].map((o) => o.metadata.name);
      await waitFor(() => expect(names(resumed.events)).toEqual(all), { timeoutMs: 15_000 });
      report(name, 'event log emptied under the relay, healed from the retained outbox', lost);
      const revisions = await expectStrictOrder(server);
      for (const o of [...before, later]) expect(revisions).toContain(Number(o.metadata.resourceVersion));
      await resumed.watch.close();
    });

    it('resets a log it cannot heal, so watches from before the hole get Expired', async () => {
      const { client, server } = await start({ outboxRetain: 2 });
      const listed = await client.list('configmaps', { namespace: 'default' });
      await createAll(client, 'g', 6);
      const live = await collect(client, {
        resource: 'configmaps',
        resourceVersion: listed.metadata.resourceVersion,
      });
      await waitFor(() => expect(names(live.events)).toHaveLength(6));

      const lost = Date.now();
      await server.events.reset();
      expect(await live.watch.closed).toMatchObject({ reason: 'Expired' });
      const later = await client.create('configmaps', configMap('g-late'));
      // The store kept only the newest acknowledged entries: the hole cannot be filled, so the
      // new log begins with a horizon. A watch from before the hole is refused (its owner
      // relists); one from after it works.
      await waitFor(async () =>
        expect((await readLog(server)).map((e) => e.subject)).toContain(server.subjects.eventsHorizon()),
      );
      await expect(
        client.watch(
          { resource: 'configmaps', resourceVersion: listed.metadata.resourceVersion },
          () => undefined,
        ),
      ).rejects.toMatchObject({ reason: 'Expired' });
      const fresh = await collect(client, {
        resource: 'configmaps',
        resourceVersion: String(Number(later.metadata.resourceVersion) - 1),
      });
      await waitFor(() => expect(names(fresh.events)).toEqual(['g-late']));
      report(name, 'event log emptied beyond the retained outbox, reset behind a horizon', lost);
      await fresh.watch.close();
    });

    it('republishes the revision a horizon marker names when it finds the log ending at the marker', async () => {
      const { client, server, fixture } = await start();
      const created = await createAll(client, 'm', 3);
      await relayed(fixture);
      const revisions = created.map((o) => Number(o.metadata.resourceVersion)).sort((a, b) => a - b);
      const first = revisions[0] as number;
      // As if a relay had reset the log and written the horizon, then stopped before republishing.
      await server.events.reset();
      await server.events.append(server.subjects.eventsHorizon(), '{}', {
        headers: new Map([[REVISION_HEADER, String(first)]]),
        expectedLastSeq: 0,
      });
      const later = await client.create('configmaps', configMap('m-late'));
      await waitFor(
        async () => expect(await expectStrictOrder(server)).toContain(Number(later.metadata.resourceVersion)),
        {
          timeoutMs: 15_000,
        },
      );
      const logged = await expectStrictOrder(server);
      for (const r of revisions) expect(logged.filter((x) => x === r)).toHaveLength(1);
    });

    it('selects events of objects too large for one message exactly as small ones', async () => {
      const { client } = await start();
      // Just under what one request may carry on the bus; its event, with the previous version's
      // summary, is over the event limit, so it travels as a reference with summaries.
      const blob = 'x'.repeat(960 * 1024);
      const listed = await client.list('configmaps', { namespace: 'default' });
      const rv = listed.metadata.resourceVersion;
      const byLabel = await collect(client, {
        resource: 'configmaps',
        resourceVersion: rv,
        labelSelector: 'app=big',
      });
      const byField = await collect(client, {
        resource: 'configmaps',
        resourceVersion: rv,
        fieldSelector: 'metadata.name=big',
      });

      const types = (w: { events: WatchEvent[] }) => w.events.map((e) => e.type);
      const created = await client.create('configmaps', configMap('big', { app: 'big' }, { blob }));
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED']));
      const added = byLabel.events[0]?.object as { data: { blob: string } };
      expect(added.data.blob).toHaveLength(blob.length);
      const unlabelled = await client.update('configmaps', {
        ...created,
        metadata: { ...created.metadata, labels: {} },
      });
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED', 'DELETED']));
      await client.update('configmaps', {
        ...unlabelled,
        metadata: { ...unlabelled.metadata, labels: { app: 'big' } },
      });
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED', 'DELETED', 'ADDED']));
      await client.delete('configmaps', 'default', 'big');
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED', 'DELETED', 'ADDED', 'DELETED']));
      await waitFor(() => expect(types(byField)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']));
      const deleted = byLabel.events.at(-1)?.object as {
        metadata: { name: string; labels?: Record<string, string> };
      };
      expect(deleted.metadata).toMatchObject({ name: 'big', labels: { app: 'big' } });
      for (const w of [byLabel, byField]) {
        await w.watch.close();
        expect(await w.watch.closed).toBeUndefined();
      }
    });
  });
}
