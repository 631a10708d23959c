/**
 * How a controller wires the kernel, shown on a miniature ReplicaSet controller: event handlers
 * turn events into keys (and tell the expectations what they observed), workers run a
 * level-triggered sync per key, and the sync writes only through expectations, so a cache that
 * lags behind the controller's own writes never causes over-creation.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { runWorkers } from './controller.js';
import { ControllerExpectations, expectationsTtlMs } from './expectations.js';
import { silentLogger } from './log.js';
import { waitFor } from './testing/wait-for.js';
import { WorkQueue } from './workqueue.js';

interface Pod {
  readonly uid: string;
  readonly owner: string;
}

function miniReplicaSetController() {
  const clock = new SimulatedClock();
  const log = silentLogger();
  const queue = new WorkQueue({ name: 'replicaset', clock, log });
  const expectations = new ControllerExpectations({ clock, log });
  const replicas = new Map<string, number>(); // the ReplicaSet cache: key → spec.replicas
  const pods = new Map<string, Pod>(); // the pod cache, fed only by watch events (it lags)
  const created: Pod[] = []; // API calls made, in order
  let nextUid = 0;

  // Wiring: handlers only observe and enqueue keys.
  const onReplicaSet = (key: string, n: number) => {
    replicas.set(key, n);
    queue.add(key);
  };
  const onPodAdded = (pod: Pod) => {
    pods.set(pod.uid, pod);
    expectations.creationObserved(pod.owner);
    queue.add(pod.owner);
  };

  // Sync: re-read everything for the key, act only when our own writes were observed.
  const syncReplicaSet = async (key: string) => {
    const want = replicas.get(key);
    if (want === undefined) {
      expectations.delete(key);
      return;
    }
    if (!expectations.satisfied(key)) return;
    const have = [...pods.values()].filter((p) => p.owner === key).length;
    const diff = want - have;
    if (diff <= 0) return;
    expectations.expectCreations(key, diff);
    for (let i = 0; i < diff; i++) created.push({ uid: `uid-${nextUid++}`, owner: key });
  };

  const running = runWorkers(queue, syncReplicaSet, { workers: 2, log });
  // Idle: nothing waiting and nothing in a worker's hands (a key counts from the moment it is
  // handed out, so this cannot pass in the gap before a sync starts).
  const idle = () => waitFor(() => queue.len === 0 && queue.inFlight === 0);
  return { clock, queue, created, onReplicaSet, onPodAdded, running, idle };
}

describe('a controller wired from queue, workers and expectations', () => {
  it('creates exactly the missing pods even while its cache lags behind its own writes', async () => {
    const c = miniReplicaSetController();
    c.onReplicaSet('default/web', 3);
    await waitFor(() => expect(c.created).toHaveLength(3));

    // More events for the key before the cache has seen the new pods: each costs a sync, none creates.
    c.onReplicaSet('default/web', 3);
    c.onReplicaSet('default/web', 3);
    await c.idle();
    expect(c.created).toHaveLength(3);

    // The watch delivers the pods; now the sync sees them and has nothing to do.
    for (const pod of [...c.created]) c.onPodAdded(pod);
    await c.idle();
    expect(c.created).toHaveLength(3);

    // Scaling up acts on the difference.
    c.onReplicaSet('default/web', 5);
    await waitFor(() => expect(c.created).toHaveLength(5));
    await c.queue.shutDown();
    await c.running;
  });

  it('acts again once expectations expire, when a watch event was lost for good', async () => {
    const c = miniReplicaSetController();
    c.onReplicaSet('default/db', 2);
    await waitFor(() => expect(c.created).toHaveLength(2));
    const [first] = c.created;
    if (first) c.onPodAdded(first); // the second pod's ADDED event never arrives

    await c.clock.advance(expectationsTtlMs - 1);
    c.onReplicaSet('default/db', 2);
    await c.idle();
    expect(c.created).toHaveLength(2);

    await c.clock.advance(1);
    c.onReplicaSet('default/db', 2);
    await waitFor(() => expect(c.created).toHaveLength(3));
    await c.queue.shutDown();
    await c.running;
  });
});
