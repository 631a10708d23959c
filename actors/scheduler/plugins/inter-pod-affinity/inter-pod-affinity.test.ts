import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../../protocol/resources/pod.js';
import type { AffinityInput, PodAffinityTerm } from '../../../../protocol/resources/scheduling.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { cacheOf, runFilter } from '../../testing/fixtures.js';
import {
  create,
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
  NAME,
} from './inter-pod-affinity.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

const term = (app: string, topologyKey = HOST, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: { app } },
  topologyKey,
  ...extra,
});
const affinity = (...terms: PodAffinityTerm[]): AffinityInput => ({
  podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});
const antiAffinity = (...terms: PodAffinityTerm[]): AffinityInput => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});

/** Nodes n1 (zone a), n2 (zone a), n3 (zone b); `placed` pods bound where they say. */
function filterAll(pod: Pod, placed: Pod[]): Record<string, string> {
  const nodes = [
    makeNode('n1')
      .labels({ [ZONE]: 'a' })
      .obj(),
    makeNode('n2')
      .labels({ [ZONE]: 'a' })
      .obj(),
    makeNode('n3')
      .labels({ [ZONE]: 'b' })
      .obj(),
  ];
  const { snapshot } = cacheOf(nodes, placed);
  const verdicts: Record<string, string> = {};
  for (const node of snapshot.nodes) {
    const status = runFilter(create(), pod, node, snapshot);
    verdicts[node.name] = status.code === 'Success' ? 'ok' : (status.reasons[0] ?? status.code);
  }
  return verdicts;
}

const web = (name: string, node: string, ns = 'default') =>
  makePod(name).namespace(ns).node(node).labels({ app: 'web' }).obj();

describe(NAME, () => {
  it.each<{ name: string; pod: Pod; placed: Pod[]; verdicts: Record<string, string> }>([
    {
      name: 'no terms anywhere: every node',
      pod: makePod('p').obj(),
      placed: [web('w', 'n1')],
      verdicts: { n1: 'ok', n2: 'ok', n3: 'ok' },
    },
    {
      name: 'affinity to web on the same host',
      pod: makePod('p')
        .affinity(affinity(term('web')))
        .obj(),
      placed: [web('w', 'n2')],
      verdicts: { n1: ERR_REASON_AFFINITY, n2: 'ok', n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'affinity to web in the same zone',
      pod: makePod('p')
        .affinity(affinity(term('web', ZONE)))
        .obj(),
      placed: [web('w', 'n2')],
      verdicts: { n1: 'ok', n2: 'ok', n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'affinity counts only the namespaces of the term',
      pod: makePod('p')
        .affinity(affinity(term('web')))
        .obj(),
      placed: [web('w', 'n2', 'other')],
      verdicts: { n1: ERR_REASON_AFFINITY, n2: ERR_REASON_AFFINITY, n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'an empty namespaceSelector selects every namespace',
      pod: makePod('p')
        .affinity(affinity(term('web', HOST, { namespaceSelector: {} })))
        .obj(),
      placed: [web('w', 'n2', 'other')],
      verdicts: { n1: ERR_REASON_AFFINITY, n2: 'ok', n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'the first pod of a self-affine group goes anywhere',
      pod: makePod('p')
        .labels({ app: 'web' })
        .affinity(affinity(term('web')))
        .obj(),
      placed: [],
      verdicts: { n1: 'ok', n2: 'ok', n3: 'ok' },
    },
    {
      name: 'anti-affinity to web on the same host',
      pod: makePod('p')
        .affinity(antiAffinity(term('web')))
        .obj(),
      placed: [web('w', 'n1')],
      verdicts: { n1: ERR_REASON_ANTI_AFFINITY, n2: 'ok', n3: 'ok' },
    },
    {
      name: 'anti-affinity to web in the same zone',
      pod: makePod('p')
        .affinity(antiAffinity(term('web', ZONE)))
        .obj(),
      placed: [web('w', 'n1')],
      verdicts: { n1: ERR_REASON_ANTI_AFFINITY, n2: ERR_REASON_ANTI_AFFINITY, n3: 'ok' },
    },
    {
      name: "an existing pod's anti-affinity keeps the pod away",
      pod: makePod('p').labels({ app: 'web' }).obj(),
      placed: [
        makePod('db')
          .node('n3')
          .affinity(antiAffinity(term('web', ZONE)))
          .obj(),
      ],
      verdicts: { n1: 'ok', n2: 'ok', n3: ERR_REASON_EXISTING_ANTI_AFFINITY },
    },
    {
      name: "an existing pod's anti-affinity for other labels does not",
      pod: makePod('p').labels({ app: 'api' }).obj(),
      placed: [
        makePod('db')
          .node('n3')
          .affinity(antiAffinity(term('web', ZONE)))
          .obj(),
      ],
      verdicts: { n1: 'ok', n2: 'ok', n3: 'ok' },
    },
  ])('$name', ({ pod, placed, verdicts }) => {
    expect(filterAll(pod, placed)).toEqual(verdicts);
  });

  it('rejects with the codes preemption needs', () => {
    const pod = makePod('p')
      .affinity(affinity(term('web')))
      .obj();
    const { snapshot } = cacheOf([makeNode('n1').obj()]);
    expect(runFilter(create(), pod, snapshot.nodes[0]!, snapshot).code).toBe('UnschedulableAndUnresolvable');
  });
});
