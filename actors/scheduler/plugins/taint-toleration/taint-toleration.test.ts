import { describe, expect, it } from 'vitest';
import type { TaintInput, TolerationInput } from '../../../../protocol/resources/scheduling.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { nodeInfoOf, runFilter, runScore } from '../../testing/fixtures.js';
import { create, NAME } from './taint-toleration.js';

function node(name: string, taints: TaintInput[]) {
  let builder = makeNode(name);
  for (const t of taints) builder = builder.taint(t);
  return nodeInfoOf(builder.obj());
}

function pod(tolerations: TolerationInput[]) {
  let builder = makePod('p');
  for (const t of tolerations) builder = builder.tolerate(t);
  return builder.obj();
}

describe(`${NAME} Filter`, () => {
  it.each<{ name: string; taints: TaintInput[]; tolerations: TolerationInput[]; reason?: string }>([
    { name: 'no taints', taints: [], tolerations: [] },
    {
      name: 'NoSchedule not tolerated',
      taints: [{ key: 'node-role', value: 'db', effect: 'NoSchedule' }],
      tolerations: [],
      reason: 'node(s) had untolerated taint {node-role: db}',
    },
    {
      name: 'NoExecute not tolerated, empty value',
      taints: [{ key: 'dedicated', effect: 'NoExecute' }],
      tolerations: [],
      reason: 'node(s) had untolerated taint {dedicated: }',
    },
    {
      name: 'PreferNoSchedule never filters',
      taints: [{ key: 'soft', effect: 'PreferNoSchedule' }],
      tolerations: [],
    },
    {
      name: 'Equal toleration with the same value',
      taints: [{ key: 'node-role', value: 'db', effect: 'NoSchedule' }],
      tolerations: [{ key: 'node-role', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
    },
    {
      name: 'Equal toleration with another value',
      taints: [{ key: 'node-role', value: 'db', effect: 'NoSchedule' }],
      tolerations: [{ key: 'node-role', operator: 'Equal', value: 'web' }],
      reason: 'node(s) had untolerated taint {node-role: db}',
    },
    {
      name: 'Exists toleration without effect tolerates every effect',
      taints: [
        { key: 'k', value: 'v', effect: 'NoSchedule' },
        { key: 'k', value: 'v', effect: 'NoExecute' },
      ],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
    {
      name: 'toleration for NoSchedule leaves NoExecute',
      taints: [
        { key: 'k', value: 'v', effect: 'NoSchedule' },
        { key: 'k', value: 'w', effect: 'NoExecute' },
      ],
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      reason: 'node(s) had untolerated taint {k: w}',
    },
    {
      name: 'empty key with Exists tolerates everything',
      taints: [{ key: 'a', value: 'b', effect: 'NoExecute' }],
      tolerations: [{ operator: 'Exists' }],
    },
    {
      name: 'the first untolerated taint is named',
      taints: [
        { key: 'first', value: '1', effect: 'NoSchedule' },
        { key: 'second', value: '2', effect: 'NoSchedule' },
      ],
      tolerations: [],
      reason: 'node(s) had untolerated taint {first: 1}',
    },
  ])('$name', ({ taints, tolerations, reason }) => {
    const status = runFilter(create(), pod(tolerations), node('n1', taints));
    if (reason === undefined) expect(status.code).toBe('Success');
    else expect(status).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [reason] });
  });
});

describe(`${NAME} Score`, () => {
  const soft = (key: string): TaintInput => ({ key, value: 'x', effect: 'PreferNoSchedule' });

  it.each<{ name: string; taints: TaintInput[][]; tolerations: TolerationInput[]; scores?: number[] }>([
    {
      name: 'no tainted node: skipped (all would score 100)',
      taints: [[], []],
      tolerations: [],
      scores: undefined,
    },
    {
      name: 'fewer intolerable PreferNoSchedule taints score higher',
      taints: [[], [soft('a')], [soft('a'), soft('b')]],
      tolerations: [],
      scores: [100, 50, 0],
    },
    {
      name: 'a tolerated soft taint does not count',
      taints: [[soft('a')], [soft('b')]],
      tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }],
      scores: [100, 0],
    },
    {
      name: 'a NoSchedule toleration does not tolerate PreferNoSchedule',
      taints: [[soft('a')], []],
      tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }],
      scores: [0, 100],
    },
    {
      name: 'hard taints do not score',
      taints: [[{ key: 'h', effect: 'NoSchedule' }], []],
      tolerations: [{ key: 'h', operator: 'Exists' }],
      scores: [100, 100],
    },
  ])('$name', ({ taints, tolerations, scores }) => {
    const nodes = taints.map((t, i) => node(`n${i}`, t));
    expect(runScore(create(), pod(tolerations), nodes)).toEqual(scores);
  });
});
