/**
 * The node lifecycle controller against an in-process API server, with a simulated clock and a
 * heartbeat source the test drives by hand: time passes only when the test says so.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { SimulatedClock } from '../../../protocol/clock.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { TolerationInput } from '../../../protocol/resources/scheduling.js';
import { makeNode, makePod } from '../../../protocol/testing/pod-builders.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import {
  type ControllerDefinition,
  type RunningControllers,
  startControllers,
} from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import type { WorkQueue } from '../../kernel/workqueue.js';
import { type NodeLifecycleSettings, nodeLifecycleController, UNREACHABLE_TAINT_KEY } from './controller.js';

const GRACE_MS = 40_000;
const PERIOD_MS = 5_000;

/** A heartbeat source the test pushes. */
class FakeHeartbeats {
  private listener: ((node: string) => void) | undefined;
  subscribe(onHeartbeat: (node: string) => void) {
    this.listener = onHeartbeat;
    return { stop: () => (this.listener = undefined) };
  }
  beat(...nodes: string[]): void {
    for (const n of nodes) this.listener?.(n);
  }
}

interface Harness {
  readonly cluster: InProcessCluster;
  readonly clock: SimulatedClock;
  readonly heartbeats: FakeHeartbeats;
  /** Resolves once the controller's queue is empty and no sync runs. */
  idle(): Promise<void>;
  /** Advances time by `ms` in monitor periods, with `alive` beating at each. */
  live(ms: number, alive: readonly string[]): Promise<void>;
  node(name: string): Promise<Node>;
  pod(name: string): Promise<Pod | undefined>;
}

