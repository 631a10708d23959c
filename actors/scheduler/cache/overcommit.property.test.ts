/**
 * The cache's promise, as a property: whatever the node sizes, pod sizes and order of events
 * (cycles with assume, binds that return, are confirmed, fail, or are lost and expire, pods
 * deleted), no node's requested cpu, memory or pod count ever exceeds its allocatable, and every
 * node counts exactly the pods placed on it.
 *
 * The model never confirms a pod after its assumption expired: expiry means the bind was lost
 * (the informer will never show it), which is the one case the TTL exists for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../protocol/clock.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { makeNode, makePod } from '../../../protocol/testing/builders.js';
import { schedulePod } from '../framework/cycle.js';
import { newFramework } from '../framework/framework.js';
import { newPodInfo, type PodInfo } from '../framework/pod-info.js';
import { DEFAULT_ASSUMED_POD_TTL_MS, SchedulerCache } from './cache.js';

type Op =
  | { readonly kind: 'schedule' | 'finish' | 'confirm' | 'fail' | 'delete'; readonly pod: number }
  | { readonly kind: 'expire' }
  | { readonly kind: 'tick'; readonly ms: number };

type State = 'pending' | 'assumed' | 'finished' | 'bound' | 'deleted';

const nodeArb = fc.record({
  milliCpu: fc.integer({ min: 0, max: 4000 }),
  memoryMi: fc.integer({ min: 0, max: 4096 }),
  pods: fc.integer({ min: 0, max: 5 }),
});
const podArb = fc.record({
  milliCpu: fc.integer({ min: 0, max: 2500 }),
  memoryMi: fc.integer({ min: 0, max: 3000 }),
});
const opArb = (pods: number): fc.Arbitrary<Op> => {
  const pod = fc.integer({ min: 0, max: pods - 1 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('schedule' as const), pod }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('finish' as const), pod }) },
    fc.record({ kind: fc.constantFrom('confirm' as const, 'fail' as const, 'delete' as const), pod }),
    fc.constant({ kind: 'expire' as const }),
    fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 0, max: DEFAULT_ASSUMED_POD_TTL_MS }),
    }),
  );
};

const scenario = fc
  .tuple(fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(podArb, { minLength: 1, maxLength: 16 }))
  .chain(([nodes, pods]) =>
    fc.tuple(fc.constant(nodes), fc.constant(pods), fc.array(opArb(pods.length), { maxLength: 80 })),
  );

describe('SchedulerCache with the cycle', () => {
  it('never lets a node be overcommitted, whatever the order of pod arrivals and binds', async () => {
    const framework = newFramework();
    // How often each path ran over all cases, so the test proves it exercised them.
    const seen = { assumed: 0, confirmed: 0, forgotten: 0, expired: 0, unschedulable: 0, deleted: 0 };
    await fc.assert(
      fc.asyncProperty(scenario, async ([nodeSpecs, podSpecs, ops]) => {
        const clock = new SimulatedClock();
        const cache = new SchedulerCache({ clock });
        nodeSpecs.forEach((n, i) => {
          const capacity = { cpu: `${n.milliCpu}m`, memory: `${n.memoryMi}Mi`, pods: `${n.pods}` };
          cache.addNode(makeNode(`n${i}`).capacity(capacity).obj());
        });
        const pods: Pod[] = podSpecs.map((p, i) =>
          makePod(`p${i}`)
            .requests({ cpu: `${p.milliCpu}m`, memory: `${p.memoryMi}Mi` })
            .obj(),
        );
        const infos: PodInfo[] = pods.map((p) => newPodInfo(p));
        const states: State[] = pods.map(() => 'pending');
        const placed: (string | undefined)[] = pods.map(() => undefined);
        let nextStartIndex = 0;

        const apply = async (op: Op): Promise<void> => {
          if (op.kind === 'tick' || op.kind === 'expire') {
            await clock.advance(op.kind === 'tick' ? op.ms : DEFAULT_ASSUMED_POD_TTL_MS);
            for (const key of cache.cleanupExpired()) {
              seen.expired++;
              const i = infos.findIndex((p) => p.key === key);
              states[i] = 'pending';
              placed[i] = undefined;
            }
            return;
          }
          const i = op.pod;
          const pod = pods[i] as Pod;
          const state = states[i];
          switch (op.kind) {
            case 'schedule': {
              if (state !== 'pending') return;
              const result = schedulePod(framework, cache.snapshot(), infos[i] as PodInfo, {
                nextStartIndex,
              });
              nextStartIndex = result.nextStartIndex;
              if (result.kind !== 'scheduled') {
                seen.unschedulable++;
                return;
              }
              seen.assumed++;
              cache.assume(infos[i] as PodInfo, result.node);
              states[i] = 'assumed';
              placed[i] = result.node;
              return;
            }
            case 'finish':
              if (state === 'assumed' && cache.finishBinding(infos[i]?.key ?? '')) states[i] = 'finished';
              return;
            case 'confirm':
              // The informer may report the bound pod before or after the bind call returns.
              if (state !== 'assumed' && state !== 'finished') return;
              cache.addPod({ ...pod, spec: { ...pod.spec, nodeName: placed[i] } });
              seen.confirmed++;
              states[i] = 'bound';
              return;
            case 'fail':
              if (state !== 'assumed') return;
              cache.forget(infos[i]?.key ?? '');
              seen.forgotten++;
              states[i] = 'pending';
              placed[i] = undefined;
              return;
            case 'delete':
              if (state === 'pending' || state === 'deleted') return;
              cache.removePod(pod);
              seen.deleted++;
              states[i] = 'deleted';
              placed[i] = undefined;
          }
        };

        for (const op of ops) {
          await apply(op);
          for (const node of cache.snapshot().nodes) {
            // Never overcommitted.
            expect(node.requested.milliCpu).toBeLessThanOrEqual(node.allocatable.milliCpu);
            expect(node.requested.memory).toBeLessThanOrEqual(node.allocatable.memory);
            expect(node.requested.pods).toBeLessThanOrEqual(node.allocatable.pods);
            // And exact: the node counts the pods placed on it, each once.
            const mine = infos.filter((_, i) => placed[i] === node.name);
            expect(node.requested.pods).toBe(mine.length);
            expect(node.requested.milliCpu).toBe(mine.reduce((sum, p) => sum + p.requests.milliCpu, 0));
            expect(node.requested.memory).toBe(mine.reduce((sum, p) => sum + p.requests.memory, 0));
          }
        }
      }),
      {
        numRuns: 200,
        // One case that surely takes every path, so the coverage check below never depends on luck.
        examples: [
          [
            [
              [{ milliCpu: 1000, memoryMi: 1024, pods: 2 }],
              [
                { milliCpu: 600, memoryMi: 100 },
                { milliCpu: 600, memoryMi: 100 },
                { milliCpu: 300, memoryMi: 100 },
              ],
              [
                { kind: 'schedule', pod: 0 },
                { kind: 'schedule', pod: 1 },
                { kind: 'finish', pod: 0 },
                { kind: 'expire' },
                { kind: 'schedule', pod: 1 },
                { kind: 'fail', pod: 1 },
                { kind: 'schedule', pod: 2 },
                { kind: 'confirm', pod: 2 },
                { kind: 'delete', pod: 2 },
              ],
            ],
          ],
        ],
      },
    );
    for (const [path, count] of Object.entries(seen)) expect(count, path).toBeGreaterThan(0);
  });
});
