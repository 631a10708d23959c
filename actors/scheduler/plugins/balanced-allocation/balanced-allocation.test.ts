import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { nodeInfoOf, runScore } from '../../testing/fixtures.js';
import { create, NAME } from './balanced-allocation.js';

type Resources = Record<string, string>;

describe(NAME, () => {
  it.each<{ name: string; existing: Resources; requests: Resources; score: number | undefined }>([
    { name: 'equal shares: 100', existing: {}, requests: { cpu: '1', memory: '2Gi' }, score: 100 },
    { name: 'cpu 50%, memory 12.5%', existing: {}, requests: { cpu: '2', memory: '1Gi' }, score: 81 },
    {
      name: 'the existing pods count',
      existing: { cpu: '1', memory: '6Gi' },
      requests: { cpu: '1', memory: '2Gi' },
      score: 75,
    },
    { name: 'fractions are capped at 1', existing: { cpu: '4' }, requests: { cpu: '2' }, score: 50 },
    { name: 'best-effort pods are skipped', existing: {}, requests: {}, score: undefined },
  ])('$name', ({ existing, requests, score }) => {
    const node = nodeInfoOf(makeNode('n1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj(), [
      makePod('e').node('n1').requests(existing).obj(),
    ]);
    const scores = runScore(create(), makePod('p').requests(requests).obj(), [node]);
    expect(scores).toEqual(score === undefined ? undefined : [score]);
  });

  it('prefers the node the pod balances', () => {
    const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
    const cpuHeavy = nodeInfoOf(makeNode('cpu-heavy').capacity(capacity).obj(), [
      makePod('e1').node('cpu-heavy').requests({ cpu: '3' }).obj(),
    ]);
    const memoryHeavy = nodeInfoOf(makeNode('memory-heavy').capacity(capacity).obj(), [
      makePod('e2').node('memory-heavy').requests({ memory: '6Gi' }).obj(),
    ]);
    const memoryHungry = makePod('p').requests({ memory: '4Gi' }).obj();
    const [onCpuHeavy, onMemoryHeavy] = runScore(create(), memoryHungry, [cpuHeavy, memoryHeavy]) ?? [];
    expect(onCpuHeavy).toBeGreaterThan(onMemoryHeavy ?? 0);
  });
});
