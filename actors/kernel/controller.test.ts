import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { runWorkers } from './controller.js';
import { silentLogger } from './log.js';
import { deferred } from './testing/deferred.js';
import { waitFor } from './testing/wait-for.js';
import { WorkQueue } from './workqueue.js';

function setup() {
  const clock = new SimulatedClock();
  const log = silentLogger();
  const queue = new WorkQueue({ name: 'test', clock, log });
  return { clock, log, queue };
}

const hop = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('runWorkers', () => {
  it('syncs a key added ten times once', async () => {
    const { log, queue } = setup();
    const gate = deferred();
    const synced: string[] = [];
    const running = runWorkers(
      queue,
      async (key) => {
        await gate.promise;
        synced.push(key);
      },
      { workers: 4, log },
    );
    for (let i = 0; i < 10; i++) queue.add('default/web');
    gate.resolve();
    await waitFor(() => expect(synced).toEqual(['default/web']));
    await queue.shutDown();
    await running;
    expect(synced).toEqual(['default/web']);
  });

  it('never syncs one key in two workers at once, while syncing different keys in parallel', async () => {
    const { log, queue } = setup();
    const active = new Map<string, number>();
    let maxPerKey = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    let syncs = 0;
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const running = runWorkers(
      queue,
      async (key) => {
        const mine = (active.get(key) ?? 0) + 1;
        active.set(key, mine);
        maxPerKey = Math.max(maxPerKey, mine);
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        // Re-add keys (this one included) while in the middle of the sync.
        for (let i = 0; i < 3; i++) {
          queue.add(keys[(syncs + i) % keys.length] ?? 'a');
          await hop();
        }
        syncs++;
        concurrent--;
        active.set(key, mine - 1);
      },
      { workers: 4, log },
    );
    for (const key of keys) queue.add(key);
    await waitFor(() => syncs >= 60);
    await queue.shutDown({ drain: false });
    await running;
    expect(maxPerKey).toBe(1);
    expect(maxConcurrent).toBe(4);
  });

  it('requeues a failing key with backoff, and forgets it after a success', async () => {
    const { clock, log, queue } = setup();
    const attempts: number[] = [];
    const errors: string[] = [];
    const running = runWorkers(
      queue,
      async () => {
        attempts.push(clock.now());
        if (attempts.length <= 3) throw new Error(`transient ${attempts.length}`);
      },
      { workers: 2, log, onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`) },
    );
    const start = clock.now();
    queue.add('k');
    await waitFor(() => expect(attempts).toHaveLength(1));
    for (const delay of [5, 10, 20]) {
      const before = attempts.length;
      await clock.advance(delay - 1);
      expect(attempts).toHaveLength(before);
      await clock.advance(1);
      await waitFor(() => expect(attempts).toHaveLength(before + 1));
    }
    expect(attempts.map((t) => t - start)).toEqual([0, 5, 15, 35]);
    expect(errors).toEqual(['k: transient 1', 'k: transient 2', 'k: transient 3']);
    await waitFor(() => expect(queue.numRequeues('k')).toBe(0));
    await queue.shutDown();
    await running;
  });

  it('keeps retrying when the onError hook itself throws', async () => {
    const { clock, log, queue } = setup();
    let calls = 0;
    const running = runWorkers(
      queue,
      async () => {
        calls++;
        if (calls === 1) throw new Error('first');
      },
      {
        workers: 1,
        log,
        onError: () => {
          throw new Error('hook');
        },
      },
    );
    queue.add('k');
    await waitFor(() => expect(calls).toBe(1));
    await clock.advance(5);
    await waitFor(() => expect(calls).toBe(2));
    await queue.shutDown();
    await running;
  });

  it('returns once the queue is shut down and the keys in hand are done', async () => {
    const { log, queue } = setup();
    const gate = deferred();
    let finished = false;
    const running = runWorkers(queue, () => gate.promise, { workers: 3, log }).then(() => (finished = true));
    queue.add('k');
    await waitFor(() => expect(queue.len).toBe(0));
    const stopped = queue.shutDown();
    await hop();
    expect(finished).toBe(false);
    gate.resolve();
    await stopped;
    await running;
    expect(finished).toBe(true);
  });
});
