import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { silentLogger } from './log.js';
import { WorkQueue } from './workqueue.js';
import { workQueueMetrics } from './workqueue-metrics.js';

function makeQueue(options: { rateLimit?: { baseMs?: number; maxMs?: number } } = {}) {
  const clock = new SimulatedClock();
  const queue = new WorkQueue({ name: 'test', clock, log: silentLogger(), ...options });
  return { clock, queue };
}

describe('WorkQueue: add and get', () => {
  it('de-duplicates keys that are waiting', async () => {
    const { queue } = makeQueue();
    for (let i = 0; i < 10; i++) queue.add('default/web');
    queue.add('default/db');
    expect(queue.len).toBe(2);
    expect(await queue.get()).toBe('default/web');
    expect(await queue.get()).toBe('default/db');
    expect(queue.len).toBe(0);
  });

  it('holds a key re-added while processing until done, then hands it out once more', async () => {
    const { queue } = makeQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    queue.add('a');
    expect(queue.len).toBe(0);
    expect(queue.inFlight).toBe(1);
    const next = queue.get();
    let handedOut = false;
    void next.then(() => (handedOut = true));
    await new Promise((r) => setImmediate(r));
    expect(handedOut).toBe(false);
    queue.done(key ?? '');
    expect(await next).toBe('a');
    queue.done('a');
    expect(queue.len).toBe(0);
  });

  it('hands keys to waiting getters in FIFO order', async () => {
    const { queue } = makeQueue();
    const first = queue.get();
    const second = queue.get();
    queue.add('x');
    queue.add('y');
    expect([await first, await second]).toEqual(['x', 'y']);
  });
});

describe('WorkQueue: delays', () => {
  it('addAfter adds once the simulated time has passed, keeping the earliest of two', async () => {
    const { clock, queue } = makeQueue();
    queue.addAfter('k', 1000);
    queue.addAfter('k', 500);
    queue.addAfter('k', 2000);
    await clock.advance(499);
    expect(queue.len).toBe(0);
    await clock.advance(1);
    expect(queue.len).toBe(1);
    await clock.advance(5000);
    expect(queue.len).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('addRateLimited backs off 5 ms, 10 ms, 20 ms ... until forget, capped at max', async () => {
    const { clock, queue } = makeQueue({ rateLimit: { maxMs: 40 } });
    const observed: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const start = clock.now();
      queue.addRateLimited('k');
      while (queue.len === 0) await clock.advance(1);
      observed.push(clock.now() - start);
      queue.done((await queue.get()) ?? '');
    }
    expect(observed).toEqual([5, 10, 20, 40, 40, 40]);
    expect(queue.numRequeues('k')).toBe(6);
    queue.forget('k');
    expect(queue.numRequeues('k')).toBe(0);
    queue.addRateLimited('k');
    await clock.advance(4);
    expect(queue.len).toBe(0);
    await clock.advance(1);
    expect(queue.len).toBe(1);
  });
});

describe('WorkQueue: shutdown', () => {
  it('with drain: refuses new keys, hands out queued and re-added ones, then ends getters', async () => {
    const { clock, queue } = makeQueue();
    queue.add('a');
    queue.add('b');
    queue.addAfter('later', 100);
    const a = await queue.get();
    queue.add('a'); // re-added during its sync: must still be processed during the drain
    const drained = queue.shutDown();
    queue.add('c');
    expect(queue.shuttingDown).toBe(true);
    expect(await queue.get()).toBe('b');
    queue.done('b');
    queue.done(a ?? '');
    expect(await queue.get()).toBe('a');
    queue.done('a');
    await drained;
    expect(await queue.get()).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  it('without drain: drops queued keys and waits only for the ones in flight', async () => {
    const { queue } = makeQueue();
    queue.add('a');
    queue.add('b');
    const a = await queue.get();
    let finished = false;
    const stopped = queue.shutDown({ drain: false }).then(() => (finished = true));
    expect(queue.len).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(finished).toBe(false);
    queue.done(a ?? '');
    await stopped;
    expect(await queue.get()).toBeUndefined();
  });
});

describe('WorkQueue: invariants under random interleavings', () => {
  type Op = { op: 'add'; key: string } | { op: 'get' } | { op: 'done'; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ op: fc.constant('get' as const) }),
    fc.record({ op: fc.constant('done' as const), pick: fc.nat(3) }),
  );

  it('never hands a key to two workers at once, and never loses an add', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { queue } = makeQueue();
        const inFlight: string[] = [];
        const lastAdd = new Map<string, number>();
        const lastGet = new Map<string, number>();
        let step = 0;
        const take = async () => {
          const key = (await queue.get()) ?? '';
          expect(inFlight).not.toContain(key);
          inFlight.push(key);
          lastGet.set(key, ++step);
        };
        for (const o of ops) {
          if (o.op === 'add') {
            queue.add(o.key);
            lastAdd.set(o.key, ++step);
          } else if (o.op === 'get' && queue.len > 0) {
            await take();
          } else if (o.op === 'done' && inFlight.length > 0) {
            queue.done(inFlight.splice(o.pick % inFlight.length, 1)[0] ?? '');
          }
          expect(queue.len).toBeLessThanOrEqual(3);
        }
        // Finish everything: every key added after it was last handed out must be handed out again.
        while (inFlight.length > 0 || queue.len > 0) {
          while (queue.len > 0) await take();
          queue.done(inFlight.shift() ?? '');
        }
        for (const [key, added] of lastAdd) expect(lastGet.get(key) ?? 0).toBeGreaterThan(added);
      }),
      { numRuns: 300 },
    );
  });
});

describe('WorkQueue: metrics', () => {
  it('counts adds (not de-duplicated ones), depth, retries and work duration per queue', async () => {
    const registry = new Registry();
    const clock = new SimulatedClock();
    const queue = new WorkQueue({
      name: 'replicaset',
      clock,
      metrics: workQueueMetrics(registry, 'replicaset'),
    });
    new WorkQueue({ name: 'deployment', clock, metrics: workQueueMetrics(registry, 'deployment') }).add('x');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    const key = (await queue.get()) ?? '';
    await clock.advance(1500);
    queue.done(key);
    queue.addRateLimited('b');
    const text = await registry.metrics();
    expect(text).toContain('skiff_workqueue_adds_total{name="replicaset"} 2');
    expect(text).toContain('skiff_workqueue_adds_total{name="deployment"} 1');
    expect(text).toContain('skiff_workqueue_depth{name="replicaset"} 1');
    expect(text).toContain('skiff_workqueue_retries_total{name="replicaset"} 1');
    expect(text).toContain('skiff_workqueue_work_duration_seconds_sum{name="replicaset"} 1.5');
  });
});
