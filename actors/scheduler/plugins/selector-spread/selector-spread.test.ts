import { describe, expect, it } from 'vitest';
import { makeNode, makePod, makeReplicaSet } from '../../../../protocol/testing/builders.js';
import { cacheOf, runScore } from '../../testing/fixtures.js';
import { create, NAME } from './selector-spread.js';

const web = makeReplicaSet('web').obj();
const api = makeReplicaSet('api').obj();

/** Three nodes; `placed[i]` lists the owners of the pods on node `n<i>`. */
function nodesWith(placed: (typeof web)[][]) {
  const nodes = placed.map((_, i) => makeNode(`n${i}`).obj());
  const pods = placed.flatMap((owners, i) =>
    owners.map((owner, j) => makePod(`p-${i}-${j}`).node(`n${i}`).ownedBy(owner).obj()),
  );
  return cacheOf(nodes, pods).snapshot;
}

describe(NAME, () => {
  it.each([
    {
      name: 'fewer pods of the same owner score higher',
      placed: [[web, web], [web], []],
      scores: [0, 50, 100],
    },
    { name: 'nodes without its pods all score 100', placed: [[], [], [], [web]], scores: [100, 100, 100, 0] },
    { name: 'other owners do not count', placed: [[api, api], [web], []], scores: [100, 0, 100] },
  ])('$name', ({ placed, scores }) => {
    const pod = makePod('new').ownedBy(web).obj();
    const snapshot = nodesWith(placed);
    expect(runScore(create(), pod, snapshot.nodes, snapshot)).toEqual(scores);
  });

  it.each([
    { name: 'a pod without a controller owner', pod: makePod('bare').obj() },
    {
      name: 'a pod with its own spread constraints',
      pod: makePod('c')
        .ownedBy(web)
        .spread({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' })
        .obj(),
    },
    { name: 'the first pod of an owner (no pod of it anywhere)', pod: makePod('first').ownedBy(api).obj() },
  ])('skips $name', ({ pod }) => {
    const snapshot = nodesWith([[web], []]);
    expect(runScore(create(), pod, snapshot.nodes, snapshot)).toBeUndefined();
  });
});
