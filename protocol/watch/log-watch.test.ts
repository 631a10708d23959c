import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../actors/kernel/bus/memory.js';
import { waitFor } from '../../actors/kernel/testing/wait-for.js';
import { REVISION_HEADER, TRUNCATED_HEADER, type WatchEvent } from '../api.js';
import type { EventLog } from '../bus.js';
import { systemClock } from '../clock.js';
import type { AnyObject } from '../resources/registry.js';
import { Subjects } from '../subjects.js';
import { type LogWatchDeps, watchLog } from './log-watch.js';

const subjects = new Subjects('lw');

const cm = (name: string, rv: number, labels?: Record<string, string>): AnyObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'a', resourceVersion: String(rv), ...(labels ? { labels } : {}) },
});

describe('watchLog', () => {
  let bus: MemoryBus;
  let log: EventLog;
  let store: Map<string, AnyObject>;
  let deps: LogWatchDeps;

  /** Appends an event as the relay does: the revision in a header, fenced by sequence. */
  const append = async (type: string, object: AnyObject, extra: { truncated?: object } = {}) => {
    const revision = object.metadata.resourceVersion as string;
    const subject = subjects.event({
      resource: 'configmaps',
      namespace: 'a',
      name: object.metadata.name ?? '',
    });
    const headers = new Map([[REVISION_HEADER, revision]]);
    if (extra.truncated) headers.set(TRUNCATED_HEADER, '1');
    const body = extra.truncated ?? { type, object };
    await log.append(subject, JSON.stringify(body), { headers, expectedLastSeq: (await log.info()).lastSeq });
  };

  const open = async (options: { resourceVersion?: string; labelSelector?: string }) => {
    const events: WatchEvent[] = [];
    const watch = await watchLog(deps, { resource: 'configmaps', ...options }, (e) => {
      events.push(e);
    });
    return { events, watch };
  };
  const meta = (e: WatchEvent | undefined) => (e?.object as AnyObject | undefined)?.metadata;
  const seen = (events: WatchEvent[]) =>
    events.map((e) => `${e.type} ${meta(e)?.name}@${meta(e)?.resourceVersion}`);

  beforeEach(async () => {
    bus = new MemoryBus();
    log = await bus.log(subjects.eventsStream(), { subjects: [subjects.events()] });
    store = new Map();
    deps = {
      log,
      subjects,
      clock: systemClock,
      get: async (_r, _ns, name) => store.get(name),
      list: async () => ({ items: [...store.values()], resourceVersion: '4' }),
    };
  });
  afterEach(async () => {
    await bus.close();
  });

  it('reads on when the log is reset and refilled with the same history, delivering nothing twice', async () => {
    for (let r = 1; r <= 4; r++) await append('ADDED', cm(`o${r}`, r));
    const w = await open({ resourceVersion: '2' });
    await waitFor(() => expect(seen(w.events)).toEqual(['ADDED o3@3', 'ADDED o4@4']));
    await log.reset(); // the reader ends with LogExpiredError; the watch finds its place by revision
    for (let r = 1; r <= 6; r++) await append('ADDED', cm(`o${r}`, r));
    await waitFor(() =>
      expect(seen(w.events)).toEqual(['ADDED o3@3', 'ADDED o4@4', 'ADDED o5@5', 'ADDED o6@6']),
    );
    await w.watch.close();
    expect(await w.watch.closed).toBeUndefined();
  });

  it('ends with Expired when the log is reset to begin after its position (horizon marker)', async () => {
    for (let r = 1; r <= 4; r++) await append('ADDED', cm(`o${r}`, r));
    const w = await open({ resourceVersion: '2' });
    await waitFor(() => expect(w.events).toHaveLength(2));
    await log.reset();
    await log.append(subjects.eventsHorizon(), '{}', { headers: new Map([[REVISION_HEADER, '9']]) });
    await append('ADDED', cm('o9', 9));
    expect(await w.watch.closed).toMatchObject({ reason: 'Expired', code: 410 });
    expect(w.events).toHaveLength(2);
  });

  it('ends with Expired when a slow watcher has its entries trimmed away before it reads them', async () => {
    const small = new MemoryBus();
    log = await small.log(subjects.eventsStream(), { subjects: [subjects.events()], maxMessages: 3 });
    deps = { ...deps, log };
    await append('ADDED', cm('o1', 1));
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const events: WatchEvent[] = [];
    const watch = await watchLog(deps, { resource: 'configmaps', resourceVersion: '0' }, async (e) => {
      events.push(e);
      await blocked; // the first event holds the watcher up
    });
    void watch;
    // (resourceVersion '0' lists: the stub list is at revision 4, so only newer entries count)
    for (let r = 5; r <= 9; r++) await append('ADDED', cm(`o${r}`, r));
    unblock();
    expect(await watch.closed).toMatchObject({ reason: 'Expired', code: 410 });
    await small.close();
  });

  it('without a resourceVersion: the list as ADDED, then only what is newer than it', async () => {
    for (let r = 1; r <= 4; r++) {
      store.set(`o${r}`, cm(`o${r}`, r));
      await append('ADDED', cm(`o${r}`, r));
    }
    const w = await open({});
    await append('MODIFIED', cm('o2', 5));
    await waitFor(() =>
      expect(seen(w.events)).toEqual([
        'ADDED o1@1',
        'ADDED o2@2',
        'ADDED o3@3',
        'ADDED o4@4',
        'MODIFIED o2@5',
      ]),
    );
    await w.watch.close();
  });

  it('selects events too large for the bus by the summaries they carry', async () => {
    const reference = (rv: number, labels?: Record<string, string>) => cm('big', rv, labels);
    deps = { ...deps, list: async () => ({ items: [], resourceVersion: '0' }) };
    const w = await open({ labelSelector: 'app=big' });
    store.set('big', { ...cm('big', 1, { app: 'big' }), data: { blob: 'x' } } as AnyObject);
    await append('ADDED', reference(1), {
      truncated: {
        type: 'ADDED',
        object: reference(1, { app: 'big' }),
        summary: { labels: { app: 'big' }, fields: {} },
      },
    });
    await waitFor(() => expect(w.events).toHaveLength(1)); // fetched while it still exists
    // The label goes away: a DELETED for this selector, though the event carries no object.
    await append('MODIFIED', reference(2), {
      truncated: {
        type: 'MODIFIED',
        object: reference(2),
        summary: { fields: {} },
        previous: { labels: { app: 'big' }, fields: {} },
      },
    });
    // Deleted while the watcher was behind: the reference (with its labels) stands in.
    store.delete('big');
    await append('MODIFIED', reference(3), {
      truncated: {
        type: 'MODIFIED',
        object: reference(3, { app: 'big' }),
        summary: { labels: { app: 'big' }, fields: {} },
        previous: { fields: {} },
      },
    });
    await append('DELETED', reference(4), {
      truncated: {
        type: 'DELETED',
        object: reference(4, { app: 'big' }),
        summary: { labels: { app: 'big' }, fields: {} },
      },
    });
    await waitFor(() =>
      expect(seen(w.events)).toEqual(['ADDED big@1', 'DELETED big@2', 'ADDED big@3', 'DELETED big@4']),
    );
    expect(w.events[0]?.object).toMatchObject({ data: { blob: 'x' } });
    expect(meta(w.events[3])?.labels).toEqual({ app: 'big' });
    await w.watch.close();
  });
});
