import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../protocol/clock.js';
import { SchedulerCacheError } from '../../../protocol/errors.js';
import { makeNode, makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { newPodInfo } from '../framework/pod-info.js';
import { DEFAULT_ASSUMED_POD_TTL_MS, SchedulerCache } from './cache.js';

const Gi = 1024 ** 3;

function setup() {
  const clock = new SimulatedClock();
  const cache = new SchedulerCache({ clock });
  cache.addNode(makeNode('n1').obj());
  cache.addNode(makeNode('n2').obj());
  return { clock, cache, n1: () => cache.nodeInfo('n1')!, n2: () => cache.nodeInfo('n2')! };
}

const pending = (name: string) => makePod(name).requests({ cpu: '1', memory: '1Gi' }).obj();
const bound = (name: string, node: string) =>
  makePod(name).node(node).requests({ cpu: '1', memory: '1Gi' }).obj();

describe('SchedulerCache', () => {
  it('counts an assumed pod on its node at once', () => {
    const { cache, n1 } = setup();
    cache.assume(newPodInfo(pending('p')), 'n1');
    expect(n1().requested).toMatchObject({ milliCpu: 1000, memory: Gi, pods: 1 });
    expect(cache.isAssumed('default/p')).toBe(true);
  });

  it('refuses to assume a pod it already holds', () => {
    const { cache } = setup();
    const pod = newPodInfo(pending('p'));
    cache.assume(pod, 'n1');
    expect(() => cache.assume(pod, 'n2')).toThrow(SchedulerCacheError);
  });

  it('confirms an assumed pod when the informer sees it bound, without counting it twice', () => {
    const { cache, n1 } = setup();
    cache.assume(newPodInfo(pending('p')), 'n1');
    cache.finishBinding('default/p');
    cache.addPod(bound('p', 'n1'));
    expect(n1().requested).toMatchObject({ milliCpu: 1000, pods: 1 });
    expect(cache.isAssumed('default/p')).toBe(false);
    expect(cache.stats).toEqual({ nodes: 2, pods: 1, assumed: 0 });
  });

  it('moves a pod bound elsewhere than assumed', () => {
    const { cache, n1, n2 } = setup();
    cache.assume(newPodInfo(pending('p')), 'n1');
    cache.addPod(bound('p', 'n2'));
    expect(n1().requested.pods).toBe(0);
    expect(n2().requested.pods).toBe(1);
  });

  it('expires an assumption the TTL after its bind returned, and only then', async () => {
    const { clock, cache, n1 } = setup();
    cache.assume(newPodInfo(pending('p')), 'n1');
    // No TTL before finishBinding: a slow bind is never expired in flight.
    await clock.advance(10 * DEFAULT_ASSUMED_POD_TTL_MS);
    expect(cache.cleanupExpired()).toEqual([]);
    cache.finishBinding('default/p');
    await clock.advance(DEFAULT_ASSUMED_POD_TTL_MS - 1);
    expect(cache.cleanupExpired()).toEqual([]);
    await clock.advance(1);
    expect(cache.cleanupExpired()).toEqual(['default/p']);
    expect(n1().requested).toMatchObject({ milliCpu: 0, memory: 0, pods: 0 });
    expect(cache.stats.pods).toBe(0);
  });

  it('does not expire a confirmed pod', async () => {
    const { clock, cache, n1 } = setup();
    cache.assume(newPodInfo(pending('p')), 'n1');
    cache.finishBinding('default/p');
    cache.addPod(bound('p', 'n1'));
    await clock.advance(2 * DEFAULT_ASSUMED_POD_TTL_MS);
    expect(cache.cleanupExpired()).toEqual([]);
    expect(n1().requested.pods).toBe(1);
  });

  it('runs cleanup on its own timer when started', async () => {
    const { clock, cache, n1 } = setup();
    const expired: string[] = [];
    cache.start((keys) => expired.push(...keys));
    cache.assume(newPodInfo(pending('p')), 'n1');
    cache.finishBinding('default/p');
    await clock.advance(DEFAULT_ASSUMED_POD_TTL_MS + 1000);
    expect(expired).toEqual(['default/p']);
    expect(n1().requested.pods).toBe(0);
    cache.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets an assumption whose bind failed', () => {
    const { cache, n1 } = setup();
    cache.assume(newPodInfo(pending('p')), 'n1');
    expect(cache.forget('default/p')).toBe(true);
    expect(n1().requested.pods).toBe(0);
    expect(cache.forget('default/p')).toBe(false);
    // A confirmed pod is not forgotten by a late bind failure.
    cache.addPod(bound('q', 'n1'));
    expect(cache.forget('default/q')).toBe(false);
    expect(n1().requested.pods).toBe(1);
  });

  it('frees resources when a bound or assumed pod is deleted, or finishes', () => {
    const { cache, n1 } = setup();
    const running = bound('a', 'n1');
    cache.addPod(running);
    cache.assume(newPodInfo(pending('b')), 'n1');
    cache.addPod(bound('c', 'n1'));
    cache.removePod(running);
    cache.removePod(pending('b'));
    expect(n1().requested.pods).toBe(1);
    cache.updatePod({ ...bound('c', 'n1'), status: { phase: 'Succeeded' } });
    expect(n1().requested).toMatchObject({ milliCpu: 0, pods: 0 });
  });

  it('keeps per-node counts per owner and per label for spreading', () => {
    const { cache, n1 } = setup();
    const rs = makeReplicaSet('web').obj();
    const pod = (name: string) => makePod(name).node('n1').ownedBy(rs).labels({ app: 'web' }).obj();
    cache.addPod(pod('w1'));
    cache.addPod(pod('w2'));
    expect(cache.snapshot().podsOfOwner(rs.metadata.uid!)).toEqual(new Map([['n1', 2]]));
    expect(n1().labelCount('default', 'app', 'web')).toBe(2);
    expect(n1().labelCount('other', 'app', 'web')).toBe(0);
    cache.updatePod({ ...pod('w2'), metadata: { ...pod('w2').metadata, labels: { app: 'api' } } });
    expect(n1().labelCount('default', 'app', 'web')).toBe(1);
    expect(n1().labelCount('default', 'app', 'api')).toBe(1);
    cache.removePod(pod('w1'));
    expect(cache.snapshot().podsOfOwner(rs.metadata.uid!)).toEqual(new Map([['n1', 1]]));
    cache.removePod(pod('w2'));
    expect(cache.snapshot().podsOfOwner(rs.metadata.uid!).size).toBe(0);
  });

  it('holds pods of unknown nodes until the node arrives, and after it goes', () => {
    const { cache } = setup();
    cache.addPod(bound('early', 'n3'));
    expect(cache.nodeInfo('n3')).toBeUndefined();
    cache.addNode(makeNode('n3').obj());
    expect(cache.nodeInfo('n3')?.requested.pods).toBe(1);
    cache.removeNode('n3');
    expect(
      cache
        .snapshot()
        .nodes.map((n) => n.name)
        .sort(),
    ).toEqual(['n1', 'n2']);
    cache.addNode(makeNode('n3').obj());
    expect(cache.nodeInfo('n3')?.requested.pods).toBe(1);
  });

  it('updates a node in place, keeping its pods', () => {
    const { cache, n1 } = setup();
    cache.addPod(bound('p', 'n1'));
    cache.updateNode(
      makeNode('n1')
        .capacity({ cpu: '16', memory: '64Gi', pods: '10' })
        .taint({ key: 'k', effect: 'NoSchedule' })
        .obj(),
    );
    expect(n1().allocatable).toMatchObject({ milliCpu: 16000, memory: 64 * Gi, pods: 10 });
    expect(n1().taints).toHaveLength(1);
    expect(n1().requested.pods).toBe(1);
  });

  it('removes nodes in O(1) and keeps the snapshot list consistent', () => {
    const clock = new SimulatedClock();
    const cache = new SchedulerCache({ clock });
    for (const name of ['a', 'b', 'c', 'd']) cache.addNode(makeNode(name).obj());
    const before = cache.snapshot().generation;
    cache.removeNode('b');
    cache.removeNode('a');
    const snapshot = cache.snapshot();
    expect(snapshot.nodes.map((n) => n.name).sort()).toEqual(['c', 'd']);
    expect(snapshot.get('c')?.name).toBe('c');
    expect(snapshot.get('a')).toBeUndefined();
    expect(snapshot.generation).toBeGreaterThan(before);
  });
});
