import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../../actors/apiserver/testing/cluster.js';
import { silentLogger } from '../../actors/kernel/log.js';
import { SimulatedClock } from '../clock.js';
import type { Event } from '../resources/event.js';
import { EventRecorder } from './recorder.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u-1' } };

describe('EventRecorder', () => {
  let cluster: InProcessCluster;
  afterEach(async () => {
    await cluster.stop();
  });

  it('folds repeats into one Event with a count, and starts a new one after ten minutes', async () => {
    cluster = await startInProcessCluster();
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const recorder = new EventRecorder({
      client: cluster.client,
      clock,
      log: silentLogger(),
      component: 'test',
    });
    recorder.event(pod, 'Warning', 'FailedScheduling', 'no nodes');
    await recorder.flush();
    recorder.event(pod, 'Warning', 'FailedScheduling', 'no nodes');
    recorder.event(pod, 'Normal', 'Scheduled', 'placed');
    await recorder.flush();
    let events = (await cluster.client.list<Event>('events', { namespace: 'default' })).items;
    expect(events.map((e) => [e.reason, e.count, e.involvedObject.uid, e.source?.component])).toEqual(
      expect.arrayContaining([
        ['FailedScheduling', 2, 'u-1', 'test'],
        ['Scheduled', 1, 'u-1', 'test'],
      ]),
    );
    expect(events).toHaveLength(2);
    await clock.advance(11 * 60_000);
    recorder.event(pod, 'Warning', 'FailedScheduling', 'no nodes');
    await recorder.flush();
    events = (await cluster.client.list<Event>('events', { namespace: 'default' })).items;
    expect(events.filter((e) => e.reason === 'FailedScheduling')).toHaveLength(2);
  });

  it('drops and counts events past its queue instead of blocking the caller', async () => {
    cluster = await startInProcessCluster();
    const recorder = new EventRecorder({
      client: cluster.client,
      clock: new SimulatedClock(),
      log: silentLogger(),
      component: 'test',
      maxPending: 3,
      concurrency: 1,
    });
    const accepted = Array.from({ length: 10 }, (_, i) => recorder.event(pod, 'Normal', 'Tick', `tick ${i}`));
    expect(accepted.filter(Boolean)).toHaveLength(4); // one in flight, three waiting
    expect(recorder.dropped).toBe(6);
    await recorder.flush();
  });
});
