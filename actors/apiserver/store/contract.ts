/**
 * The store contract: one suite that every Store implementation passes (Redis and SQLite).
 * Test support only: imported by *.test.ts files, never by production code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResult, ObjectKey, Store, StoredObject } from './store.js';

/** Settings a contract test needs to make small (they default to the store's own). */
export interface StoreFactoryOptions {
  readonly outboxRetain?: number;
}

/** A fresh, empty store and a way to dispose of it. */
export type StoreFactory = (
  options?: StoreFactoryOptions,
) => Promise<{ store: Store; cleanup(): Promise<void> }>;

function cm(namespace: string, name: string, data: Record<string, string> = {}): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, uid: `${namespace}-${name}` },
    data,
  };
}

function pod(namespace: string, name: string, node: string): StoredObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { nodeName: node } };
}

const key = (resource: string, namespace: string, name: string): ObjectKey => ({ resource, namespace, name });

/** Outbox retention: acknowledged entries are kept up to a bound, unacknowledged ones always. */
function describeOutboxRetention(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name} outbox retention`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory({ outboxRetain: 3 }));
    });
    afterAll(async () => {
      await cleanup();
    });

    it('keeps the newest acknowledged entries and every pending one', async () => {
      expect(await store.acquireRelayLease('relay', 60_000)).toBe(true);
      const revisions: number[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await store.create(key('configmaps', 'ret', `c${i}`), cm('ret', `c${i}`));
        if (r.ok) revisions.push(r.revision);
      }
      const all = await store.readOutbox('', 100, 0);
      expect(all.map((e) => e.revision)).toEqual(revisions);
      const acked = all[5] as (typeof all)[number];
      expect(await store.ackOutbox('relay', acked, 6)).toBe(true);
      const kept = await store.readOutbox('', 100, 0);
      // three acknowledged (revisions 3..5 of 0..5) and the two pending ones
      expect(kept.map((e) => e.revision)).toEqual(revisions.slice(3));
      expect(await store.outboxState()).toMatchObject({
        cursor: acked.id,
        pending: 2,
        oldestRevision: revisions[3],
      });
    });
  });
}

/** Registers the contract suite for one store implementation. */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describeOutboxRetention(name, factory);
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let counter = 0;
    // Each test works in its own namespace, so tests share one store without seeing each other.
    const ns = () => `ns-${++counter}`;

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(async () => {
      await cleanup();
    });

    it('creates, gets and refuses a second create', async () => {
      const n = ns();
      const created = await store.create(key('configmaps', n, 'a'), cm(n, 'a', { x: '1' }));
      expect(created.ok).toBe(true);
      if (!created.ok) return;
      const got = await store.get(key('configmaps', n, 'a'));
      expect(got).toBe(created.json);
      const parsed = JSON.parse(got ?? '{}');
      expect(parsed.metadata.resourceVersion).toBe(String(created.revision));
      expect(parsed.data).toEqual({ x: '1' });
      expect(await store.create(key('configmaps', n, 'a'), cm(n, 'a'))).toMatchObject({
        ok: false,
        reason: 'exists',
      });
      expect(await store.get(key('configmaps', n, 'missing'))).toBeUndefined();
    });

    it('updates with compare-and-swap on the revision', async () => {
      const n = ns();
      const k = key('configmaps', n, 'a');
      const c = await store.create(k, cm(n, 'a'));
      if (!c.ok) throw new Error('create failed');
      const u = await store.update(k, cm(n, 'a', { v: '2' }), { expectedRevision: c.revision });
      expect(u).toMatchObject({ ok: true });
      if (!u.ok) return;
      expect(u.revision).toBeGreaterThan(c.revision);
      const stale = await store.update(k, cm(n, 'a', { v: 'stale' }), { expectedRevision: c.revision });
      expect(stale).toEqual({ ok: false, reason: 'conflict', current: u.revision });
      expect(JSON.parse((await store.get(k)) ?? '{}').data).toEqual({ v: '2' });
      const missing = await store.update(key('configmaps', n, 'zz'), cm(n, 'zz'), { expectedRevision: 1 });
      expect(missing).toMatchObject({ ok: false, reason: 'not-found' });
    });

    it('deletes with compare-and-swap and forgets the key', async () => {
      const n = ns();
      const k = key('configmaps', n, 'a');
      const c = await store.create(k, cm(n, 'a'));
      if (!c.ok) throw new Error('create failed');
      expect(await store.delete(k, cm(n, 'a'), { expectedRevision: c.revision + 1000 })).toMatchObject({
        reason: 'conflict',
      });
      const d = await store.delete(k, cm(n, 'a'), { expectedRevision: c.revision });
      expect(d.ok).toBe(true);
      expect(await store.get(k)).toBeUndefined();
      expect((await store.list('configmaps', { namespace: n })).items).toHaveLength(0);
      expect(await store.create(k, cm(n, 'a'))).toMatchObject({ ok: true });
    });

    it('lists by namespace in name order, paginates, and reports the revision', async () => {
      const n = ns();
      const other = `${n}x`;
      for (const name of ['c', 'a', 'b', 'd.e']) await store.create(key('configmaps', n, name), cm(n, name));
      await store.create(key('configmaps', other, 'a'), cm(other, 'a'));
      const all = await store.list('configmaps', { namespace: n });
      expect(all.items.map((i) => JSON.parse(i).metadata.name)).toEqual(['a', 'b', 'c', 'd.e']);
      expect(all.revision).toBe(await store.revision());
      expect(all.more).toBeUndefined();
      const first = await store.list('configmaps', { namespace: n, limit: 3 });
      expect(first.items.map((i) => JSON.parse(i).metadata.name)).toEqual(['a', 'b', 'c']);
      expect(first.more).toBe(`${n}/c`);
      const second = await store.list('configmaps', { namespace: n, limit: 3, after: first.more });
      expect(second.items.map((i) => JSON.parse(i).metadata.name)).toEqual(['d.e']);
      expect(second.more).toBeUndefined();
      const everywhere = await store.list('configmaps');
      const names = everywhere.items.map(
        (i) => `${JSON.parse(i).metadata.namespace}/${JSON.parse(i).metadata.name}`,
      );
      expect(names).toEqual(expect.arrayContaining([`${n}/a`, `${other}/a`]));
      expect([...names].sort()).toEqual(names);
    });

    it('indexes pods by node and moves them when they are bound', async () => {
      const n = ns();
      const node = `node-${n}`;
      const k = key('pods', n, 'p1');
      const c = await store.create(k, pod(n, 'p1', ''), { node: '' });
      if (!c.ok) throw new Error('create failed');
      expect((await store.list('pods', { node })).items).toHaveLength(0);
      const b = await store.update(k, pod(n, 'p1', node), {
        expectedRevision: c.revision,
        node,
        previousNode: '',
      });
      if (!b.ok) throw new Error('bind failed');
      expect((await store.list('pods', { node })).items.map((i) => JSON.parse(i).metadata.name)).toEqual([
        'p1',
      ]);
      const unbound = (await store.list('pods', { node: '' })).items.map((i) => JSON.parse(i).metadata.name);
      expect(unbound).not.toContain('p1');
      await store.delete(k, pod(n, 'p1', node), { expectedRevision: b.revision, previousNode: node });
      expect((await store.list('pods', { node })).items).toHaveLength(0);
    });

    it('appends one outbox entry per write, in revision order, until acknowledged', async () => {
      const n = ns();
      expect(await store.acquireRelayLease('relay-a', 60_000)).toBe(true);
      const start = (await store.outboxState()).cursor;
      const before = await store.readOutbox(start, 100_000, 0);
      const from = before.at(-1)?.id ?? start;
      const k = key('configmaps', n, 'a');
      const c = await store.create(k, cm(n, 'a'));
      if (!c.ok) throw new Error('create failed');
      const u = await store.update(k, cm(n, 'a', { v: '2' }), {
        expectedRevision: c.revision,
        previous: '{"fields":{"metadata.name":"a"}}',
      });
      if (!u.ok) throw new Error('update failed');
      const d = await store.delete(k, cm(n, 'a', { v: '2' }), { expectedRevision: u.revision });
      if (!d.ok) throw new Error('delete failed');
      await store.update(k, cm(n, 'a'), { expectedRevision: d.revision }); // fails: nothing appended
      const entries = await store.readOutbox(from, 100, 0);
      expect(entries.map((e) => [e.type, e.revision])).toEqual([
        ['ADDED', c.revision],
        ['MODIFIED', u.revision],
        ['DELETED', d.revision],
      ]);
      expect(entries[2]?.key).toEqual(k);
      expect(entries.map((e) => e.previousJson)).toEqual(['', '{"fields":{"metadata.name":"a"}}', '']);
      expect(JSON.parse(entries[2]?.objectJson ?? '{}').metadata.resourceVersion).toBe(String(d.revision));
      const last = entries.at(-1) as (typeof entries)[number];
      const pending = (await store.outboxState()).pending;
      expect(pending).toBeGreaterThanOrEqual(3);
      // only the relay lease holder moves the cursor
      expect(await store.ackOutbox('relay-b', last, pending)).toBe(false);
      expect((await store.outboxState()).cursor).toBe(start);
      expect(await store.ackOutbox('relay-a', last, pending)).toBe(true);
      expect(await store.outboxState()).toMatchObject({
        cursor: last.id,
        cursorRevision: d.revision,
        pending: 0,
        oldestPendingAgeMs: 0,
      });
      expect(await store.readOutbox(last.id, 100, 0)).toEqual([]);
      // acknowledging an older id never moves the cursor back
      await store.ackOutbox('relay-a', entries[0] as (typeof entries)[number], 0);
      expect((await store.outboxState()).cursor).toBe(last.id);
      // acknowledged entries are kept (up to outboxRetain) for republishing a lost log tail
      const retained = await store.readOutbox('', 100_000, 0);
      expect(retained.map((e) => e.revision)).toEqual(expect.arrayContaining([c.revision, d.revision]));
      await store.releaseRelayLease('relay-a');
    });

    it('reports pending entries and the age of the oldest', async () => {
      const n = ns();
      const before = await store.outboxState();
      await store.create(key('configmaps', n, 'p'), cm(n, 'p'));
      const after = await store.outboxState();
      expect(after.pending).toBe(before.pending + 1);
      expect(after.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
      expect(after.oldestRevision).toBeGreaterThan(0);
    });

    it('wakes a blocked outbox reader when a write lands', async () => {
      const n = ns();
      const cursor =
        (await store.readOutbox((await store.outboxState()).cursor, 100_000, 0)).at(-1)?.id ?? '';
      const waiting = store.readOutbox(cursor, 10, 5_000);
      await store.create(key('configmaps', n, 'late'), cm(n, 'late'));
      const entries = await waiting;
      expect(entries.map((e) => e.key.name)).toContain('late');
    });

    it('holds claims atomically with writes: one holder each, given back on update and delete', async () => {
      const n = ns();
      const a = key('services', n, 'a');
      const b = key('services', n, 'b');
      const ip = `services/clusterip/127.77.${n.length}.1`;
      const port = `services/nodeport/3${n.length}001`;
      const created = await store.create(a, cm(n, 'a'), { claims: { take: [ip, port], release: [] } });
      if (!created.ok) throw new Error('create failed');
      const before = await store.revision();
      expect(await store.create(b, cm(n, 'b'), { claims: { take: [port], release: [] } })).toEqual({
        ok: false,
        reason: 'claimed',
        claim: port,
      });
      expect(await store.get(b)).toBeUndefined();
      expect(await store.revision()).toBe(before);
      // The holder may take its own claims again (an update), and gives back what it no longer holds.
      const updated = await store.update(a, cm(n, 'a'), {
        expectedRevision: created.revision,
        claims: { take: [ip], release: [port] },
      });
      if (!updated.ok) throw new Error('update failed');
      const b1 = await store.create(b, cm(n, 'b'), { claims: { take: [port], release: [ip] } });
      if (!b1.ok) throw new Error('b should get the released port');
      // b could not release a's claim: it was never b's.
      expect(
        await store.create(key('services', n, 'c'), cm(n, 'c'), { claims: { take: [ip], release: [] } }),
      ).toMatchObject({
        reason: 'claimed',
        claim: ip,
      });
      expect(
        (await store.delete(a, cm(n, 'a'), { expectedRevision: updated.revision, claims: { release: [ip] } }))
          .ok,
      ).toBe(true);
      expect(
        (await store.create(key('services', n, 'c'), cm(n, 'c'), { claims: { take: [ip], release: [] } })).ok,
      ).toBe(true);
    });

    it('checks a lease fence atomically with the write', async () => {
      const n = ns();
      const leaseKey = key('leases', n, 'scheduler');
      const lease = (holder: string, transitions: number): StoredObject => ({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'scheduler', namespace: n },
        spec: { holderIdentity: holder, leaseTransitions: transitions, leaseDurationSeconds: 15 },
      });
      const l = await store.create(leaseKey, lease('a', 1));
      if (!l.ok) throw new Error('lease create failed');
      const fenceA = { lease: leaseKey, holderIdentity: 'a', leaseTransitions: 1 };
      expect(await store.create(key('configmaps', n, 'x'), cm(n, 'x'), { fence: fenceA })).toMatchObject({
        ok: true,
      });
      await store.update(leaseKey, lease('b', 2), { expectedRevision: l.revision });
      const before = await store.revision();
      expect(await store.create(key('configmaps', n, 'y'), cm(n, 'y'), { fence: fenceA })).toEqual({
        ok: false,
        reason: 'fenced',
      });
      expect(await store.get(key('configmaps', n, 'y'))).toBeUndefined();
      expect(await store.revision()).toBe(before);
      const missing = { lease: key('leases', n, 'nope'), holderIdentity: 'a', leaseTransitions: 1 };
      expect(await store.create(key('configmaps', n, 'z'), cm(n, 'z'), { fence: missing })).toMatchObject({
        reason: 'fenced',
      });
    });

    it('raises the revision to a floor but never lowers it', async () => {
      const now = await store.revision();
      expect(await store.raiseRevision(now - 1)).toBe(now);
      expect(await store.raiseRevision(now + 50)).toBe(now + 50);
      const n = ns();
      const c = await store.create(key('configmaps', n, 'a'), cm(n, 'a'));
      expect(c).toMatchObject({ ok: true, revision: now + 51 });
    });

    it('gives the relay lease to one owner at a time', async () => {
      expect(await store.acquireRelayLease('one', 10_000)).toBe(true);
      expect(await store.acquireRelayLease('two', 10_000)).toBe(false);
      expect(await store.acquireRelayLease('one', 10_000)).toBe(true);
      await store.releaseRelayLease('two');
      expect(await store.acquireRelayLease('two', 10_000)).toBe(false);
      await store.releaseRelayLease('one');
      expect(await store.acquireRelayLease('two', 10_000)).toBe(true);
      await store.releaseRelayLease('two');
    });

    it('serialises concurrent compare-and-swap writers: one winner per revision', async () => {
      const n = ns();
      const k = key('configmaps', n, 'hot');
      const c = await store.create(k, cm(n, 'hot'));
      if (!c.ok) throw new Error('create failed');
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          store.update(k, cm(n, 'hot', { w: String(i) }), { expectedRevision: c.revision }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'conflict')).toHaveLength(15);
    });

    it('keeps user data that looks like JSON structure intact', async () => {
      const n = ns();
      const tricky = { a: '"resourceVersion":"1"', b: '}{', c: 'ü 🚀 \\ "' };
      const c = await store.create(key('configmaps', n, 'tricky'), cm(n, 'tricky', tricky));
      if (!c.ok) throw new Error('create failed');
      const parsed = JSON.parse((await store.get(key('configmaps', n, 'tricky'))) ?? '{}');
      expect(parsed.data).toEqual(tricky);
      expect(parsed.metadata).toMatchObject({
        name: 'tricky',
        namespace: n,
        resourceVersion: String(c.revision),
      });
    });
  });
}

/** A fresh, empty store whose tombstone bound a test can set. */
export type ListStoreFactory = (options?: {
  tombstoneLimit?: number;
}) => Promise<{ store: Store; cleanup(): Promise<void> }>;

/**
 * The list-page contract: pages bounded by count and bytes, and continue pages that are either
 * the snapshot of the first page's revision or `expired`, never something in between.
 */
export function describeListPagesContract(name: string, factory: ListStoreFactory): void {
  describe(`Store list pages: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let counter = 0;
    const ns = () => `pages-${++counter}`;
    const names = (items: readonly string[]) => items.map((i) => JSON.parse(i).metadata.name as string);
    const bytesOf = (items: readonly string[]) => Buffer.byteLength(items.join(','));

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(async () => {
      await cleanup();
    });

    /** Creates ConfigMaps `names` in `n`, each with about `size` bytes of data; returns their revisions. */
    async function seed(n: string, list: readonly string[], size = 10): Promise<Map<string, number>> {
      const revisions = new Map<string, number>();
      for (const name of list) {
        const r = await store.create(key('configmaps', n, name), cm(n, name, { d: 'x'.repeat(size) }));
        if (!r.ok) throw new Error(`create ${name} failed`);
        revisions.set(name, r.revision);
      }
      return revisions;
    }

    it('cuts a page before the item that would pass the byte budget, and pages on to the end', async () => {
      const n = ns();
      await seed(n, ['a', 'b', 'c', 'd', 'e'], 1000);
      const one = Buffer.byteLength((await store.get(key('configmaps', n, 'a'))) ?? '');
      const maxBytes = 2 * one + 1 + 10; // two items and their comma fit, three do not
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      const first = await store.list('configmaps', { namespace: n, maxBytes });
      let page: ListResult = first;
      for (;;) {
        if (page.expired) throw new Error('unexpected expiry');
        pages++;
        expect(bytesOf(page.items)).toBeLessThanOrEqual(maxBytes);
        seen.push(...names(page.items));
        if (page.more === undefined) break;
        expect(page.more).toBe(`${n}/${seen.at(-1)}`);
        after = page.more;
        page = await store.list('configmaps', { namespace: n, maxBytes, after, revision: first.revision });
      }
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(pages).toBe(3);
      expect(names(first.items)).toEqual(['a', 'b']);
    });

    it('returns an object larger than the budget alone, and obeys limit and bytes together', async () => {
      const n = ns();
      await seed(n, ['a', 'b', 'c'], 500);
      const alone = await store.list('configmaps', { namespace: n, maxBytes: 10 });
      expect(names(alone.items)).toEqual(['a']);
      expect(alone.more).toBe(`${n}/a`);
      const byCount = await store.list('configmaps', { namespace: n, maxBytes: 100_000, limit: 2 });
      expect(names(byCount.items)).toEqual(['a', 'b']);
      expect(byCount.more).toBe(`${n}/b`);
      const exact = await store.list('configmaps', { namespace: n, maxBytes: 100_000, limit: 3 });
      expect(names(exact.items)).toEqual(['a', 'b', 'c']);
      expect(exact.more).toBeUndefined();
    });

    it('serves a continue page at the first page revision after changes outside its range', async () => {
      const n = ns();
      const other = `${n}x`;
      const revisions = await seed(n, ['a', 'b', 'c', 'd']);
      await seed(other, ['a']);
      const first = await store.list('configmaps', { namespace: n, limit: 2 });
      // Changes before the cursor (already returned) and in another namespace.
      const a = revisions.get('a') ?? 0;
      expect(
        await store.update(key('configmaps', n, 'a'), cm(n, 'a', { v: '2' }), { expectedRevision: a }),
      ).toMatchObject({ ok: true });
      await seed(other, ['b']);
      const otherA = JSON.parse((await store.get(key('configmaps', other, 'a'))) ?? '{}');
      await store.delete(key('configmaps', other, 'a'), cm(other, 'a'), {
        expectedRevision: Number(otherA.metadata.resourceVersion),
      });
      const next = await store.list('configmaps', {
        namespace: n,
        limit: 2,
        after: first.more,
        revision: first.revision,
      });
      expect(next.expired).toBeUndefined();
      if (next.expired) return;
      expect(names(next.items)).toEqual(['c', 'd']);
      expect(next.revision).toBe(first.revision);
      expect(next.revision).toBeLessThan(await store.revision());
    });

    it.each(['update', 'create', 'delete'] as const)(
      'expires a continue page after an %s in its range',
      async (change) => {
        const n = ns();
        const revisions = await seed(n, ['a', 'b', 'd', 'e']);
        const first = await store.list('configmaps', { namespace: n, limit: 2 });
        const k = (name: string) => key('configmaps', n, name);
        if (change === 'update') {
          await store.update(k('e'), cm(n, 'e', { v: '2' }), { expectedRevision: revisions.get('e') ?? 0 });
        } else if (change === 'create') {
          await store.create(k('c'), cm(n, 'c'));
        } else {
          await store.delete(k('d'), cm(n, 'd'), { expectedRevision: revisions.get('d') ?? 0 });
        }
        const next = await store.list('configmaps', {
          namespace: n,
          after: first.more,
          revision: first.revision,
        });
        expect(next).toEqual({ expired: true, revision: first.revision });
      },
    );

    it('checks only the range of the page: a delete past its cut expires the page that covers it', async () => {
      const n = ns();
      const revisions = await seed(n, ['a', 'b', 'c', 'd', 'e', 'f']);
      const first = await store.list('configmaps', { namespace: n, limit: 2 });
      await store.delete(key('configmaps', n, 'e'), cm(n, 'e'), {
        expectedRevision: revisions.get('e') ?? 0,
      });
      const second = await store.list('configmaps', {
        namespace: n,
        limit: 2,
        after: first.more,
        revision: first.revision,
      });
      if (second.expired) throw new Error('the delete is past this page: it must be served');
      expect(names(second.items)).toEqual(['c', 'd']);
      const third = await store.list('configmaps', {
        namespace: n,
        limit: 2,
        after: second.more,
        revision: first.revision,
      });
      expect(third.expired).toBe(true);
    });

    it('expires a node-filtered continue page when a pod leaves that node index', async () => {
      const n = ns();
      const pods: Record<string, number> = {};
      for (const p of ['p1', 'p2', 'p3']) {
        const r = await store.create(key('pods', n, p), pod(n, p, ''), { node: '' });
        if (!r.ok) throw new Error('create failed');
        pods[p] = r.revision;
      }
      const first = await store.list('pods', { node: '', namespace: n, limit: 1 });
      const bound = await store.update(key('pods', n, 'p3'), pod(n, 'p3', 'node-1'), {
        expectedRevision: pods.p3 ?? 0,
        node: 'node-1',
        previousNode: '',
      });
      expect(bound.ok).toBe(true);
      const next = await store.list('pods', {
        node: '',
        namespace: n,
        after: first.more,
        revision: first.revision,
      });
      expect(next.expired).toBe(true);
    });

    it('expires a continue page once tombstones newer than its revision were trimmed', async () => {
      const small = await factory({ tombstoneLimit: 2 });
      try {
        const s = small.store;
        const n = ns();
        const other = `${n}x`;
        for (const name of ['a', 'b', 'c']) await s.create(key('configmaps', n, name), cm(n, name));
        const doomed: number[] = [];
        for (const name of ['w', 'x', 'y', 'z']) {
          const r = await s.create(key('configmaps', other, name), cm(other, name));
          if (r.ok) doomed.push(r.revision);
        }
        const drop = (i: number) => {
          const name = ['w', 'x', 'y', 'z'][i] ?? '';
          return s.delete(key('configmaps', other, name), cm(other, name), {
            expectedRevision: doomed[i] ?? 0,
          });
        };
        const list = (after: string | undefined, revision: number) =>
          s.list('configmaps', { namespace: n, after, revision });
        // A delete before the snapshot, whose tombstone is trimmed later, does not matter.
        expect(await drop(0)).toMatchObject({ ok: true });
        const first = await s.list('configmaps', { namespace: n, limit: 1 });
        expect(await drop(1)).toMatchObject({ ok: true });
        expect(await drop(2)).toMatchObject({ ok: true }); // trims the tombstone of w, at the snapshot
        expect((await list(first.more, first.revision)).expired).toBeUndefined();
        // The next one trims x's, deleted after the snapshot: unrelated, but no longer provable.
        expect(await drop(3)).toMatchObject({ ok: true });
        expect(await list(first.more, first.revision)).toEqual({ expired: true, revision: first.revision });
      } finally {
        await small.cleanup();
      }
    });
  });
}
