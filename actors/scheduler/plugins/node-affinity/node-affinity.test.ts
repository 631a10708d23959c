import { describe, expect, it } from 'vitest';
import type { AffinityInput } from '../../../../protocol/resources/scheduling.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { nodeInfoOf, runFilter, runScore } from '../../testing/fixtures.js';
import { create, ERR_REASON_POD, NAME } from './node-affinity.js';

type Expression = {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
};

const required = (
  ...terms: { matchExpressions?: Expression[]; matchFields?: Expression[] }[]
): AffinityInput => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

const node = (name: string, labels: Record<string, string> = {}) =>
  nodeInfoOf(makeNode(name).labels(labels).obj());

describe(`${NAME} Filter`, () => {
  it.each<{
    name: string;
    labels: Record<string, string>;
    selector?: Record<string, string>;
    affinity?: AffinityInput;
    fits: boolean;
  }>([
    { name: 'no constraints', labels: {}, fits: true },
    { name: 'nodeSelector matches', labels: { disk: 'ssd' }, selector: { disk: 'ssd' }, fits: true },
    { name: 'nodeSelector value differs', labels: { disk: 'hdd' }, selector: { disk: 'ssd' }, fits: false },
    { name: 'nodeSelector label missing', labels: {}, selector: { disk: 'ssd' }, fits: false },
    {
      name: 'In matches',
      labels: { zone: 'a' },
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }),
      fits: true,
    },
    {
      name: 'In does not match',
      labels: { zone: 'c' },
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }),
      fits: false,
    },
    {
      name: 'NotIn with the label absent matches',
      labels: {},
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }),
      fits: true,
    },
    {
      name: 'NotIn with a listed value',
      labels: { zone: 'a' },
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }),
      fits: false,
    },
    {
      name: 'Exists',
      labels: { gpu: '' },
      affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }),
      fits: true,
    },
    {
      name: 'DoesNotExist with the label present',
      labels: { gpu: 'true' },
      affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }),
      fits: false,
    },
    {
      name: 'Gt compares integers',
      labels: { cores: '16' },
      affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }),
      fits: true,
    },
    {
      name: 'Gt is not a string comparison',
      labels: { cores: '9' },
      affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['10'] }] }),
      fits: false,
    },
    {
      name: 'Lt',
      labels: { cores: '4' },
      affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['8'] }] }),
      fits: true,
    },
    {
      name: 'Gt on a non-integer label never matches',
      labels: { cores: 'many' },
      affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1'] }] }),
      fits: false,
    },
    {
      name: 'terms are ORed',
      labels: { zone: 'b' },
      affinity: required(
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
      ),
      fits: true,
    },
    {
      name: 'requirements in a term are ANDed',
      labels: { zone: 'a', disk: 'hdd' },
      affinity: required({
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['a'] },
          { key: 'disk', operator: 'In', values: ['ssd'] },
        ],
      }),
      fits: false,
    },
    {
      name: 'matchFields metadata.name In',
      labels: {},
      affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }),
      fits: true,
    },
    {
      name: 'matchFields metadata.name NotIn',
      labels: {},
      affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }),
      fits: false,
    },
    {
      name: 'an empty term matches nothing',
      labels: { zone: 'a' },
      affinity: required({}),
      fits: false,
    },
    {
      name: 'nodeSelector and affinity must both hold',
      labels: { zone: 'a' },
      selector: { disk: 'ssd' },
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }),
      fits: false,
    },
  ])('$name', ({ labels, selector, affinity, fits }) => {
    let pod = makePod('p');
    if (selector) pod = pod.nodeSelector(selector);
    if (affinity) pod = pod.affinity(affinity);
    const status = runFilter(create(), pod.obj(), node('n1', labels));
    if (fits) expect(status.code).toBe('Success');
    else expect(status).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_POD] });
  });
});

describe(`${NAME} Score`, () => {
  const preferred = (...terms: [number, Expression][]): AffinityInput => ({
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: terms.map(([weight, e]) => ({
        weight,
        preference: { matchExpressions: [e] },
      })),
    },
  });

  it.each<{ name: string; labels: Record<string, string>[]; affinity?: AffinityInput; scores?: number[] }>([
    { name: 'no preferences: skipped', labels: [{}, {}], scores: undefined },
    {
      name: 'weights of matched terms, scaled to 100',
      labels: [{ zone: 'a' }, { zone: 'a', disk: 'ssd' }, {}],
      affinity: preferred(
        [20, { key: 'zone', operator: 'In', values: ['a'] }],
        [60, { key: 'disk', operator: 'In', values: ['ssd'] }],
      ),
      scores: [25, 100, 0],
    },
    {
      name: 'nothing matched anywhere: all zero',
      labels: [{}, {}],
      affinity: preferred([10, { key: 'zone', operator: 'Exists' }]),
      scores: [0, 0],
    },
  ])('$name', ({ labels, affinity, scores }) => {
    const nodes = labels.map((l, i) => node(`n${i}`, l));
    const pod = affinity ? makePod('p').affinity(affinity).obj() : makePod('p').obj();
    expect(runScore(create(), pod, nodes)).toEqual(scores);
  });
});
