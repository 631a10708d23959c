import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../../protocol/resources/pod.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { nodeInfoOf, runFilter, runScore } from '../../testing/fixtures.js';
import {
  create,
  NAME,
  REASON_INSUFFICIENT_CPU,
  REASON_INSUFFICIENT_EPHEMERAL_STORAGE,
  REASON_INSUFFICIENT_MEMORY,
  REASON_TOO_MANY_PODS,
} from './node-resources-fit.js';

type Resources = Record<string, string>;

const node = (allocatable: Resources, existing: Resources[] = []) =>
  nodeInfoOf(
    makeNode('n1').capacity(allocatable).obj(),
    existing.map((requests, i) => makePod(`existing-${i}`).node('n1').requests(requests).obj()),
  );

const small: Resources = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '10Gi' };

describe(`${NAME} Filter`, () => {
  it.each<{ name: string; allocatable: Resources; existing: Resources[]; pod: Pod; reasons: string[] }>([
    { name: 'fits an empty node', allocatable: small, existing: [], pod: pod({ cpu: '1' }), reasons: [] },
    {
      name: 'fits exactly what is left',
      allocatable: small,
      existing: [{ cpu: '3', memory: '6Gi' }],
      pod: pod({ cpu: '1', memory: '2Gi' }),
      reasons: [],
    },
    {
      name: 'one millicore too many',
      allocatable: small,
      existing: [{ cpu: '3' }],
      pod: pod({ cpu: '1001m' }),
      reasons: [REASON_INSUFFICIENT_CPU],
    },
    {
      name: 'memory short',
      allocatable: small,
      existing: [{ memory: '7Gi' }],
      pod: pod({ memory: '2Gi' }),
      reasons: [REASON_INSUFFICIENT_MEMORY],
    },
    {
      name: 'cpu and memory short: both reasons',
      allocatable: small,
      existing: [{ cpu: '4', memory: '8Gi' }],
      pod: pod({ cpu: '1', memory: '1Gi' }),
      reasons: [REASON_INSUFFICIENT_CPU, REASON_INSUFFICIENT_MEMORY],
    },
    {
      name: 'pod limit reached',
      allocatable: { ...small, pods: '1' },
      existing: [{}],
      pod: pod({}),
      reasons: [REASON_TOO_MANY_PODS],
    },
    {
      name: 'ephemeral storage short',
      allocatable: small,
      existing: [],
      pod: pod({ 'ephemeral-storage': '11Gi' }),
      reasons: [REASON_INSUFFICIENT_EPHEMERAL_STORAGE],
    },
    {
      name: 'requests defaulted from limits',
      allocatable: small,
      existing: [],
      pod: makePod('p').limits({ cpu: '5' }).obj(),
      reasons: [REASON_INSUFFICIENT_CPU],
    },
    {
      name: 'an init container larger than the app containers counts',
      allocatable: small,
      existing: [{ cpu: '2' }],
      pod: makePod('p')
        .requests({ cpu: '1' })
        .initContainer({ name: 'init', image: 'busybox:1', resources: { requests: { cpu: '3' } } })
        .obj(),
      reasons: [REASON_INSUFFICIENT_CPU],
    },
    {
      name: 'app containers sum',
      allocatable: small,
      existing: [{ cpu: '2' }],
      pod: makePod('p')
        .requests({ cpu: '1500m' })
        .container({ name: 'side', image: 'busybox:1', resources: { requests: { cpu: '1' } } })
        .obj(),
      reasons: [REASON_INSUFFICIENT_CPU],
    },
    {
      name: 'extended resource short',
      allocatable: { ...small, 'example.com/gpu': '1' },
      existing: [],
      pod: pod({ 'example.com/gpu': '2' }),
      reasons: ['Insufficient example.com/gpu'],
    },
    {
      name: 'extended resource the node lacks',
      allocatable: small,
      existing: [],
      pod: pod({ cpu: '8', 'example.com/gpu': '1' }),
      reasons: [REASON_INSUFFICIENT_CPU, 'Insufficient example.com/gpu'],
    },
    {
      name: 'a pod requesting nothing fits an overcommitted node',
      allocatable: small,
      existing: [{ cpu: '4', memory: '8Gi' }],
      pod: pod({}),
      reasons: [],
    },
  ])('$name', ({ allocatable, existing, pod, reasons }) => {
    const status = runFilter(create(), pod, node(allocatable, existing));
    expect(status.reasons).toEqual(reasons);
    expect(status.code).toBe(reasons.length === 0 ? 'Success' : 'Unschedulable');
  });
});

describe(`${NAME} Score (LeastAllocated)`, () => {
  it.each<{ name: string; existing: Resources[][]; pod: Pod; scores: number[] }>([
    {
      name: 'the emptier node scores higher',
      existing: [[], [{ cpu: '2', memory: '4Gi' }]],
      pod: pod({ cpu: '1', memory: '2Gi' }),
      scores: [75, 25],
    },
    {
      name: 'cpu and memory average',
      existing: [[{ cpu: '2' }]],
      // The existing pod requests no memory, so it counts 200Mi: memory scores 72.
      pod: pod({ cpu: '1', memory: '2Gi' }),
      scores: [48],
    },
    {
      name: 'a pod without requests counts as 100m / 200Mi',
      existing: [[]],
      pod: pod({}),
      scores: [97],
    },
    {
      name: 'over capacity scores 0 for that resource',
      existing: [[{ cpu: '4' }]],
      pod: pod({ cpu: '1', memory: '2Gi' }),
      scores: [36],
    },
  ])('$name', ({ existing, pod, scores }) => {
    const nodes = existing.map((pods, i) =>
      nodeInfoOf(
        makeNode(`n${i}`).capacity(small).obj(),
        pods.map((requests, j) => makePod(`e-${i}-${j}`).node(`n${i}`).requests(requests).obj()),
      ),
    );
    expect(runScore(create(), pod, nodes)).toEqual(scores);
  });
});

function pod(requests: Resources): Pod {
  return makePod('p').requests(requests).obj();
}
