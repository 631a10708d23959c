import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { Service } from '../../../protocol/resources/service.js';
import { makePod } from '../../../protocol/testing/pod-builders.js';
import { calculateSubsets } from './plan.js';

const service = (spec: Record<string, unknown> = {}): Service =>
  ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      sessionAffinity: 'None',
      ...spec,
    },
  }) as unknown as Service;

/** A bound pod declaring `http` on 8080, published on `hostPort`, Ready or not. */
const pod = (
  name: string,
  hostPort: number,
  options: { ready?: boolean; labels?: Record<string, string> } = {},
) => {
  const built = makePod(name)
    .namespace('default')
    .node('n1')
    .labels(options.labels ?? { app: 'web' })
    .ports({ name: 'http', containerPort: 8080 })
    .obj() as Pod;
  return {
    ...built,
    metadata: { ...built.metadata, uid: `uid-${name}` },
    status: {
      phase: 'Running',
      hostIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
      publishedPorts: [
        {
          containerName: 'main',
          name: 'http',
          containerPort: 8080,
          protocol: 'TCP',
          hostIP: '127.0.0.1',
          hostPort,
        },
      ],
    },
  } as unknown as Pod;
};

describe('calculateSubsets', () => {
  it('lists each selected pod at hostIP:hostPort, ready or not, by port name', () => {
    const subsets = calculateSubsets(service(), [pod('a', 40001), pod('b', 40002, { ready: false })]);
    expect(subsets).toEqual([
      {
        addresses: [
          {
            ip: '127.0.0.1',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
          },
        ],
        ports: [{ name: 'http', port: 40001, protocol: 'TCP' }],
      },
      {
        notReadyAddresses: [expect.objectContaining({ targetRef: expect.objectContaining({ name: 'b' }) })],
        ports: [{ name: 'http', port: 40002, protocol: 'TCP' }],
      },
    ]);
  });

  it.each([
    ['not selected', pod('x', 40001, { labels: { app: 'other' } })],
    [
      'terminating',
      {
        ...pod('x', 40001),
        metadata: { ...pod('x', 40001).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
      },
    ],
    ['not bound yet (no hostIP)', { ...pod('x', 40001), status: { phase: 'Pending' } }],
    ['finished', { ...pod('x', 40001), status: { ...pod('x', 40001).status, phase: 'Succeeded' } }],
    [
      'without the named port',
      {
        ...pod('x', 40001),
        spec: { ...pod('x', 40001).spec, containers: [{ name: 'main', image: 'busybox' }] },
      },
    ],
    [
      'declared but not published yet',
      { ...pod('x', 40001), status: { ...pod('x', 40001).status, publishedPorts: [] } },
    ],
  ])('leaves out a pod that is %s', (_, p) => {
    expect(calculateSubsets(service(), [p as Pod])).toEqual([]);
  });

  it('targetPort by number; a port the pod does not declare is reached at the same number on the node', () => {
    const numbered = calculateSubsets(service({ ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }), [
      pod('a', 40001),
    ]);
    expect(numbered[0]?.ports).toEqual([{ port: 40001, protocol: 'TCP' }]);
    const undeclared = calculateSubsets(
      service({ ports: [{ port: 80, targetPort: 9090, protocol: 'TCP' }] }),
      [pod('a', 40001)],
    );
    expect(undeclared[0]?.ports).toEqual([{ port: 9090, protocol: 'TCP' }]);
  });

  it('publishNotReadyAddresses lists every pod as an address', () => {
    const subsets = calculateSubsets(service({ publishNotReadyAddresses: true }), [
      pod('b', 40002, { ready: false }),
    ]);
    expect(subsets[0]?.addresses).toHaveLength(1);
    expect(subsets[0]?.notReadyAddresses).toBeUndefined();
  });

  it('pods with the same host ports share a subset; the result does not depend on pod order', () => {
    const pods = [pod('c', 40001), pod('a', 40001), pod('b', 40002, { ready: false })];
    const forward = calculateSubsets(service(), pods);
    expect(forward).toHaveLength(2);
    expect(forward[0]?.addresses?.map((a) => a.targetRef?.name)).toEqual(['a', 'c']);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(pods, { minLength: pods.length, maxLength: pods.length }),
        (shuffled) => {
          expect(calculateSubsets(service(), shuffled)).toEqual(forward);
        },
      ),
    );
  });

  it('every selected, bound, live pod appears exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            port: fc.integer({ min: 30000, max: 30005 }),
            ready: fc.boolean(),
            selected: fc.boolean(),
          }),
          {
            maxLength: 20,
          },
        ),
        (specs) => {
          const pods = specs.map((s, i) =>
            pod(`p${i}`, s.port, { ready: s.ready, labels: s.selected ? { app: 'web' } : { app: 'no' } }),
          );
          const subsets = calculateSubsets(service(), pods);
          const listed = subsets.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]);
          const names = listed.map((a) => a.targetRef?.name).sort();
          expect(names).toEqual(specs.flatMap((s, i) => (s.selected ? [`p${i}`] : [])).sort());
          const ready = new Set(subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef?.name)));
          specs.forEach((s, i) => {
            if (s.selected) expect(ready.has(`p${i}`)).toBe(s.ready);
          });
        },
      ),
    );
  });
});
