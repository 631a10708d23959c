import { describe, expect, it } from 'vitest';
import type { TolerationInput } from '../../../../protocol/resources/scheduling.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { nodeInfoOf, runFilter } from '../../testing/fixtures.js';
import { create, ERR_REASON_UNSCHEDULABLE, NAME } from './node-unschedulable.js';

const unschedulableKey = 'node.kubernetes.io/unschedulable';

describe(NAME, () => {
  it.each<{ name: string; cordoned: boolean; tolerations: TolerationInput[]; fits: boolean }>([
    { name: 'schedulable node', cordoned: false, tolerations: [], fits: true },
    { name: 'cordoned node', cordoned: true, tolerations: [], fits: false },
    {
      name: 'cordoned, tolerated by key and effect',
      cordoned: true,
      tolerations: [{ key: unschedulableKey, operator: 'Exists', effect: 'NoSchedule' }],
      fits: true,
    },
    {
      name: 'cordoned, tolerated by a toleration of every taint',
      cordoned: true,
      tolerations: [{ operator: 'Exists' }],
      fits: true,
    },
    {
      name: 'cordoned, toleration for another effect',
      cordoned: true,
      tolerations: [{ key: unschedulableKey, operator: 'Exists', effect: 'NoExecute' }],
      fits: false,
    },
    {
      name: 'cordoned, toleration for another key',
      cordoned: true,
      tolerations: [{ key: 'other', operator: 'Exists' }],
      fits: false,
    },
  ])('$name', ({ cordoned, tolerations, fits }) => {
    const builder = makeNode('n1');
    const node = nodeInfoOf((cordoned ? builder.cordoned() : builder).obj());
    let pod = makePod('p');
    for (const t of tolerations) pod = pod.tolerate(t);
    const status = runFilter(create(), pod.obj(), node);
    if (fits) expect(status.code).toBe('Success');
    else
      expect(status).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_UNSCHEDULABLE] });
  });
});
