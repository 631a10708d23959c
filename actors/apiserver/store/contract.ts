/**
 * The store contract: one suite that every Store implementation passes (Redis and SQLite).
 * Test support only: imported by *.test.ts files, never by production code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectKey, Store, StoredObject } from './store.js';

/** A fresh, empty store and a way to dispose of it. */
export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

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

/** Registers the contract suite for one store implementation. */
export function describeStoreContract(name: string, factory: StoreFactory): void {
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
      const start = await store.outboxCursor();
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
      const last = entries.at(-1)?.id ?? '';
      await store.ackOutbox(last);
      expect(await store.outboxCursor()).toBe(last);
      expect(await store.readOutbox(last, 100, 0)).toEqual([]);
      // acknowledging an older id never moves the cursor back
      await store.ackOutbox(entries[0]?.id ?? '');
      expect(await store.outboxCursor()).toBe(last);
    });

    it('wakes a blocked outbox reader when a write lands', async () => {
      const n = ns();
      const cursor = (await store.readOutbox(await store.outboxCursor(), 100_000, 0)).at(-1)?.id ?? '';
      const waiting = store.readOutbox(cursor, 10, 5_000);
      await store.create(key('configmaps', n, 'late'), cm(n, 'late'));
      const entries = await waiting;
      expect(entries.map((e) => e.key.name)).toContain('late');
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
