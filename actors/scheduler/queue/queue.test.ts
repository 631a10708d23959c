import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../protocol/clock.js';
import { makePod } from '../../../protocol/testing/builders.js';
import { newFramework } from '../framework/framework.js';
import { newPodInfo } from '../framework/pod-info.js';
import { type QueuedPod, SchedulingQueue } from './queue.js';

const FIT = new Set(['NodeResourcesFit']);
const AFFINITY = new Set(['NodeAffinity']);

function setup() {
  const clock = new SimulatedClock();
  const queue = new SchedulingQueue({ clock, pluginEvents: newFramework().pluginEvents });
  return { clock, queue };
}

const pod = (name: string, priority = 0) => newPodInfo(makePod(name).priority(priority).obj());

async function popKey(queue: SchedulingQueue): Promise<string | undefined> {
  return (await queue.pop())?.key;
}

/** Pops `name` and reports it unschedulable for `plugins`. */
async function failOnce(queue: SchedulingQueue, plugins: ReadonlySet<string>): Promise<QueuedPod> {
  const popped = await queue.pop();
  if (popped === undefined) throw new Error('queue closed');
  queue.addUnschedulable(popped, { unschedulablePlugins: plugins });
  return popped;
}

describe('SchedulingQueue', () => {
  it('pops by priority, then in arrival order', async () => {
    const { queue } = setup();
    queue.add(pod('low-1', 0));
    queue.add(pod('high', 10));
    queue.add(pod('low-2', 0));
    queue.add(pod('mid', 5));
    const order = [await popKey(queue), await popKey(queue), await popKey(queue), await popKey(queue)];
    expect(order).toEqual(['default/high', 'default/mid', 'default/low-1', 'default/low-2']);
  });

  it('waits while empty, and resolves undefined once closed', async () => {
    const { queue } = setup();
    const waiting = queue.pop();
    queue.add(pod('a'));
    expect((await waiting)?.key).toBe('default/a');
    const pending = queue.pop();
    queue.close();
    expect(await pending).toBeUndefined();
    expect(await queue.pop()).toBeUndefined();
  });

  it('keeps one copy of a pod; an update replaces it and can reorder it', async () => {
    const { queue } = setup();
    queue.add(pod('a'));
    queue.add(pod('b'));
    queue.add(pod('a'));
    expect(queue.counts.active).toBe(2);
    queue.update(pod('b', 100));
    expect(await popKey(queue)).toBe('default/b');
  });

  it.each([
    { attempts: 1, backoffMs: 1000 },
    { attempts: 2, backoffMs: 2000 },
    { attempts: 3, backoffMs: 4000 },
    { attempts: 4, backoffMs: 8000 },
    { attempts: 5, backoffMs: 10_000 },
    { attempts: 9, backoffMs: 10_000 },
  ])('backs off $backoffMs ms after attempt $attempts', async ({ attempts, backoffMs }) => {
    const { clock, queue } = setup();
    queue.add(pod('a'));
    let popped: QueuedPod | undefined;
    for (let i = 1; i <= attempts; i++) {
      // An error (no rejecting plugin) goes to backoff; wait it out before the next attempt.
      popped = await failOnce(queue, new Set());
      if (i < attempts) await clock.advance(queue.backoffMs(i));
    }
    expect(popped?.attempts).toBe(attempts);
    expect(queue.counts.backoff).toBe(1);
    await clock.advance(backoffMs - 1);
    expect(queue.counts).toMatchObject({ active: 0, backoff: 1 });
    await clock.advance(1);
    expect(queue.counts).toMatchObject({ active: 1, backoff: 0 });
  });

  it('retries an unschedulable pod on an event its plugins registered, not on others', async () => {
    const { clock, queue } = setup();
    queue.add(pod('a'));
    await failOnce(queue, FIT);
    expect(queue.counts.unschedulable).toBe(1);
    await clock.advance(5000);
    // NodeResourcesFit does not register AssignedPodAdd: a new pod cannot free resources.
    expect(queue.moveAllToActiveOrBackoff('AssignedPodAdd')).toBe(0);
    expect(queue.counts.unschedulable).toBe(1);
    expect(queue.moveAllToActiveOrBackoff('NodeAdd')).toBe(1);
    expect(queue.counts).toMatchObject({ active: 1, unschedulable: 0 });
  });

  it('only moves the pods a plugin of the event rejected', async () => {
    const { queue } = setup();
    queue.add(pod('fit'));
    queue.add(pod('affinity'));
    await failOnce(queue, FIT);
    await failOnce(queue, AFFINITY);
    expect(queue.moveAllToActiveOrBackoff('AssignedPodDelete')).toBe(1);
    expect(queue.has('default/affinity')).toBe(true);
    expect(queue.counts).toMatchObject({ backoff: 1, unschedulable: 1 });
  });

  it('sends a pod moved during its backoff to backoffQ first', async () => {
    const { clock, queue } = setup();
    queue.add(pod('a'));
    await failOnce(queue, FIT);
    await clock.advance(400);
    queue.moveAllToActiveOrBackoff('NodeAdd');
    expect(queue.counts).toMatchObject({ backoff: 1, active: 0 });
    await clock.advance(600);
    expect(queue.counts).toMatchObject({ backoff: 0, active: 1 });
  });

  it('backs off instead of parking a pod when an event came during its cycle', async () => {
    const { queue } = setup();
    queue.add(pod('a'));
    const popped = await queue.pop();
    queue.moveAllToActiveOrBackoff('NodeAdd');
    queue.addUnschedulable(popped!, { unschedulablePlugins: FIT });
    expect(queue.counts).toMatchObject({ backoff: 1, unschedulable: 0 });
  });

  it('flushes unschedulable leftovers after 5 minutes', async () => {
    const { clock, queue } = setup();
    queue.add(pod('a'));
    await failOnce(queue, AFFINITY);
    await clock.advance(5 * 60_000 - 1);
    expect(queue.counts.unschedulable).toBe(1);
    await clock.advance(1);
    expect(queue.counts).toMatchObject({ unschedulable: 0, active: 1 });
  });

  it('retries an unschedulable pod whose spec changed, not one whose status did', async () => {
    const { clock, queue } = setup();
    const original = makePod('a').obj();
    queue.add(newPodInfo(original));
    await failOnce(queue, AFFINITY);
    await clock.advance(2000);
    queue.update(newPodInfo({ ...original, status: { phase: 'Pending' } }));
    expect(queue.counts.unschedulable).toBe(1);
    queue.update(newPodInfo({ ...original, spec: { ...original.spec, nodeSelector: { disk: 'ssd' } } }));
    expect(queue.counts).toMatchObject({ unschedulable: 0, active: 1 });
    expect((await queue.pop())?.podInfo.pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
  });

  it('applies an update or delete that arrives during the cycle when the cycle reports back', async () => {
    const { queue } = setup();
    queue.add(pod('updated'));
    queue.add(pod('deleted'));
    const first = await queue.pop();
    const second = await queue.pop();
    queue.update(pod('updated', 42));
    queue.delete('default/deleted');
    expect(queue.counts).toMatchObject({ active: 0, inFlight: 2 });
    queue.addUnschedulable(first!, { unschedulablePlugins: AFFINITY });
    queue.addUnschedulable(second!, { unschedulablePlugins: AFFINITY });
    expect(queue.counts).toMatchObject({ backoff: 1, unschedulable: 0, inFlight: 0 });
    expect(queue.has('default/deleted')).toBe(false);
  });

  it('forgets a pod once its cycle is done', async () => {
    const { queue } = setup();
    queue.add(pod('a'));
    const popped = await queue.pop();
    expect(queue.has('default/a')).toBe(true);
    queue.done(popped!.key);
    expect(queue.has('default/a')).toBe(false);
  });

  it('drops a pending pod that is deleted', async () => {
    const { clock, queue } = setup();
    queue.add(pod('a'));
    queue.add(pod('b'));
    await failOnce(queue, new Set());
    queue.delete('default/a');
    queue.delete('default/b');
    await clock.advance(60_000);
    expect(queue.counts).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });

  it('stops its timers on close', async () => {
    const { clock, queue } = setup();
    queue.add(pod('a'));
    queue.add(pod('b'));
    await failOnce(queue, new Set());
    await failOnce(queue, FIT);
    expect(clock.pendingTimers).toBe(2);
    queue.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