describe('node lifecycle controller', () => {
  let cluster: InProcessCluster | undefined;
  let running: RunningControllers | undefined;
  afterEach(async () => {
    await running?.stop();
    await cluster?.stop();
    running = undefined;
    cluster = undefined;
  });

  async function start(
    nodes: readonly string[],
    pods: readonly { name: string; node: string; tolerate?: TolerationInput }[],
    settings: NodeLifecycleSettings = {},
  ): Promise<Harness> {
    const c = await startInProcessCluster();
    cluster = c;
    for (const name of nodes) {
      const { uid: _u, creationTimestamp: _c, ...metadata } = makeNode(name).obj().metadata;
      const created = await c.client.create('nodes', { ...makeNode(name).obj(), metadata });
      await c.client.updateStatus('nodes', { ...created, status: makeNode(name).obj().status });
    }
    for (const p of pods) {
      const builder = makePod(p.name).node(p.node);
      if (p.tolerate) builder.tolerate(p.tolerate);
      const pod = builder.ready().obj();
      const { uid: _u, creationTimestamp: _c, ...metadata } = pod.metadata;
      const created = await c.client.create('pods', { ...pod, metadata, status: undefined });
      await c.client.updateStatus('pods', { ...created, status: pod.status });
    }
    const clock = new SimulatedClock(Date.now());
    const heartbeats = new FakeHeartbeats();
    const log = silentLogger();
    let queue: WorkQueue<string> | undefined;
    const inner = nodeLifecycleController({
      heartbeats,
      gracePeriodMs: GRACE_MS,
      monitorPeriodMs: PERIOD_MS,
      defaultTolerationSeconds: 60,
      ...settings,
    });
    const definition: ControllerDefinition = {
      ...inner,
      wire(ctx, q) {
        queue = q;
        return inner.wire(ctx, q);
      },
    };
    const informers = new SharedInformers({ client: c.client, clock, log });
    const recorder = new EventRecorder({ client: c.client, clock, log, component: 'test' });
    running = startControllers([definition], {
      client: c.client,
      informers,
      recorder,
      clock,
      log,
      registry: new Registry(),
    });
    await running.synced;
    const h: Harness = {
      cluster: c,
      clock,
      heartbeats,
      idle: async () => {
        await waitFor(() => queue !== undefined && queue.len === 0 && queue.inFlight === 0);
      },
      live: async (ms, alive) => {
        for (let t = 0; t < ms; t += PERIOD_MS) {
          heartbeats.beat(...alive);
          await clock.advance(Math.min(PERIOD_MS, ms - t));
          await h.idle();
        }
      },
      node: (name) => c.client.get<Node>('nodes', '', name),
      pod: (name) => c.client.get<Pod>('pods', 'default', name).catch(() => undefined),
    };
    return h;
  }

  const tainted = (node: Node) => (node.spec.taints ?? []).some((t) => t.key === UNREACHABLE_TAINT_KEY);
  const ready = (obj: { status?: { conditions?: readonly { type: string; status: string }[] } }) =>
    obj.status?.conditions?.find((c) => c.type === 'Ready')?.status;

  it('marks a silent node unreachable after the grace period, its pods not ready, and evicts them after their toleration', async () => {
    const h = await start(
      ['n1', 'n2', 'n3'],
      [
        { name: 'plain', node: 'n3' },
        {
          name: 'short',
          node: 'n3',
          tolerate: {
            key: UNREACHABLE_TAINT_KEY,
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 10,
          },
        },
        {
          name: 'forever',
          node: 'n3',
          tolerate: { key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute' },
        },
        { name: 'elsewhere', node: 'n1' },
      ],
    );
    await h.live(35_000, ['n1', 'n2']); // n3 silent, within its grace period
    expect(tainted(await h.node('n3'))).toBe(false);

    await h.live(10_000, ['n1', 'n2']); // past the grace period
    const n3 = await waitFor(async () => {
      const node = await h.node('n3');
      return tainted(node) && ready(node) === 'Unknown' ? node : false;
    });
    expect(n3.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    expect(n3.spec.taints?.find((t) => t.key === UNREACHABLE_TAINT_KEY)?.timeAdded).toBeDefined();
    await waitFor(async () => ready((await h.pod('plain')) as Pod) === 'False');
    await waitFor(async () => ready((await h.pod('forever')) as Pod) === 'False');
    expect(ready((await h.pod('elsewhere')) as Pod)).toBe('True');
    expect(tainted(await h.node('n1'))).toBe(false);

    await h.live(11_000, ['n1', 'n2']); // the 10 s toleration is over
    await waitFor(async () =>
      Boolean((await h.pod('short'))?.metadata.deletionTimestamp ?? !(await h.pod('short'))),
    );
    expect((await h.pod('plain'))?.metadata.deletionTimestamp).toBeUndefined();

    await h.live(50_000, ['n1', 'n2']); // the default 60 s is over
    await waitFor(async () =>
      Boolean((await h.pod('plain'))?.metadata.deletionTimestamp ?? !(await h.pod('plain'))),
    );
    expect((await h.pod('forever'))?.metadata.deletionTimestamp).toBeUndefined();
    expect((await h.pod('elsewhere'))?.metadata.deletionTimestamp).toBeUndefined();

    const events = await h.cluster.client.list<{ reason: string }>('events', { namespace: 'default' });
    expect(events.items.map((e) => e.reason)).toContain('TaintManagerEviction');
  });

  it('removes the taint when heartbeats come back', async () => {
    const h = await start(['n1', 'n2', 'n3'], [{ name: 'p', node: 'n3' }]);
    await h.live(45_000, ['n1', 'n2']);
    await waitFor(async () => tainted(await h.node('n3')));
    h.heartbeats.beat('n3');
    await waitFor(async () => !tainted(await h.node('n3')));
    await h.live(120_000, ['n1', 'n2', 'n3']);
    expect((await h.pod('p'))?.metadata.deletionTimestamp).toBeUndefined();
  });

  it.each([
    { case: 'an outage shorter than the grace period', alive: ['n1', 'n2'], silentMs: 30_000 },
    { case: 'most nodes silent at once (the guard)', alive: ['n1'], silentMs: 120_000 },
    { case: 'its own outage: no heartbeat at all', alive: [], silentMs: 120_000 },
  ])('marks nothing and evicts nothing after $case', async ({ alive, silentMs }) => {
    const h = await start(['n1', 'n2', 'n3'], [{ name: 'p', node: 'n3' }]);
    await h.live(silentMs, alive);
    // Back: every node beats again; the silence must not be held against anyone.
    await h.live(20_000, ['n1', 'n2', 'n3']);
    for (const name of ['n1', 'n2', 'n3']) expect(tainted(await h.node(name))).toBe(false);
    expect(ready((await h.pod('p')) as Pod)).toBe('True');
    expect((await h.pod('p'))?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('gives a node never heard since it started a full grace period, whatever its old heartbeat time', async () => {
    // The Node's lastHeartbeatTime is the fixture's (long ago): a restarted manager must not act on it.
    const h = await start(['n1', 'n2', 'n3'], [{ name: 'p', node: 'n3' }]);
    await h.live(35_000, ['n1', 'n2']);
    expect(tainted(await h.node('n3'))).toBe(false);
    await h.live(10_000, ['n1', 'n2']);
    await waitFor(async () => tainted(await h.node('n3')));
  });
});
