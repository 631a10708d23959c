import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../protocol/clock.js';
import { ApiError } from '../../protocol/errors.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { makeNode, makePod } from '../../protocol/testing/builders.js';
import type { ActorRef } from '../kernel/actor.js';
import { silentLogger } from '../kernel/log.js';
import { ActorSystem } from '../kernel/system.js';
import { deferred } from '../kernel/testing/deferred.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { binderActor } from './binder.js';
import { DEFAULT_ASSUMED_POD_TTL_MS } from './cache/cache.js';
import { newFramework } from './framework/framework.js';
import type { RecorderMsg, SchedulingMsg } from './messages.js';
import { schedulerMetrics } from './metrics.js';
import { type SchedulingPeers, schedulingActor } from './scheduling.js';

// The scheduling actor and the binder pool on a simulated clock, with a fake API (only `bind`)
// and informer changes sent by hand: the bind failure and retry path, and assumed pods that
// expire when their bind never shows up. Backoff and TTLs are advanced exactly, never slept.

interface Bind {
  readonly pod: string;
  readonly node: string;
  readonly outcome: ReturnType<typeof deferred<unknown>>;
}

let system: ActorSystem | undefined;
let openBinds: Bind[] = [];
afterEach(async () => {
  // The binder drains on stop: a bind the test left unanswered would hold it forever.
  for (const bind of openBinds) if (!bind.outcome.settled) bind.outcome.resolve({});
  await system?.stop();
  system = undefined;
});

function setup() {
  const clock = new SimulatedClock();
  system = new ActorSystem({ clock, log: silentLogger() });
  const metrics = schedulerMetrics(new Registry());
  const binds: Bind[] = [];
  openBinds = binds;
  const client = {
    bind(namespace: string, name: string, node: string) {
      const outcome = deferred<unknown>();
      binds.push({ pod: `${namespace}/${name}`, node, outcome });
      return outcome.promise;
    },
  };
  const recorded: RecorderMsg[] = [];
  const pods = new Map<string, Pod>();
  const peers: SchedulingPeers = { informers: [] };
  peers.recorder = system.spawn<RecorderMsg>('recorder', () => ({
    receive: (msg) => void recorded.push(msg),
  }));
  const scheduling: ActorRef<SchedulingMsg> = system.spawn(
    'scheduling',
    schedulingActor({
      schedulerName: 'default-scheduler',
      newFramework: () => newFramework(),
      metrics,
      peers,
      pods: { getByKey: (key) => pods.get(key) },
      leaderElection: false,
      bindConcurrency: 4,
      scheduledEvents: true,
      random: () => 0,
    }),
  );
  peers.binder = system.spawnPool('binder', binderActor({ client, metrics, scheduling: () => scheduling }), {
    instances: 4,
  });

  /** The informers' part: a node and a pending pod, both listed. */
  const start = (pod: Pod) => {
    const node = makeNode('n1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj();
    pods.set('default/p', pod);
    scheduling.send({ type: 'node', change: { kind: 'add', obj: node } });
    scheduling.send({ type: 'synced', resource: 'nodes', keys: new Set(['n1']) });
    scheduling.send({ type: 'pod', change: { kind: 'add', obj: pod } });
    scheduling.send({ type: 'synced', resource: 'pods', keys: new Set(['default/p']) });
  };
  const events = (reason: string) =>
    recorded
      .filter((m) => m.type === 'event' && m.reason === reason)
      .map((m) => m.type === 'event' && m.message);
  return { clock, metrics, binds, scheduling, start, events };
}

const pending = () => makePod('p').requests({ cpu: '500m', memory: '64Mi' }).obj();

describe('scheduling actor and binder', () => {
  it('forgets a pod whose bind failed, and binds it again after exactly its backoff', async () => {
    const { clock, binds, start, events, metrics } = setup();
    start(pending());
    await waitFor(() => binds.length === 1);
    binds[0]?.outcome.reject(new ApiError('InternalError', 'etcd is down'));
    await clock.advance(999); // the first backoff is 1 s from the failed attempt
    expect(binds).toHaveLength(1);
    await clock.advance(1);
    await waitFor(() => binds.length === 2);
    expect(binds[1]).toMatchObject({ pod: 'default/p', node: 'n1' });
    binds[1]?.outcome.resolve({});
    await waitFor(() => expect(events('Scheduled')).toEqual(['Successfully assigned default/p to n1']));
    const observed = (await metrics.bindingDuration.get()).values.filter((v) =>
      v.metricName?.endsWith('_count'),
    );
    expect(observed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { result: 'error' }, value: 1 }),
        expect.objectContaining({ labels: { result: 'ok' }, value: 1 }),
      ]),
    );
  });

  it('drops a pod whose bind says NotFound: it was deleted, nothing to retry', async () => {
    const { clock, binds, start, events } = setup();
    start(pending());
    await waitFor(() => binds.length === 1);
    binds[0]?.outcome.reject(new ApiError('NotFound', 'pods "p" not found'));
    await clock.advance(60_000);
    expect(binds).toHaveLength(1);
    expect(events('Scheduled')).toEqual([]);
  });

  it('schedules an assumed pod again when its bind returned but the pod never showed up bound', async () => {
    const { clock, binds, start } = setup();
    start(pending());
    await waitFor(() => binds.length === 1);
    binds[0]?.outcome.resolve({}); // the TTL starts now
    await clock.advance(DEFAULT_ASSUMED_POD_TTL_MS - 1_000);
    expect(binds).toHaveLength(1); // still assumed: counted on n1, not retried
    await clock.advance(2_000); // TTL elapsed; the next cleanup tick drops the assumption
    await waitFor(() => binds.length === 2);
    expect(binds[1]).toMatchObject({ pod: 'default/p', node: 'n1' });
  });

  it('keeps an assumed pod that the informer shows bound before the TTL', async () => {
    const { clock, binds, start, scheduling } = setup();
    const pod = pending();
    start(pod);
    await waitFor(() => binds.length === 1);
    binds[0]?.outcome.resolve({});
    const bound = { ...pod, spec: { ...pod.spec, nodeName: 'n1' } };
    scheduling.send({ type: 'pod', change: { kind: 'update', old: pod, obj: bound } });
    await clock.advance(2 * DEFAULT_ASSUMED_POD_TTL_MS);
    expect(binds).toHaveLength(1);
  });
});
